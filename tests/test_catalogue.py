"""Every catalogued mistake loses points in the exercise it breaks, and only there;
every correct-but-different variant scores full marks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.classes.jobs import Grader
from autograder.submission import load_submission
from tests.catalogue import GATED, all_mistakes, all_variants, build, deduction_table

pytestmark = pytest.mark.slow  # grades 130 submissions of the whole unit

MISTAKES = all_mistakes()
VARIANTS = all_variants()


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """Grade every mistake and variant as a class is graded: the reference first (recording hypothesis's
    inputs), then every entry replaying them (tests/test_calibration.py and tests/test_replay.py prove a
    replayed report is the report hypothesis gives; a failing test falls back to hypothesis, shrinking included)."""
    root = tmp_path_factory.mktemp("catalogue")
    subs = [load_submission(build(root / e.id, e), label=e.id) for e in [*MISTAKES, *VARIANTS]]
    return Grader(course, replay=True).grade(subs)


def test_catalogue_is_large_enough():
    assert len({m.id for m in MISTAKES}) == len(MISTAKES), "mistake ids must be unique"
    assert len(MISTAKES) >= 2


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_mistake_loses_points_only_in_its_exercise(graded, mistake):
    report = graded[mistake.id]
    for ex in report.exercises:
        failed = {t.name for t in ex.tests if not t.passed}
        if ex.id == mistake.module:
            assert set(mistake.fails) <= failed, f"expected {mistake.fails} to fail, failed: {failed}"
            # A hygiene point (inputs left unchanged) needs a correct answer first: a wrong function loses it too.
            gated = {t.name for t in ex.tests if not t.passed and GATED in t.message}
            unexpected = failed - set(mistake.fails) - set(mistake.may_fail) - gated
            assert not unexpected, f"{mistake.id} also failed {unexpected}"
            assert ex.score < ex.max_score
        else:
            assert ex.score == ex.max_score, f"{mistake.id} lost points in {ex.id}: {failed}"
    first = next(t for t in report.tests if t.name == mistake.fails[0] and t.exercise == mistake.module)
    assert mistake.message in first.message, first.message
    assert first.hint, f"{first.name} has no hint"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_correct_variant_scores_full_marks(graded, variant):
    report = graded[variant.id]
    lost = [(t.exercise, t.name, t.message) for t in report.tests if not t.passed]
    assert not lost, lost


def test_deduction_table(graded):
    """With AG_DEDUCTION_TABLE=FILE, write docs/unit.md's deduction table from this grading (see scripts/deduction_table.py)."""
    table = deduction_table(MISTAKES, graded)
    assert table.count("\n") == len(MISTAKES) + 2
    if os.environ.get("AG_DEDUCTION_TABLE"):
        Path(os.environ["AG_DEDUCTION_TABLE"]).write_text(table, encoding="utf-8")
