"""The grade: a small typed model every output format reads.

``GradeReport`` → ``ExerciseResult`` → ``TestResult``, frozen dataclasses
with ``Literal`` outcomes. The model knows nothing about formats; each
writer in ``autograder.writers`` turns it into one. ``to_dict`` /
``from_dict`` give the canonical JSON report (documented by
``docs/schema/report.schema.json``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

__all__ = ["Status", "STATUSES", "TestResult", "ExerciseResult", "GradeReport", "SCHEMA_VERSION", "ISOLATION_WARNINGS"]

SCHEMA_VERSION = 1
Status = Literal["passed", "failed", "error", "timeout", "crashed"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error", "timeout", "crashed")

# What a report graded below the namespace sandbox must say, in every format (``GradeReport.warnings``).
ISOLATION_WARNINGS = {
    "process": (
        "Graded WITHOUT a sandbox (isolation: process, chosen with --trusted-code): the code ran as the grader's "
        "own user and could have read the hidden tests and solutions, changed this report or reached the network. "
        "This score is only as trustworthy as the code."
    ),
    "user": (
        "Graded without the namespace sandbox (isolation: user): the code ran as an unprivileged user, but could "
        "read every world-readable file (the hidden tests and solutions, if they are) and reach the network."
    ),
}


@dataclass(frozen=True)
class TestResult:
    name: str
    exercise: str
    status: Status
    score: float
    max_score: float
    message: str = ""  # what went wrong, on the smallest input found; empty when passed
    hint: str = ""  # one line: what to try
    visibility: str = "visible"
    duration: float = 0.0
    description: str = ""  # what the test checks, from its docstring

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    title: str
    score: float
    max_score: float
    tests: tuple[TestResult, ...]


@dataclass(frozen=True)
class GradeReport:
    submission: str
    score: float
    max_score: float
    exercises: tuple[ExerciseResult, ...]
    isolation: str
    grader_version: str
    suite_hash: str
    course: str = ""
    schema_version: int = SCHEMA_VERSION
    started_at: str = ""  # ISO 8601, UTC
    duration: float = 0.0
    output: str = ""  # what the student's code printed, truncated
    submitted_at: str | None = None
    late_penalty: float = 0.0  # percent taken off for lateness
    final_score: float | None = None  # score after the late penalty
    problems: tuple[str, ...] = ()  # submission-level notes (unreadable notebook cells, magics removed, ...)
    artifacts: dict[str, Any] = field(default_factory=dict)  # plain data gathered for plots
    sandbox: str = ""  # the bubblewrap that built the namespace sandbox, e.g. "bubblewrap 0.11.0 (bundled)"

    @property
    def warnings(self) -> tuple[str, ...]:
        """What every format must tell the reader about how this report was graded (below namespace)."""
        warning = ISOLATION_WARNINGS.get(self.isolation)
        return (warning,) if warning else ()

    @property
    def tests(self) -> tuple[TestResult, ...]:
        return tuple(t for e in self.exercises for t in e.tests)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def exercise(self, exercise_id: str) -> ExerciseResult:
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        raise KeyError(exercise_id)

    def with_late_penalty(self, submitted_at: str | None, penalty: float) -> GradeReport:
        final = round(self.score * (1 - penalty / 100.0), 6)
        return replace(self, submitted_at=submitted_at, late_penalty=penalty, final_score=final)

    # -- canonical JSON ----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["final_score"] = self.score if self.final_score is None else self.final_score
        d["problems"] = list(self.problems)
        d["warnings"] = list(self.warnings)
        for e in d["exercises"]:
            e["tests"] = list(e["tests"])
        d["exercises"] = list(d["exercises"])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GradeReport:
        exercises = tuple(
            ExerciseResult(
                id=e["id"],
                title=e.get("title", e["id"]),
                score=e["score"],
                max_score=e["max_score"],
                tests=tuple(TestResult(**t) for t in e["tests"]),
            )
            for e in d["exercises"]
        )
        fields = {k: v for k, v in d.items() if k in cls.__dataclass_fields__ and k != "exercises"}
        fields["problems"] = tuple(fields.get("problems", ()))
        return cls(exercises=exercises, **fields)

    def without_timing(self) -> dict[str, Any]:
        """The report with timestamps and durations blanked: what must be identical across runs."""
        d = self.to_dict()
        d["started_at"] = ""
        d["duration"] = 0.0
        for e in d["exercises"]:
            for t in e["tests"]:
                t["duration"] = 0.0
        return d
