"""An autograder for the "Neurons" unit: student code runs sandboxed, only plain data crosses.

The public surface is small::

    from autograder import grade, load_course
    report = grade("submissions/alice", course="course.yaml")
    print(report.score, report.max_score)

In a notebook, students run their public tests with ``from autograder import check; check()``.

Course authors write hidden tests with ``autograder.testing`` (assertions whose messages show
received vs expected, with a hint) and ``autograder.strategies`` (hypothesis building blocks);
docs/authoring.md describes that API. Everything else is internal; see docs/architecture.md.

Nothing is imported until it is used: ``import autograder`` costs nothing, and a student's
``autograder check`` never loads the grader's pytest plugin, hypothesis profile or sandbox.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that holds it
_HOMES = {
    "grade": "autograder.grading.grade",
    "grade_many": "autograder.grading.grade",
    "load_course": "autograder.config",
    "Course": "autograder.config",
    "GradeReport": "autograder.model",
    "ExerciseResult": "autograder.model",
    "TestResult": "autograder.model",
    "AutograderError": "autograder.errors",
    "ConfigError": "autograder.errors",
    "IsolationError": "autograder.errors",
    "SubmissionError": "autograder.errors",
    "SuiteError": "autograder.errors",
    "check": "autograder.checking.check",
}

__all__ = [
    "__version__",
    "grade",
    "grade_many",
    "load_course",
    "Course",
    "GradeReport",
    "ExerciseResult",
    "TestResult",
    "AutograderError",
    "ConfigError",
    "IsolationError",
    "SubmissionError",
    "SuiteError",
    "check",
]

if TYPE_CHECKING:
    from autograder.checking.check import check
    from autograder.config import Course, load_course
    from autograder.errors import AutograderError, ConfigError, IsolationError, SubmissionError, SuiteError
    from autograder.grading.grade import grade, grade_many
    from autograder.model import ExerciseResult, GradeReport, TestResult


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562) and keep it."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
