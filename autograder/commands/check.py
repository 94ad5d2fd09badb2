"""Run the public tests on your own work and show what to fix, lesson by lesson.

Takes about a second. Exit status 0 when every public test passes, 1 while
any fails (so CI and pre-commit hooks can use it), 2 when it cannot run.
The last line is "Points X/Y" (public tests passed), which GitHub
Classroom reads. Your grade comes from hidden tests your instructor runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder.checking.check import DEFAULT_TIMEOUT, find_work_dir, run_checks
from autograder.checking.format import format_markdown, format_text

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "lessons", nargs="*", metavar="LESSON", help="only these lessons (default: every lesson with public tests)"
    )
    p.add_argument("--path", type=Path, default=None, metavar="DIR",
                   help="the folder with your lesson modules and tests/ (default: from the nearest course.yaml)")  # fmt: skip
    p.add_argument("--markdown", type=Path, default=None, metavar="FILE",
                   help="also write the table as Markdown (e.g. \"$GITHUB_STEP_SUMMARY\")")  # fmt: skip
    p.add_argument("--github-output", type=Path, default=None, metavar="FILE",
                   help="append points=X/Y and GitHub Classroom's runner result=... (e.g. \"$GITHUB_OUTPUT\")")  # fmt: skip
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop a public test after this long (default {DEFAULT_TIMEOUT:g}; 0: never)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="print only the Points X/Y line")


def run(args: argparse.Namespace) -> int:
    from autograder.checking.format import encode_result

    work_dir, course = find_work_dir(args.path)
    report = run_checks(work_dir, lessons=args.lessons or None, course=course, timeout=args.timeout)
    if args.markdown:
        _write(args.markdown, format_markdown(report), append=False)
    if args.github_output:
        _write(
            args.github_output, f"points={report.passed}/{report.total}\nresult={encode_result(report)}\n", append=True
        )
    print(report.points_line if args.quiet else format_text(report), flush=True)
    return 0 if report.ok else 1


def _write(path: Path, text: str, *, append: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if append else "w", encoding="utf-8") as fh:
        fh.write(text)
