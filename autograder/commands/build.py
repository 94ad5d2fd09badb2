"""Generate exercises/ from solutions/: each solution region becomes a stub, each lesson a notebook.

With --check, write nothing and exit 1 when exercises/ is out of date. With
--nbgrader-source COURSE_DIR, also write nbgrader's source notebooks
(COURSE_DIR/source/<assignment>/<lesson>.ipynb, with the solutions).

It also grades the reference once and writes the calibration artefact
(hypothesis's recorded inputs, ``.autograder-cache/``) that every later
grading process replays; --no-calibration skips that.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder.authoring.build import build_exercises, check_exercises
from autograder.config import load_course
from autograder.notebooks.build import DEFAULT_ASSIGNMENT, build_nbgrader_source, build_notebooks, check_notebooks

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument("--check", action="store_true", help="only check that exercises/ is up to date")
    p.add_argument(
        "--nbgrader-source",
        type=Path,
        default=None,
        metavar="COURSE_DIR",
        help="also write nbgrader's source/<assignment>/ notebooks into this nbgrader course folder",
    )
    p.add_argument(
        "--assignment", default=DEFAULT_ASSIGNMENT, help=f"the nbgrader assignment name (default: {DEFAULT_ASSIGNMENT})"
    )
    p.add_argument(
        "--no-calibration",
        action="store_true",
        help="do not write the calibration artefact (grading then makes it on first use)",
    )


def run(args: argparse.Namespace) -> int:
    course = load_course(args.course)
    if args.check:
        stale = check_exercises(course.reference_dir, course.exercises_dir) + check_notebooks(course)
        for f in stale:
            print(f"out of date: {f} (run: autograder build)")
        return 1 if stale else 0
    for path in build_exercises(course.reference_dir, course.exercises_dir):
        print(f"wrote {path}")
    for path in build_notebooks(course):
        print(f"wrote {path}")
    if args.nbgrader_source is not None:
        for path in build_nbgrader_source(course, args.nbgrader_source, args.assignment):
            print(f"wrote {path}")
        print(f"next: cd {args.nbgrader_source} && nbgrader generate_assignment {args.assignment}")
    if not args.no_calibration:
        from autograder.grading.calibration import write_artefact

        print(f"wrote {write_artefact(course)}")
    return 0
