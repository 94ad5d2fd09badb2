"""Build what a grading platform runs: a Classroom 50 bundle, or a Gradescope autograder zip.

--classroom50 CLASSROOM_DIR writes CLASSROOM_DIR/autograders/ASSIGNMENT/
(autograder.py, the grader's wheel, requirements.txt, and course/ with
course.yaml, the reference solutions and the hidden tests), to commit in the
teacher's classroom50 repository, which publishes it on the organisation's
Pages site. Everything in it is readable by anyone who finds that site:
unchangeable by students, not secret. --gradescope FILE writes the zip to
upload to Gradescope. See docs/ci.md.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from autograder.config import resolve_course
from autograder.errors import AutograderError
from autograder.platforms.classroom50 import make_bundle
from autograder.platforms.gradescope import make_zip

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument(
        "--classroom50",
        type=Path,
        default=None,
        metavar="CLASSROOM_DIR",
        help="write CLASSROOM_DIR/autograders/ASSIGNMENT/ for Classroom 50",
    )
    p.add_argument(
        "--assignment",
        default=None,
        metavar="NAME",
        help="the Classroom 50 assignment's name (default: the course's name in lower case, e.g. neurons)",
    )
    p.add_argument("--gradescope", type=Path, default=None, metavar="FILE", help="write Gradescope's autograder zip")
    p.add_argument("--force", action="store_true", help="replace an existing Classroom 50 bundle of that assignment")


def run(args: argparse.Namespace) -> int:
    if args.classroom50 is None and args.gradescope is None:
        raise AutograderError("say what to build: --classroom50 CLASSROOM_DIR and/or --gradescope FILE")
    course = resolve_course(args.course)
    if args.classroom50 is not None:
        assignment = args.assignment or re.sub(r"[^a-z0-9]+", "-", course.name.lower()).strip("-")
        out = make_bundle(course, args.classroom50, assignment, force=args.force)
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        print(f"wrote {out} ({size / 1e6:.1f} MB): commit it to your classroom50 repository, which publishes it "
              f"on the Pages site (readable by anyone who finds it: hidden tests there are not secret)")  # fmt: skip
    if args.gradescope is not None:
        out = make_zip(course, args.gradescope)
        print(f"wrote {out}: upload it as the Gradescope assignment's autograder (Configure Autograder > Zip file)")
    return 0
