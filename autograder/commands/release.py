"""Build the student starter repository into OUT: stubs, notebooks, public tests, data, README, CI.

Nothing secret goes in: no solutions, no hidden tests, no hidden test names.
The release is scanned for them before it is written, and refused if any is
found. OUT must be empty (a .git folder is fine) unless --force, which
replaces everything in it except .git.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder.authoring.release import STUDENT_WORKFLOWS, default_pip_spec, release, student_commands
from autograder.config import load_course

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT", help="the folder to write the student repository into")
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument("--force", action="store_true", help="replace what OUT holds (its .git folder is kept)")
    p.add_argument("--pip", default=None, metavar="SPEC",
                   help=f"what requirements.txt and the student workflow pip-install (default: {default_pip_spec()}, "
                   "a wheel of this autograder that the release writes into the repository); "
                   "an org/repo variable AUTOGRADER_PIP overrides it in the workflow at run time")  # fmt: skip
    p.add_argument("--ci", default=",".join(STUDENT_WORKFLOWS), metavar="LIST",
                   help="student workflows to include: github, gitlab or both (default: github,gitlab)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    course = load_course(args.course)
    ci = tuple(c.strip() for c in args.ci.split(",") if c.strip())
    files = release(course, args.out, force=args.force, pip_spec=args.pip, ci=ci)
    print(f"wrote {len(files)} files to {args.out}:")
    for f in files:
        print(f"  {f}")
    print("checked: no solution text, hidden test or hidden test name in any of them")
    print(
        f"next: cd {args.out} && git init && git add . && git commit -m 'Starter code' (then push it as the template repository)"
    )
    print("a student, in their clone of it, runs:")
    for command in student_commands():
        print(f"  {command}")
    return 0
