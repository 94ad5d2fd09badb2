"""What ``autograder check`` found: one ``PublicTest`` per public test, grouped by lesson.

Plain frozen dataclasses, like ``autograder.model`` for grades; the formats
(text, Markdown, HTML, Classroom's runner result) live in
``autograder.checking.format``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CheckReport", "CheckStatus", "LessonCheck", "PublicTest"]

CheckStatus = Literal["passed", "failed", "todo", "missing", "error", "timeout"]


@dataclass(frozen=True)
class PublicTest:
    """One public test's outcome, in words a student can act on."""

    lesson: str
    name: str
    status: CheckStatus
    message: str = ""
    hint: str = ""
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class LessonCheck:
    id: str
    title: str
    tests: tuple[PublicTest, ...]
    problem: str = ""  # a lesson-level problem (the module does not import); also in every test's message

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def first_failure(self) -> PublicTest | None:
        return next((t for t in self.tests if not t.passed), None)


@dataclass(frozen=True)
class CheckReport:
    course: str
    work_dir: str
    lessons: tuple[LessonCheck, ...]
    duration: float = 0.0
    source: str = "files"  # "files" or "notebook" (names injected from __main__)
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> int:
        return sum(lesson.passed for lesson in self.lessons)

    @property
    def total(self) -> int:
        return sum(lesson.total for lesson in self.lessons)

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def points_line(self) -> str:
        return f"Points {self.passed}/{self.total}"

    def __repr__(self) -> str:  # short: check() has already displayed the table
        return f"<autograder check: {self.passed}/{self.total} public tests passed>"
