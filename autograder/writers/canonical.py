"""The canonical JSON report: ``GradeReport.to_dict`` on disk, and back.

This is the instructor's record of a grading run (every test, hidden ones
included, with its message), the input of ``autograder report`` and the
source every other format can be regenerated from. Its shape is documented
by ``docs/schema/report.schema.json`` and checked against it in the tests.

Not for students as is: it holds the messages of hidden tests. Give
students the HTML or Markdown report, which apply visibility.

Values the tests recorded for plots may contain NaN or infinity (a diverging
loss); strict JSON has neither, so they are written as ``null``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from autograder.errors import AutograderError
from autograder.files import write_atomic
from autograder.model import GradeReport

__all__ = ["ReportFileError", "read_report", "to_json", "write_report"]


class ReportFileError(AutograderError):
    """A canonical JSON report could not be read; the message names the file and what is wrong."""


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_json(report: GradeReport) -> str:
    """The report as strict JSON text (UTF-8, two-space indent, keys in model order)."""
    return json.dumps(_finite(report.to_dict()), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_report(report: GradeReport, path: Path | str) -> Path:
    return write_atomic(path, to_json(report))


_REQUIRED = ("submission", "score", "max_score", "exercises")
_TEST_REQUIRED = ("name", "exercise", "status", "score", "max_score")


def read_report(path: Path | str) -> GradeReport:
    """Read a canonical report; ``ReportFileError`` says which file and what is wrong with it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ReportFileError(f"{path}: not UTF-8 text; is it really a JSON report?") from None
    except json.JSONDecodeError as exc:
        raise ReportFileError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); regrade the submission to write it again"
        ) from None
    if not isinstance(data, dict):
        raise ReportFileError(f"{path}: expected a JSON object (a grade report), found {type(data).__name__}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ReportFileError(
            f"{path}: not a grade report (missing {', '.join(missing)}); was it written by autograder?"
        )
    if not isinstance(data["exercises"], list):
        raise ReportFileError(f"{path}: 'exercises' must be a list")
    for i, ex in enumerate(data["exercises"]):
        if not isinstance(ex, dict) or "id" not in ex or not isinstance(ex.get("tests"), list):
            raise ReportFileError(f"{path}: exercises[{i}] needs an 'id' and a list of 'tests'")
        for j, t in enumerate(ex["tests"]):
            lost = [k for k in _TEST_REQUIRED if not isinstance(t, dict) or k not in t]
            if lost:
                raise ReportFileError(f"{path}: exercises[{i}].tests[{j}] is missing {', '.join(lost)}")
    for key in ("score", "max_score"):
        if isinstance(data[key], bool) or not isinstance(data[key], (int, float)):
            raise ReportFileError(f"{path}: '{key}' must be a number, found {data[key]!r}")
    try:
        return GradeReport.from_dict(data)
    except (TypeError, ValueError, KeyError) as exc:
        raise ReportFileError(f"{path}: not a grade report this version can read ({exc})") from None
