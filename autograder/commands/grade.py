"""Grade a submission folder with the hidden tests and print a per-exercise table.

The student's code runs in a sandbox; the report is written as JSON with
--json. Exit status is 0 whenever grading ran, whatever the score (use
--fail-under PERCENT for a CI gate), and 2 when grading could not run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.commands._classgrade import add_class_arguments, is_class_request, run_class
from autograder.commands._nbgrader import add_nbgrader_arguments, is_nbgrader_request, run_nbgrader
from autograder.commands._outputs import add_output_arguments, finish_report, submitted_at, write_outputs
from autograder.config import resolve_course
from autograder.errors import AutograderError
from autograder.grading.headstart import head_start
from autograder.model import GradeReport
from autograder.sanitize import log_safe

__all__ = ["add_arguments", "run", "format_table"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=None,
        help="a folder with the student's modules (activations.py, ...) or notebooks, "
        "or a class folder with one such sub-folder per student (then give --out)",
    )
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="write the canonical JSON report here")
    p.add_argument("--isolation", default=None, help="auto (default), process, user or namespace")
    p.add_argument(
        "--trusted-code",
        action="store_true",
        help="the code is trusted (your reference, your own tests): allow grading without a sandbox "
        "(process) where this machine has no namespaces; every report then says so",
    )
    p.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PERCENT",
        help="exit 1 when the score is below this percentage",
    )
    p.add_argument("--quiet", action="store_true", help="print only the total")
    add_output_arguments(p)
    add_class_arguments(p)
    add_nbgrader_arguments(p)


def run(args: argparse.Namespace) -> int:
    if args.isolation in (None, "auto", "namespace"):
        from autograder.sandbox.isolation import probe_in_background

        probe_in_background()  # the sandbox probe runs on another core while pytest and hypothesis load
    if is_nbgrader_request(args):
        if args.path is not None:
            raise AutograderError("give either a submission folder or --nbgrader COURSE_DIR ASSIGNMENT, not both")
        return run_nbgrader(args)
    if args.path is None:
        raise AutograderError("give a submission folder to grade (or --nbgrader COURSE_DIR ASSIGNMENT)")
    if is_class_request(args):
        return run_class(args)
    course = resolve_course(args.course)
    head_start(course, args.isolation, args.trusted_code)  # the sandbox gets ready while pytest loads
    from autograder.grading.grade import grade  # pytest and hypothesis: only once grading starts

    submitted = submitted_at(course, args.path, args)
    graded = grade(args.path, course, isolation=args.isolation, trusted_code=args.trusted_code)
    report = finish_report(graded, course, submitted)
    print(
        log_safe(f"{report.submission}: {report.score:g}/{report.max_score:g}" if args.quiet else format_table(report))
    )
    for w in report.warnings if args.quiet else ():
        print(f"WARNING: {w}", file=sys.stderr)
    write_outputs(report, course, args)
    if args.fail_under is not None and report.percent < args.fail_under:
        print(f"score {report.percent:.1f}% is below --fail-under {args.fail_under:g}%", file=sys.stderr)
        return 1
    return 0


def format_table(report: GradeReport) -> str:
    """A plain-text table: one row per exercise, then the failed tests with message and hint."""
    width = max([len(e.id) for e in report.exercises] + [8])
    lines = [f"{report.submission}  (isolation: {report.isolation})", *(f"WARNING: {w}" for w in report.warnings), ""]
    lines.append(f"{'exercise':<{width}}  {'score':>11}  tests passed")
    for e in report.exercises:
        passed = sum(t.passed for t in e.tests)
        lines.append(f"{e.id:<{width}}  {e.score:>5g}/{e.max_score:<5g}  {passed}/{len(e.tests)}")
    lines.append(f"{'total':<{width}}  {report.score:>5g}/{report.max_score:<5g}  {report.percent:.0f}%")
    failed = [t for t in report.tests if not t.passed]
    if failed:
        lines += ["", "What went wrong:"]
        for t in failed:
            lines.append(f"- {t.exercise}.{t.name} [{t.status}]")
            for line in t.message.splitlines():
                lines.append(f"    {line}")
            if t.hint:
                lines.append(f"    hint: {t.hint}")
    for p in report.problems:
        lines.append(f"note: {p}")
    return "\n".join(lines)
