"""Who may see which test, and when: the one place visibility is decided.

Every student-facing writer asks this module, so a hidden test cannot leak
through one format while being withheld by another. The values are
Gradescope's, set per test in course.yaml:

``visible``
    always shown.
``hidden``
    never shown to students: it counts towards the score and appears only as
    a count ("2 hidden tests: 3/4 points"), never with its name or message.
``after_due_date``
    shown once the deadline has passed; until then treated like ``hidden``.
``after_published``
    shown once the instructor publishes grades; until then like ``hidden``.

Unknown values fail closed (treated as ``hidden``). Instructors read
everything (``View.everything()``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from autograder.model import TestResult

__all__ = ["View", "Withheld", "split"]


@dataclass(frozen=True)
class View:
    """What one reader may see: everything (an instructor), or a student's view at some moment."""

    instructor: bool = False
    after_due: bool = False
    published: bool = False

    @classmethod
    def student(
        cls,
        *,
        now: dt.datetime | None = None,
        deadline: dt.datetime | None = None,
        published: bool = False,
    ) -> View:
        """A student's view at ``now`` (default: the current time). Without a deadline nothing is "after due"."""
        now = now or dt.datetime.now(dt.timezone.utc)
        after_due = deadline is not None and now >= deadline
        return cls(instructor=False, after_due=after_due, published=published)

    @classmethod
    def everything(cls) -> View:
        """The instructor's view: every test with its message."""
        return cls(instructor=True, after_due=True, published=True)

    def shows(self, visibility: str) -> bool:
        if self.instructor or visibility == "visible":
            return True
        if visibility == "after_due_date":
            return self.after_due
        if visibility == "after_published":
            return self.published
        return False  # "hidden" and anything unknown


@dataclass(frozen=True)
class Withheld:
    """Tests a reader may not see, reduced to counts and points."""

    count: int = 0
    passed: int = 0
    score: float = 0.0
    max_score: float = 0.0
    later: int = 0  # of these, how many will be shown after the deadline or publication

    def __bool__(self) -> bool:
        return self.count > 0

    def describe(self) -> str:
        """One line, e.g. "2 hidden tests: 3/4 points (1 will be shown after the deadline)"."""
        if not self.count:
            return ""
        s = "" if self.count == 1 else "s"
        text = f"{self.count} hidden test{s}: {_num(self.score)}/{_num(self.max_score)} points"
        if self.later:
            text += f" ({self.later} will be shown after the deadline or when grades are published)"
        return text


def split(tests: Iterable[TestResult], view: View) -> tuple[tuple[TestResult, ...], Withheld]:
    """The tests ``view`` may see, in order, and a summary of the rest."""
    shown: list[TestResult] = []
    count = passed = later = 0
    score = max_score = 0.0
    for t in tests:
        if view.shows(t.visibility):
            shown.append(t)
            continue
        count += 1
        passed += t.passed
        score += t.score
        max_score += t.max_score
        later += t.visibility in ("after_due_date", "after_published")
    return tuple(shown), Withheld(count, passed, round(score, 6), round(max_score, 6), later)


def _num(x: float) -> str:
    return f"{round(x, 2):g}"
