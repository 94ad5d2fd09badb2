"""Generate exercises/ from solutions/: each solution region becomes a stub.

With --check, write nothing and exit 1 when exercises/ is out of date.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..build import build_exercises, check_exercises
from ..config import load_course

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument("--check", action="store_true", help="only check that exercises/ is up to date")


def run(args: argparse.Namespace) -> int:
    course = load_course(args.course)
    if args.check:
        stale = check_exercises(course.reference_dir, course.exercises_dir)
        for f in stale:
            print(f"out of date: {f} (run: autograder build)")
        return 1 if stale else 0
    for f in build_exercises(course.reference_dir, course.exercises_dir):
        print(f"wrote {f}")
    return 0
