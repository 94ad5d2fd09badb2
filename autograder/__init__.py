"""An autograder for the "Neurons" unit: student code runs sandboxed, only plain data crosses.

The public surface is small::

    from autograder import grade, load_course
    report = grade("submissions/alice", course="course.yaml")
    print(report.score, report.max_score)

Everything else lives in private-by-convention modules; see docs/architecture.md.
"""

__version__ = "0.1.0"

from .config import Course, load_course  # noqa: E402
from .errors import AutograderError, ConfigError, IsolationError, SubmissionError, SuiteError  # noqa: E402
from .grade import grade, grade_many  # noqa: E402
from .model import ExerciseResult, GradeReport, TestResult  # noqa: E402

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


def __getattr__(name: str):
    """``check`` is loaded on first use: ``from autograder import check; check()`` in a notebook."""
    if name == "check":
        from .check import check

        globals()["check"] = check
        return check
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
