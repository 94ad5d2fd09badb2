"""The course-author API is declared: docs/authoring.md names exactly what each module exports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import autograder.strategies
import autograder.testing

DOC = (Path(__file__).resolve().parent.parent / "docs" / "authoring.md").read_text(encoding="utf-8")


def _documented(section: str) -> set[str]:
    body = DOC.split(f"## `{section}`", 1)[1].split("\n## ", 1)[0]
    names = set()
    for cell in re.findall(r"^\| (.+?) \|", body, flags=re.M):
        names.update(re.findall(r"`(\w+)[`(]", cell))
    return names


@pytest.mark.parametrize("module", [autograder.testing, autograder.strategies], ids=lambda m: m.__name__)
def test_every_public_name_is_documented_and_exists(module):
    documented = _documented(module.__name__) - {"call"}
    assert set(module.__all__) == documented, set(module.__all__) ^ documented
    for name in module.__all__:
        assert getattr(module, name).__doc__, f"{module.__name__}.{name} needs a docstring"


def test_the_fixtures_the_doc_names_are_the_plugins():
    from autograder.grading import plugin

    for name in ("student", "reference", "record", "course"):
        assert f"| `{name}` |" in DOC
        assert callable(getattr(plugin, name)), name
