"""``autograder check``'s formats: clean of student control text, wrapped to the terminal, wrapping in Jupyter."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from autograder.checking.format import format_html, format_markdown, format_text
from autograder.checking.model import CheckReport, LessonCheck, PublicTest
from tests.test_writers_hostile import HOSTILE, clean_markdown, clean_text

LONG = ("sigmoid(z) returned [0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5] (shape (16,), float64), "
        "expected [0.2689414213699951 0.7310585786300049 0.8807970779778823 0.9525741268224334]")  # fmt: skip


def _report(message: str) -> CheckReport:
    tests = (PublicTest("activations", "test_sigmoid", "failed", message, hint="Use np.exp."),
             PublicTest("activations", "test_relu", "passed"))  # fmt: skip
    return CheckReport("Neurons", "/x", (LessonCheck("activations", "Activations", tests),))


def test_student_text_is_clean_in_every_check_format():
    report = _report(HOSTILE + "\nnp.float64(0.5)")
    text = format_text(report, width=100)
    clean_text(text, "check text")
    assert text.endswith("\nPoints 1/2") and "np.float64" not in text and "0.5" in text
    clean_markdown(format_markdown(report), "check markdown")
    page = format_html(report)
    assert "\x1b" not in page and "<script" not in page and "&lt;script&gt;" in page


def test_text_wraps_to_the_given_width():
    text = format_text(_report(LONG), width=60)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "0.7310585786300049" in text.replace("\n", " ")  # wrapped, not cut


def test_autograder_check_wraps_to_COLUMNS(tmp_path):
    """The command reads the terminal's width (``COLUMNS=60``): no line of its output is longer."""
    from tests.test_check import make_repo

    repo = make_repo(tmp_path, solved=False, lessons=["activations"])
    env = {**os.environ, "COLUMNS": "60"}
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "check", "--path", str(repo)], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=300).stdout  # fmt: skip
    assert out.rstrip().endswith("Points 0/" + out.rstrip().rsplit("/", 1)[1]) and "not written yet" in out
    assert max(len(line) for line in out.splitlines()) <= 60


def test_notebook_html_wraps_instead_of_overflowing():
    page = format_html(_report(LONG + " " + "x" * 400))
    pre = re.search(r"<pre style='([^']*)'>", page)
    assert pre is not None
    for rule in ("white-space:pre-wrap", "overflow-wrap:anywhere", "max-width:100%"):
        assert rule in pre.group(1)
    assert "max-width:100%" in page.split(">", 1)[0]  # the outer box too
