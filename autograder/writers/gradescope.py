"""Gradescope's ``results.json``, from a grade report.

Gradescope shows this file to the student and enforces each test's
``visibility`` itself (``hidden``, ``after_due_date``, ``after_published``,
``visible``; the same values as course.yaml), so every test is written with
its visibility and Gradescope decides what the student sees. Nothing that is
withheld by visibility is copied into a field Gradescope always shows (the
top-level ``output`` carries totals, the late penalty and the student's own
printed output only).

Field names follow Gradescope's autograder specification: top level
``score`` (the final score, after any late penalty, overriding the sum of
the tests), ``execution_time``, ``output``, ``output_format``,
``stdout_visibility``, ``extra_data``, ``tests``; per test ``name``,
``number``, ``score``, ``max_score``, ``status`` (passed/failed), ``output``,
``output_format``, ``tags``, ``visibility``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder.files import write_atomic
from autograder.model import GradeReport, TestResult
from autograder.writers._common import STATUS_WORDS, fence, final_score, md_text, num, test_id

__all__ = ["TEST_FIELDS", "TOP_FIELDS", "failure_results", "gradescope_results", "write_gradescope"]

TOP_FIELDS = ("score", "execution_time", "output", "output_format", "stdout_visibility", "extra_data", "tests")
TEST_FIELDS = ("name", "name_format", "number", "score", "max_score", "status", "output", "output_format", "tags",
               "visibility")  # fmt: skip
_OUTPUT_LIMIT = 8000


def _test_output(t: TestResult) -> str:
    parts = []
    if t.description:
        parts.append(t.description)
    if not t.passed:
        parts.append(f"**{STATUS_WORDS.get(t.status, t.status)}**")
        if t.message:
            parts.append(fence(t.message))
        if t.hint:
            parts.append(f"**Hint:** {t.hint}")
    return "\n\n".join(parts)


def _summary(report: GradeReport) -> str:
    lines = [f"**{num(final_score(report))}/{num(report.max_score)} points**"]
    lines += [f"**Warning:** {w}" for w in report.warnings]
    if report.late_penalty:
        lines.append(
            f"Submitted {report.submitted_at}: a late penalty of {num(report.late_penalty)}% was applied "
            f"to {num(report.score)} points."
        )
    for p in report.problems:
        lines.append(f"Note: {md_text(p)}")
    if report.output.strip():
        out = report.output if len(report.output) <= _OUTPUT_LIMIT else report.output[:_OUTPUT_LIMIT] + "\n[...]"
        lines.append("What your code printed:\n\n" + fence(out))
    return "\n\n".join(lines)


def gradescope_results(report: GradeReport) -> dict[str, Any]:
    """The ``results.json`` document for one submission."""
    tests = []
    for i, ex in enumerate(report.exercises, 1):
        for j, t in enumerate(ex.tests, 1):
            tests.append(
                {
                    "name": test_id(t),
                    "name_format": "text",
                    "number": f"{i}.{j}",
                    "score": t.score,
                    "max_score": t.max_score,
                    "status": "passed" if t.passed else "failed",
                    "output": _test_output(t),
                    "output_format": "md",
                    "tags": [ex.id],
                    "visibility": t.visibility,
                }
            )
    return {
        "score": final_score(report),
        "execution_time": round(report.duration, 3),
        "output": _summary(report),
        "output_format": "md",
        "stdout_visibility": "hidden",  # the grader's own log, for staff
        "extra_data": {
            "raw_score": report.score,
            "late_penalty_percent": report.late_penalty,
            "submitted_at": report.submitted_at,
            "isolation": report.isolation,
            "sandbox": report.sandbox,
            "grader_version": report.grader_version,
            "suite_hash": report.suite_hash,
        },
        "tests": tests,
    }


def failure_results(message: str) -> dict[str, Any]:
    """A results.json for a submission that could not be graded at all (nothing gradable in it)."""
    return {"score": 0.0, "output": message, "output_format": "md", "stdout_visibility": "hidden", "tests": []}


def write_gradescope(report: GradeReport | dict[str, Any], path: Path | str) -> Path:
    data = report if isinstance(report, dict) else gradescope_results(report)
    return write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
