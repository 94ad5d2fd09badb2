"""The report-format options of ``autograder grade``, and writing them.

Kept apart from commands/grade.py so that command stays about grading:
``add_output_arguments`` adds the flags, ``submitted_at`` reads the
submission time (before grading, so a bad one costs no grading run),
``finish_report`` applies the late policy, and ``write_outputs`` writes
every format asked for.

Student-facing formats (HTML, Markdown, JUnit, Classroom 50, Classroom) show what a
student may see now (``View.student``: hidden tests counted only,
``after_due_date`` tests once course.yaml's deadline has passed);
``--show-hidden`` writes the instructor's view instead. The Gradescope
file always carries every test with its visibility, because Gradescope
enforces visibility itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.config import Course
from autograder.late import apply_late_policy, submission_time
from autograder.model import GradeReport

if TYPE_CHECKING:
    from autograder.writers import View

# The writers are imported when a format is asked for: the HTML one pulls in matplotlib (~0.4 s),
# which a plain ``autograder grade DIR`` never needs.

__all__ = ["add_output_arguments", "finish_report", "student_view", "submitted_at", "write_outputs"]


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reports", "other formats (see docs/reports.md)")
    g.add_argument("--html", type=Path, default=None, metavar="FILE", help="self-contained HTML report with plots")
    g.add_argument(
        "--markdown", type=Path, default=None, metavar="FILE", help='Markdown report (e.g. "$GITHUB_STEP_SUMMARY")'
    )
    g.add_argument("--junit", type=Path, default=None, metavar="FILE", help="JUnit XML, one testcase per hidden test")
    g.add_argument("--gradescope", type=Path, default=None, metavar="FILE", help="Gradescope results.json")
    g.add_argument(
        "--classroom50",
        type=Path,
        default=None,
        metavar="FILE",
        help="Classroom 50 result.json (classroom50/result/v1; fields from the runner's environment)",
    )
    g.add_argument("--classroom", action="store_true",
                   help="legacy, GitHub Classroom (retired 2026-08-28, nothing reads it): print 'Points X/Y' "
                   "and append result=<base64> to $GITHUB_OUTPUT")  # fmt: skip
    g.add_argument("--submitted-at", default=None, metavar="TIME",
                   help="submission time for the late policy (ISO 8601); default: the folder's nbgrader "
                        "timestamp.txt or its last git commit")  # fmt: skip
    g.add_argument(
        "--show-hidden",
        action="store_true",
        help="instructor's view: show hidden tests' names and messages in HTML/Markdown/JUnit/Classroom (50)",
    )
    g.add_argument(
        "--published", action="store_true", help="grades are published: show tests whose visibility is after_published"
    )


def student_view(course: Course, args: argparse.Namespace, now: dt.datetime | None = None) -> View:
    from autograder.writers import View

    if getattr(args, "show_hidden", False):
        return View.everything()
    return View.student(now=now, deadline=course.deadline, published=getattr(args, "published", False))


def submitted_at(course: Course, folder: Path | None, args: argparse.Namespace) -> dt.datetime | None:
    """The submission time (``--submitted-at``, timestamp.txt, git), read before grading so a bad one costs nothing."""
    return submission_time(folder, getattr(args, "submitted_at", None), course_root=course.root)[0]


def finish_report(report: GradeReport, course: Course, submitted: dt.datetime | None) -> GradeReport:
    """The report with the late policy applied, when a submission time is known."""
    return apply_late_policy(report, course, submitted)


def write_outputs(report: GradeReport, course: Course, args: argparse.Namespace) -> None:
    """Write every format the command line asked for."""
    view = student_view(course, args)
    if getattr(args, "json", None):
        from autograder.writers.canonical import write_report

        write_report(report, args.json)
    if getattr(args, "html", None):
        from autograder.writers.html import write_html

        write_html(report, args.html, view)
    if getattr(args, "markdown", None):
        from autograder.writers.markdown import write_markdown

        write_markdown(report, args.markdown, view)
    if getattr(args, "junit", None):
        from autograder.writers.junit import write_junit

        write_junit(report, args.junit, view)
    if getattr(args, "gradescope", None):
        from autograder.writers.gradescope import write_gradescope

        write_gradescope(report, args.gradescope)
    if getattr(args, "classroom50", None):
        from autograder.writers.classroom50 import classroom50_result, write_classroom50

        write_classroom50(classroom50_result(report, view), args.classroom50)
    if getattr(args, "classroom", False):
        from autograder.writers.classroom import emit_classroom

        emit_classroom(report, view)
