"""Small helpers every writer shares: numbers, atomic files, safe text.

Texts in a report partly come from the student (what their code printed,
the message of an exception they raised). Writers therefore escape for
their medium: HTML escaping, Markdown fences longer than any backtick run in
the text, and ``log_safe`` for anything printed where a CI runner parses
the log (GitHub Actions executes lines that start with ``::``; a legacy
grader reads lines that start with ``Points``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..model import GradeReport, TestResult

__all__ = [
    "STATUS_WORDS",
    "fence",
    "final_score",
    "log_safe",
    "num",
    "percent",
    "test_id",
    "write_text_atomic",
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


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def fence(text: str, info: str = "text") -> str:
    """A Markdown code block that ``text`` cannot close early, whatever backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


# A line starts at the text's start or after any character .NET's line reader splits on.
_LOG_TRAP = re.compile(r"(?:^|(?<=[\r\n\x0b\x0c\x85\u2028\u2029]))(\s*)(::|points\b)", re.IGNORECASE)


def log_safe(text: str) -> str:
    """``text`` with every line a CI runner would act on defused.

    GitHub Actions treats a line starting (after spaces) with ``::`` as a
    workflow command, and GitHub Classroom's legacy grader reads ``Points X/Y``
    lines. Such lines get a visible ``| `` in front, which neither acts on.
    """
    return _LOG_TRAP.sub(r"\1| \2", text)
