"""Small helpers every writer shares: numbers, atomic files, safe text.

Texts in a report partly come from the student (what their code printed,
the message of an exception they raised). Writers therefore escape for
their medium with ``autograder.sanitize`` (re-exported here): ``plain`` for
text and HTML (no terminal escape sequences), ``fence`` and ``md_text`` for
Markdown, and ``log_safe`` for anything printed where a CI runner parses the
log (GitHub Actions executes lines that start with ``::``; a legacy grader
reads lines that start with ``Points``).
"""

from __future__ import annotations

from autograder.model import GradeReport, TestResult
from autograder.sanitize import log_safe, md_fence, md_text, one_line, plain

__all__ = [
    "STATUS_WORDS",
    "fence",
    "final_score",
    "log_safe",
    "md_text",
    "num",
    "one_line",
    "percent",
    "plain",
    "test_id",
]

STATUS_WORDS = {
    "passed": "passed",
    "failed": "wrong answer",
    "error": "error",
    "timeout": "too slow",
    "crashed": "crashed",
}


def num(x: float | None) -> str:
    """Points as people write them: 2, 1.5, 0.33 (never 0.3333333)."""
    if x is None:
        return ""
    return f"{round(float(x), 2):g}"


def percent(score: float, max_score: float) -> str:
    return f"{100.0 * score / max_score:.1f}%" if max_score else "0.0%"


def final_score(report: GradeReport) -> float:
    """The score after any late penalty."""
    return report.score if report.final_score is None else report.final_score


def test_id(t: TestResult) -> str:
    """The stable name of a test in every format: ``<exercise>.<test function>``."""
    return f"{t.exercise}.{t.name}"


fence = md_fence  # a Markdown code block that the text cannot close early, whatever backticks it holds
