"""Summarise a class: a gradebook CSV and a class summary (Markdown and HTML) from per-student reports.

RESULTS_DIR holds one canonical JSON report per student (<student>.json, as
written by `autograder grade --json`); the file name is the student's
identifier in the gradebook. Column names come from course.yaml's
`gradebook:` section. A report that cannot be read is named on stderr and
in the summary, and every other student is still written; the exit status
is then 1 so a script notices. With --feedback DIR each student's own
report (HTML and Markdown, hidden tests withheld, after_due_date tests
shown once the deadline has passed) is written for handing back. See
docs/reports.md for the Canvas and Moodle import recipes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.classes.classreport import canvas_rows, gradebook_rows, load_results, write_csv
from autograder.config import resolve_course
from autograder.writers import View
from autograder.writers.classsummary import write_summary_html, write_summary_markdown
from autograder.writers.html import write_html
from autograder.writers.markdown import write_markdown

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "results", type=Path, metavar="RESULTS_DIR", help="folder with one <student>.json report per student"
    )
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write gradebook.csv, summary.md and summary.html (default: RESULTS_DIR)",
    )
    p.add_argument("--gradebook", type=Path, default=None, metavar="FILE", help="gradebook CSV path")
    p.add_argument("--markdown", type=Path, default=None, metavar="FILE", help="class summary Markdown path")
    p.add_argument("--html", type=Path, default=None, metavar="FILE", help="class summary HTML path")
    p.add_argument(
        "--canvas",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write a CSV laid out for Canvas's gradebook import (final score only)",
    )
    p.add_argument(
        "--feedback",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write each student's HTML and Markdown report (their view, as of now) into DIR",
    )
    p.add_argument(
        "--published",
        action="store_true",
        help="with --feedback: grades are published, show tests whose visibility is after_published",
    )


def run(args: argparse.Namespace) -> int:
    course = resolve_course(args.course)
    results = load_results(args.results, course)
    out = args.out or args.results
    written = [
        write_csv(gradebook_rows(results, course.gradebook), args.gradebook or out / "gradebook.csv"),
        write_summary_markdown(results, args.markdown or out / "summary.md"),
        write_summary_html(results, args.html or out / "summary.html"),
    ]
    if args.canvas:
        written.append(write_csv(canvas_rows(results, course.gradebook), args.canvas))
    if args.feedback:
        view = View.student(deadline=course.deadline, published=args.published)
        for s in results.students:
            write_html(s.report, args.feedback / f"{s.student}.html", view)
            write_markdown(s.report, args.feedback / f"{s.student}.md", view)
        written.append(args.feedback)
    stats = results.summary()
    mean = f", mean {stats['mean']:.1f}%" if stats["students"] else ""
    print(f"{stats['students']} students{mean}; wrote " + ", ".join(str(w) for w in written))
    for problem in results.problems:
        print(f"autograder report: warning: {problem}", file=sys.stderr)
    return 1 if results.unreadable else 0
