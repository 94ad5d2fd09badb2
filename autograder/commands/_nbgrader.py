"""``autograder grade --nbgrader COURSE_DIR ASSIGNMENT``: the nbgrader mode of the grade command.

Kept apart from ``grade.py`` so the one-submission and class modes stay
readable; ``grade.py`` only adds the option and hands over. The work is in
``autograder.notebooks.nbgrader_course``.
"""

from __future__ import annotations

import argparse
import sys

from autograder.config import resolve_course
from autograder.model import GradeReport

__all__ = ["add_nbgrader_arguments", "is_nbgrader_request", "run_nbgrader"]


def add_nbgrader_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--nbgrader", nargs=2, metavar=("COURSE_DIR", "ASSIGNMENT"), default=None,
                   help="grade every submitted/<student>/ASSIGNMENT/ of an nbgrader course folder and write the "
                        "scores into its gradebook, autograded/ and feedback/ (needs nbgrader installed); the course "
                        "is --course, else the one COURSE_DIR/autograder-course.txt names (written by autograder "
                        "build --nbgrader-source), else the nearest course.yaml")  # fmt: skip


def is_nbgrader_request(args: argparse.Namespace) -> bool:
    return getattr(args, "nbgrader", None) is not None


def _line(report: GradeReport) -> str:
    text = f"{report.submission}: {report.score:g}/{report.max_score:g}"
    if report.late_penalty:
        text += f", late: -{report.late_penalty:g}% = {report.final_score:g}"
    problems = len(report.problems)
    return text + (f" ({problems} note{'s' if problems > 1 else ''} in the feedback)" if problems else "")


def run_nbgrader(args: argparse.Namespace) -> int:
    from autograder.notebooks.nbgrader_course import course_for, grade_nbgrader
    from autograder.notebooks.nbgrader_gradebook import open_course

    course_dir, assignment = args.nbgrader
    open_course(course_dir)  # a wrong folder is said first
    course = resolve_course(args.course if args.course is not None else course_for(course_dir))
    run = grade_nbgrader(course_dir, assignment, course, isolation=args.isolation, trusted_code=args.trusted_code)
    for student in sorted(run.reports):
        print(_line(run.reports[student]))
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr)
    n = len(run.reports)
    mean = sum(r.final_score if r.final_score is not None else r.score for r in run.reports.values()) / n
    print(f"{n} submission{'s' if n != 1 else ''} of {assignment} graded (mean {mean:.2f}/{course.max_score:g}); "
          f"scores are in {run.db_url} (nbgrader export, formgrader) and feedback in "
          f"{run.course_dir / 'feedback'} (hand it out with nbgrader release_feedback {assignment}; do not run "
          f"nbgrader generate_feedback, which would replace these pages with its own)")  # fmt: skip
    if args.fail_under is not None:
        below = [r.submission for r in run.reports.values() if r.percent < args.fail_under]
        if below:
            print(f"below --fail-under {args.fail_under:g}%: {', '.join(below)}", file=sys.stderr)
            return 1
    return 0
