"""GitHub Classroom: the ``Points X/Y`` line and the runner result for the grading reporter.

Classroom's current workflow runs "runner" steps that set a step output
``result``: base64 of ``{"version": 1, "status": "pass"|"fail"|"error",
"max_score", "tests": [{"name", "status", "score", "message", "test_code",
"filename", "line_no", "duration"}]}``. The grading reporter
(``classroom-resources/autograding-grading-reporter``, ``runners: <step id>``)
reads it from the env var ``<STEP_ID>_RESULTS``, sums the tests' ``score``
for the points and ``max_score`` for the maximum, and prints every failed
test's message to the run log. The legacy action printed ``Points X/Y``;
that line is printed too.

Everything here is visible to the student (it is their repository), so
visibility is applied (``_visibility``): tests the student may not see
become one entry "N hidden tests" carrying their points, with no names or
messages. ``test_code`` is always empty: hidden test source is never shown.
A late penalty becomes one negative-score entry so the reporter's sum is the
final score. Messages are ``log_safe`` because the reporter prints them
where the Actions runner parses workflow commands.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any, TextIO

from autograder.model import GradeReport
from autograder.writers._common import STATUS_WORDS, final_score, log_safe, num, test_id
from autograder.writers._visibility import View, split

__all__ = ["RESULT_FIELDS", "TEST_FIELDS", "classroom_result", "emit_classroom", "encode_result", "points_line"]

RESULT_FIELDS = ("version", "status", "max_score", "tests")
TEST_FIELDS = ("name", "status", "score", "message", "test_code", "filename", "line_no", "duration")
_STATUS = {"passed": "pass", "failed": "fail"}  # error, timeout, crashed -> "error"


def _entry(name: str, status: str, score: float, message: str, duration: float = 0.0) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "score": round(score, 6),
        "message": log_safe(message),
        "test_code": "",
        "filename": "",
        "line_no": 0,
        "duration": round(duration, 4),
    }


def classroom_result(report: GradeReport, view: View | None = None) -> dict[str, Any]:
    """The runner result for ``report`` as the student may see it."""
    view = view or View()
    tests = []
    for ex in report.exercises:
        shown, withheld = split(ex.tests, view)
        for t in shown:
            message = ""
            if not t.passed:
                message = f"{STATUS_WORDS.get(t.status, t.status)}: {t.message}".strip()
                if t.hint:
                    message += f"\nHint: {t.hint}"
            tests.append(_entry(test_id(t), _STATUS.get(t.status, "error"), t.score, message, t.duration))
        if withheld:
            tests.append(
                _entry(
                    f"{ex.id}: {withheld.count} hidden test{'s' if withheld.count != 1 else ''}",
                    "pass" if withheld.passed == withheld.count else "fail",
                    withheld.score,
                    withheld.describe() if withheld.passed != withheld.count else "",
                )
            )
    if report.late_penalty:
        taken = round(report.score - final_score(report), 6)
        tests.append(
            _entry("late penalty", "fail", -taken,
                   f"submitted {report.submitted_at}: {num(report.late_penalty)}% late penalty, -{num(taken)} points")
        )  # fmt: skip
    all_passed = all(t.passed for t in report.tests)  # lateness costs points, it is not a failed test run
    return {"version": 1, "status": "pass" if all_passed else "fail", "max_score": report.max_score, "tests": tests}


def points_line(report: GradeReport) -> str:
    """``Points X/Y`` as GitHub Classroom reads it (the final score, after any late penalty)."""
    return f"Points {num(final_score(report))}/{num(report.max_score)}"


def encode_result(result: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(result, ensure_ascii=False).encode("utf-8")).decode("ascii")


def emit_classroom(
    report: GradeReport,
    view: View | None = None,
    *,
    stdout: TextIO | None = None,
    github_output: Path | str | None = None,
) -> dict[str, Any]:
    """Print ``Points X/Y`` and append ``result=<base64>`` and ``points=X/Y`` to ``$GITHUB_OUTPUT`` (when set)."""
    import sys

    result = classroom_result(report, view)
    out = stdout or sys.stdout
    for w in report.warnings:
        print(f"Warning: {w}", file=out)
    print(points_line(report), file=out)
    target = github_output if github_output is not None else os.environ.get("GITHUB_OUTPUT")
    if target:
        points = points_line(report).split(" ", 1)[1]
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"result={encode_result(result)}\npoints={points}\n")
    return result
