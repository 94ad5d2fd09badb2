"""Run as a Gradescope autograder: grade /autograder/submission, write /autograder/results/results.json.

``templates/gradescope/run_autograder`` calls ``python -m
autograder.gradescope_run``. Gradescope's layout, under a root that
``AUTOGRADER_ROOT`` (or ``--root``) can move for testing:

``source/``                   the autograder zip, unpacked (this repository: course.yaml, solutions/, tests/)
``submission/``               the student's files
``submission_metadata.json``  ``created_at`` (submission time), ``assignment.due_date``, ...
``results/results.json``      what Gradescope shows

The late policy (course.yaml) uses Gradescope's submission time and the
assignment's due date from the metadata (course.yaml's deadline when the
metadata has none), so extensions set in Gradescope are honoured.

Outcomes: a graded submission always gets a results.json. A submission with
nothing gradable in it gets one with score 0 and a message saying which
files were expected. When the grader itself cannot run (a broken
course.yaml, hidden tests that do not match it) no results.json is written
and the exit status is 2: Gradescope then reports an autograder failure to
staff, who can fix it and regrade, instead of students receiving a wrong 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .errors import AutograderError, SubmissionError
from .grade import grade, resolve_course
from .late import LateError, apply_late_policy, parse_time
from .submission import submission_files
from .writers.gradescope import failure_results, write_gradescope

__all__ = ["main", "find_submission", "read_metadata"]

ROOT_ENV = "AUTOGRADER_ROOT"
COURSE_ENV = "AUTOGRADER_COURSE"


def find_submission(folder: Path) -> Path:
    """The folder holding the student's modules: ``folder`` itself, or the one subfolder that has them.

    Students often upload a zip of their project folder; Gradescope then
    unpacks it one level down. Hidden folders (``__MACOSX``, ``.git``) are ignored.
    """
    if _gradable(folder):
        return folder
    candidates = [d for d in sorted(folder.rglob("*")) if d.is_dir() and not any(
        part.startswith((".", "__")) for part in d.relative_to(folder).parts) and _gradable(d)]  # fmt: skip
    if len(candidates) == 1:
        return candidates[0]
    return folder


def _gradable(folder: Path) -> bool:
    try:
        return any(f.suffix in (".py", ".ipynb") for f in submission_files(folder))
    except SubmissionError:
        return False


def read_metadata(root: Path) -> dict[str, Any]:
    file = root / "submission_metadata.json"
    if not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(f"warning: {file} is not readable JSON; no late policy applied", file=sys.stderr)
        return {}
    return data if isinstance(data, dict) else {}


def _times(meta: dict[str, Any], file: Path) -> tuple[Any, Any]:
    created = meta.get("created_at")
    due = (meta.get("assignment") or {}).get("due_date") if isinstance(meta.get("assignment"), dict) else None
    try:
        submitted = parse_time(created, source=f"{file}: created_at") if isinstance(created, str) else None
        deadline = parse_time(due, source=f"{file}: assignment.due_date") if isinstance(due, str) else None
    except LateError as exc:
        print(f"warning: {exc}; no late policy applied", file=sys.stderr)
        return None, None
    return submitted, deadline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope_run", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_ENV, "/autograder")),
                        help=f"Gradescope's folder (default: ${ROOT_ENV} or /autograder)")  # fmt: skip
    parser.add_argument("--course", type=Path, default=None,
                        help=f"course.yaml (default: ${COURSE_ENV} or ROOT/source/course.yaml)")  # fmt: skip
    args = parser.parse_args(argv)
    root: Path = args.root
    course_path = args.course or Path(os.environ.get(COURSE_ENV) or root / "source" / "course.yaml")
    results = root / "results" / "results.json"
    try:
        course = resolve_course(course_path)
    except AutograderError as exc:
        print(f"autograder: the course cannot be loaded, nothing was graded: {exc}", file=sys.stderr)
        return 2
    submission = find_submission(root / "submission")
    if not _gradable(submission):
        expected = ", ".join(f"{e.id}.py" for e in course.exercises)
        write_gradescope(failure_results(
            f"No Python files or notebooks were found in your submission. Upload {expected} "
            "(or the notebooks) directly, not inside another folder or archive."), results)  # fmt: skip
        print("autograder: nothing gradable in the submission; wrote a 0 with an explanation")
        return 0
    try:
        report = grade(submission, course, label="submission")
    except SubmissionError as exc:
        write_gradescope(failure_results(f"Your submission could not be read: {exc}"), results)
        return 0
    except AutograderError as exc:
        print(f"autograder: grading could not run: {exc}", file=sys.stderr)
        return 2
    submitted, deadline = _times(read_metadata(root), root / "submission_metadata.json")
    report = apply_late_policy(report, course, submitted, deadline=deadline)
    write_gradescope(report, results)
    final = report.score if report.final_score is None else report.final_score
    print(f"autograder: {report.score:g}/{report.max_score:g}, final {final:g} (isolation: {report.isolation})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
