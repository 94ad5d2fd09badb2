"""The class form of ``autograder grade``: ``autograder grade CLASS_DIR --out OUT_DIR [--jobs N] [--force] [--dask ADDR]``.

Kept apart from commands/grade.py so the single-submission command stays
short. CLASS_DIR is a folder with one sub-folder per student and no .py or
.ipynb files of its own (``autograder.classes.batch.is_class_dir``). Reports go to
OUT_DIR/<student>.json, the gradebook to OUT_DIR/gradebook.csv; a re-run
skips students whose files and suite are unchanged (``--force`` regrades).
Progress (done/total, rate, ETA) goes to stderr.

Exit status: 0 when the class was graded (whatever the scores, and even if
some folders could not be read: those students get a report saying so), 1
when the grader itself could not grade some submission (named on stderr),
2 when grading could not run at all; 130 on Ctrl-C, with every finished
report kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.classes.batch import default_jobs, grade_class, is_class_dir
from autograder.config import resolve_course
from autograder.errors import AutograderError
from autograder.sanitize import log_safe

__all__ = ["add_class_arguments", "is_class_request", "run_class"]

_SINGLE_ONLY = ("json", "fail_under", "html", "markdown", "junit", "gradescope", "classroom", "submitted_at")


def add_class_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "a whole class",
        "PATH is a class folder when it has no .py/.ipynb files itself and its sub-folders (one per student) do",
    )
    g.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="OUT_DIR",
        help="write OUT_DIR/<student>.json per student and OUT_DIR/gradebook.csv",
    )
    g.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=f"grade N submissions at a time (default: all cores, here {default_jobs()})",
    )
    g.add_argument("--force", action="store_true", help="regrade students whose reports are up to date")
    g.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="grade on the Dask cluster at this scheduler address (pip install 'neurons-autograder[dask]')",
    )
    g.add_argument("--no-replay", action="store_true", help=argparse.SUPPRESS)  # for the benchmark


def is_class_request(args: argparse.Namespace) -> bool:
    """True when PATH is a class folder, or class-only options were given (then PATH is checked)."""
    return is_class_dir(args.path) or any(
        getattr(args, name, None) not in (None, False) for name in ("out", "jobs", "force", "dask")
    )


def run_class(args: argparse.Namespace) -> int:
    path: Path = args.path
    if not is_class_dir(path):
        raise AutograderError(
            f"{path} is not a class folder: it holds .py/.ipynb files itself or none of its sub-folders does. "
            "A class folder has one sub-folder per student; grade a single submission without --out/--jobs/--force/--dask"
        )
    if args.out is None:
        raise AutograderError(
            f"{path} is a class folder (one sub-folder per student): add --out OUT_DIR for the reports"
        )
    given = [f"--{n.replace('_', '-')}" for n in _SINGLE_ONLY if getattr(args, n, None) not in (None, False)]
    if given:
        raise AutograderError(
            f"{', '.join(given)} apply to a single submission; for a class, run `autograder report {args.out}` "
            "after grading for the gradebook and the class summary"
        )
    if args.jobs is not None and args.jobs < 1:
        raise AutograderError("--jobs must be at least 1")
    course = resolve_course(args.course)
    summary = grade_class(
        path, args.out, course, jobs=args.jobs, force=args.force, isolation=args.isolation,
        trusted_code=args.trusted_code,
        dask=args.dask, replay=not getattr(args, "no_replay", False),
    )  # fmt: skip
    parts = [f"{len(summary.graded)} graded", f"{len(summary.skipped)} up to date"]
    if summary.unreadable:
        parts.append(f"{len(summary.unreadable)} unreadable ({', '.join(summary.unreadable[:5])})")
    if summary.failed:
        parts.append(f"{len(summary.failed)} could not be graded ({', '.join(summary.failed[:5])})")
    print(log_safe(f"{len(summary.students)} students: " + ", ".join(parts) + f" in {summary.seconds:.1f} s"))
    print(f"reports: {summary.out_dir}/<student>.json; gradebook: {summary.gradebook}")
    if summary.failed:
        print(
            log_safe(
                f"the grader could not grade: {', '.join(summary.failed)} (their reports say so; rerun to retry them)"
            ),
            file=sys.stderr,
        )
        return 1
    return 0
