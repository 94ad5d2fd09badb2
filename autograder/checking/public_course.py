"""The public face of a course: what a student's repository may know about it.

The instructor's course.yaml names the reference solutions, the hidden tests
and the points of each hidden test. None of that may reach a student, yet
``autograder check`` in a student's repository still wants the course name,
the lesson titles, the points per lesson and the deadline. So a release
writes a *public* course.yaml (``public_course_yaml``) and ``autograder
check`` reads either kind (``read_public_course``): the instructor's file
through ``load_course`` (fully validated), the public one with the small
validation below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from autograder.config import COURSE_FILE, Course, load_course
from autograder.errors import ConfigError

__all__ = ["PublicCourse", "PublicExercise", "find_course_file", "public_course_yaml", "read_public_course"]

_PUBLIC_KEYS = ("schema_version", "course", "unit", "exercises_dir", "deadline", "late", "exercises")


@dataclass(frozen=True)
class PublicExercise:
    id: str
    title: str
    points: float


@dataclass(frozen=True)
class PublicCourse:
    path: Path | None  # the course.yaml it came from (None: no course.yaml, defaults used)
    name: str
    unit: str
    exercises_dir: Path  # where the lesson modules are; public tests are in its tests/ folder
    exercises: tuple[PublicExercise, ...]
    deadline: str = ""
    late: tuple[tuple[str, float], ...] = ()

    def title(self, lesson: str) -> str:
        return next((e.title for e in self.exercises if e.id == lesson), lesson)

    @property
    def tests_dir(self) -> Path:
        return self.exercises_dir / "tests"


def find_course_file(start: Path) -> Path | None:
    """The nearest course.yaml in ``start`` or a folder above it, or None."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder / COURSE_FILE
    return None


def read_public_course(path: Path) -> PublicCourse:
    """Read an instructor's or a public course.yaml. Raises ``ConfigError`` naming the file and the fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot be read as YAML ({exc}); fix the file or restore it from git") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping of keys to values (course:, exercises:, ...)")
    if "reference" in data:  # the instructor's file: validate it properly
        return from_course(load_course(path))
    unknown = sorted(set(data) - set(_PUBLIC_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)}; a public course.yaml has {', '.join(_PUBLIC_KEYS)}"
        )
    exercises_raw = data.get("exercises") or {}
    if not isinstance(exercises_raw, dict):
        raise ConfigError(f"{path}: exercises: must map each lesson id to its title and points")
    exercises = []
    for ex_id, spec in exercises_raw.items():
        spec = spec if isinstance(spec, dict) else {}
        points = spec.get("points", 0)
        if isinstance(points, bool) or not isinstance(points, (int, float)):
            raise ConfigError(f"{path}: exercises.{ex_id}.points: must be a number, got {points!r}")
        exercises.append(PublicExercise(str(ex_id), str(spec.get("title") or ex_id), float(points)))
    exercises_dir = (path.parent / str(data.get("exercises_dir", "."))).resolve()
    late = data.get("late") or {}
    return PublicCourse(
        path=path,
        name=str(data.get("course", "")),
        unit=str(data.get("unit", "")),
        exercises_dir=exercises_dir,
        exercises=tuple(exercises),
        deadline=_when(data.get("deadline")),
        late=tuple((str(k), float(v)) for k, v in late.items()) if isinstance(late, dict) else (),
    )


def from_course(course: Course) -> PublicCourse:
    """The public part of an instructor's ``Course``."""
    late = course.late
    return PublicCourse(
        path=course.path,
        name=course.name,
        unit=course.unit,
        exercises_dir=course.exercises_dir,
        exercises=tuple(PublicExercise(e.id, e.title, e.max_score) for e in course.exercises),
        deadline=course.deadline.isoformat() if course.deadline else "",
        late=(
            ("grace_minutes", late.grace_minutes),
            ("penalty_per_day", late.penalty_per_day),
            ("max_penalty", late.max_penalty),
        ),
    )


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def public_course_yaml(course: Course, exercises: list[str] | None = None) -> str:
    """The course.yaml of a student repository: no reference, no hidden tests, no test names.

    ``exercises``: the lesson ids to list (default: all of course.yaml's).
    The modules sit at the top of the student repository (``exercises_dir: .``).
    """
    wanted = set(exercises) if exercises is not None else None
    data: dict[str, Any] = {"schema_version": 1, "course": course.name}
    if course.unit:
        data["unit"] = course.unit
    data["exercises_dir"] = "."
    if course.deadline:
        data["deadline"] = course.deadline.isoformat()
    late = course.late
    if late.penalty_per_day or late.grace_minutes:
        data["late"] = {
            "grace_minutes": _num(late.grace_minutes),
            "penalty_per_day": _num(late.penalty_per_day),
            "max_penalty": _num(late.max_penalty),
        }
    data["exercises"] = {
        e.id: {"title": e.title, "points": _num(e.max_score)}
        for e in course.exercises
        if wanted is None or e.id in wanted
    }
    header = (
        f"# {course.name}: the lessons, their points and the deadline.\n"
        "# Your grade comes from hidden tests your instructor runs; `autograder check` runs the public ones.\n"
        "# Editing this file changes nothing about your grade.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
