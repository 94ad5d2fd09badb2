"""Markdown for a CI job summary: totals, per-exercise table, what to fix, hidden tests only counted."""

from __future__ import annotations

import html
import re

import pytest

from autograder.writers import View
from autograder.writers.markdown import markdown_report, write_markdown
from tests.report_samples import HOSTILE, graded, synthetic_report


@pytest.fixture(scope="module")
def reports():
    return graded()


def test_total_and_one_row_per_exercise(reports):
    for report in reports.values():
        md = markdown_report(report)
        assert f"{report.score:g}/{report.max_score:g} points" in md.splitlines()[0]
        for e in report.exercises:
            assert re.search(rf"^\| .*\(`{e.id}`\) \| {e.score:g}/{e.max_score:g} \|", md, re.MULTILINE), e.id


def test_failed_tests_show_message_and_hint_passed_ones_do_not(reports):
    mistake = next(label for label in reports if label not in ("reference", "stubs"))
    report = reports[mistake]
    md = markdown_report(report)
    for t in report.tests:
        assert (f"`{t.exercise}.{t.name}`" in md) == (not t.passed)
        if not t.passed:
            assert t.message.splitlines()[0] in md and t.hint in html.unescape(md.replace("\\|", "|"))
    assert "Every test passed" in markdown_report(reports["reference"])


def test_student_view_counts_hidden_tests_and_shows_after_due_ones_only_after_the_deadline():
    report = synthetic_report()
    before = markdown_report(report, View())
    for secret in ("SECRET-HIDDEN-MESSAGE", "test_secret_edge_case", "AFTER-DUE-MESSAGE", "PUBLISHED-MESSAGE"):
        assert secret not in before
    assert "1 hidden test: 0/2 points" in before
    after = markdown_report(report, View(after_due=True))
    assert "AFTER-DUE-MESSAGE" in after and "SECRET-HIDDEN-MESSAGE" not in after
    assert "SECRET-HIDDEN-MESSAGE" in markdown_report(report, View.everything())


def test_late_penalty_is_stated():
    md = markdown_report(synthetic_report(late=True))
    assert "20% late penalty" in md and "2026-12-20T10:00:00+00:00" in md


def test_student_text_stays_inside_code_fences():
    md = markdown_report(synthetic_report())
    # Outside fenced blocks no line of the hostile text may appear (it would render as HTML/Markdown).
    outside, fence = [], None
    for line in md.splitlines():
        m = re.match(r"^(`{3,})", line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None:
            outside.append(line)
    assert fence is None, "an unclosed code fence"
    text = "\n".join(outside)
    assert "<script>" not in text and "::error::" not in text
    assert HOSTILE.splitlines()[0] in md  # still shown, inside a fence


def test_write_markdown(tmp_path):
    path = write_markdown(synthetic_report(), tmp_path / "summary.md")
    assert path.read_text(encoding="utf-8").startswith("## Neurons · synthetic:")
