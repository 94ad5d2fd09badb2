"""When was it handed in, and what does that cost? The late policy, applied.

The policy itself (deadline, grace period, penalty per started day, cap)
comes from course.yaml and ``config.LatePolicy.penalty`` computes it. This
module finds the submission time, from the first of:

1. the command line (``--submitted-at 2026-12-19T08:00:00+01:00``),
2. nbgrader's ``timestamp.txt`` in the submission folder
   (``2026-12-18 23:59:00.000000 UTC``),
3. the time of the last commit, when the folder is a git checkout of its own
   (``git log -1 --format=%cI``). Commit times are set by whoever commits,
   so a student can forge them: prefer a time recorded by the platform
   (Gradescope's ``created_at``, nbgrader's timestamp, the CI event's time
   passed with ``--submitted-at``) when there is one.

Times without a zone are taken as UTC (nbgrader writes UTC). A time that
cannot be read is an error naming the file and the format expected, never a
silent "on time".
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

from autograder.config import Course
from autograder.errors import AutograderError
from autograder.model import GradeReport

__all__ = [
    "TIMESTAMP_FILE",
    "LateError",
    "apply_late_policy",
    "git_commit_time",
    "nbgrader_time",
    "parse_time",
    "submission_time",
]

TIMESTAMP_FILE = "timestamp.txt"
_ZONES = {"UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00", "UT": "+00:00"}


class LateError(AutograderError):
    """A submission time could not be read."""


def parse_time(text: str, *, source: str = "the submission time") -> dt.datetime:
    """A timezone-aware datetime from ISO 8601 or nbgrader's format; naive times are UTC.

    Accepts ``2026-12-18T23:59:00+01:00``, ``2026-12-18T22:59:00Z``,
    ``2026-12-18 23:59:00.000000 UTC``, ``2026-12-18 23:59:00 +0100`` and a
    bare date (midnight UTC: the kindest reading of a day).
    """
    raw = text.strip().lstrip("\ufeff")
    s = " ".join(raw.split())
    if not s:
        raise LateError(f"{source} is empty; expected a time such as 2026-12-18T23:59:00+01:00")
    head, _, tail = s.rpartition(" ")
    if head and tail.upper() in _ZONES:
        s = head + _ZONES[tail.upper()]
    elif s.upper().endswith("Z") and s[-2:-1].isdigit():
        s = s[:-1] + "+00:00"
    s = re.sub(r"\s*([+-]\d{2}):?(\d{2})$", r"\1:\2", s) if re.search(r"\d[ T]?\d{2}:\d{2}", s) else s
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)  # more than microseconds
    try:
        when = dt.datetime.fromisoformat(s)
    except ValueError:
        raise LateError(
            f"{source}: cannot read {raw!r} as a time; use ISO 8601 such as 2026-12-18T23:59:00+01:00 "
            "(nbgrader's '2026-12-18 23:59:00.000000 UTC' works too)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when


def nbgrader_time(folder: Path) -> dt.datetime | None:
    """The time in ``folder/timestamp.txt`` (nbgrader's collected submissions), or None without one."""
    file = Path(folder) / TIMESTAMP_FILE
    if not file.is_file() or file.is_symlink():
        return None
    try:
        text = file.read_text(encoding="utf-8", errors="replace")[:200]
    except OSError as exc:
        raise LateError(f"{file}: cannot be read ({exc.strerror})") from None
    return parse_time(text, source=str(file))


def git_commit_time(folder: Path, *, exclude: Path | None = None) -> dt.datetime | None:
    """The committer time of the last commit touching ``folder``, if it is in a git work tree.

    ``exclude``: a folder whose repository does not count (the course's own
    repository, for sample submissions kept inside it). Only read-only
    plumbing runs, with hooks and fsmonitor disabled and no pager.
    """
    folder = Path(folder)
    if not folder.is_dir() or shutil.which("git") is None:
        return None
    base = ["git", "--no-pager", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
            "-c", f"safe.directory={folder.resolve()}", "-C", str(folder)]  # fmt: skip
    try:
        top = subprocess.run([*base, "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10)
        if top.returncode != 0:
            return None
        toplevel = Path(top.stdout.strip()).resolve()
        if exclude is not None:
            excluded = Path(exclude).resolve()
            if toplevel == excluded or toplevel in excluded.parents:
                return None
        out = subprocess.run(
            [*base, "log", "-1", "--format=%cI", "--", "."], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    stamp = out.stdout.strip()
    if out.returncode != 0 or not stamp:
        return None  # no commits yet
    return parse_time(stamp, source=f"git commit time of {folder}")


def submission_time(
    folder: Path | str | None,
    given: str | dt.datetime | None = None,
    *,
    course_root: Path | None = None,
) -> tuple[dt.datetime | None, str]:
    """(time, where it came from) by the precedence in the module docstring; (None, "") when unknown."""
    if isinstance(given, dt.datetime):
        return (given if given.tzinfo else given.replace(tzinfo=dt.timezone.utc)), "given"
    if given:
        return parse_time(given, source="--submitted-at"), "command line"
    if folder is None:
        return None, ""
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    when = nbgrader_time(folder)
    if when is not None:
        return when, TIMESTAMP_FILE
    when = git_commit_time(folder, exclude=course_root)
    if when is not None:
        return when, "git commit"
    return None, ""


def apply_late_policy(
    report: GradeReport,
    course: Course,
    submitted: dt.datetime | None,
    *,
    deadline: dt.datetime | None = None,
) -> GradeReport:
    """The report with ``submitted_at``, ``late_penalty`` and ``final_score`` set.

    ``deadline`` overrides course.yaml's (Gradescope's due date, an
    extension). Without a submission time the report is returned unchanged.
    """
    if submitted is None:
        return report
    due = deadline or course.deadline
    penalty = course.late.penalty(submitted, due)
    return report.with_late_penalty(submitted.isoformat(), penalty)
