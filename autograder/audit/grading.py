"""Grading many audit submissions fast, and exactly as students are graded.

Three things make an audit affordable without changing what a grade means:

- **Scope.** A mutant of ``gates.py`` is graded with the gates exercise's
  hidden tests only (a scoped course whose tests folder holds just that
  exercise's test file): mistakes in an exercise must be caught by that
  exercise's tests, and the other exercises would only burn time.
- **Replay.** Each group first grades the reference (the *control*) while
  recording hypothesis's inputs; every mutant then replays them
  (``autograder.grading.replay``, the same mechanism batch grading uses). A replayed
  test passes only when hypothesis would have passed it too.
- **Stop at the first failure.** A mutant is killed by its first failing
  test; its remaining tests are skipped (``StopAtFirstFailure``).

The control also proves the audit's tighter time limits are fair: if the
reference does not get full marks under them, kills in that group mean
nothing, and the audit says so.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder.config import Course
from autograder.grading.book import ExampleBook
from autograder.grading.grade import grade_many
from autograder.grading.reference import ReferenceModules
from autograder.grading.replay import ReplayPlugin
from autograder.model import GradeReport
from autograder.submission import Submission, load_submission

__all__ = [
    "GroupResult",
    "StopAtFirstFailure",
    "exercises_seeing",
    "grade_group",
    "reference_submission",
    "scoped_course",
    "with_limits",
]  # fmt: skip

CONTROL = "(reference solutions)"


class StopAtFirstFailure:
    """A pytest plugin: once one test of a submission failed, skip that submission's other tests.

    Remembers which test failed first, which is the test that killed a mutant.
    """

    def __init__(self) -> None:
        self.first_failure: dict[str, str] = {}

    @staticmethod
    def _label(item: pytest.Item) -> str | None:
        callspec = getattr(item, "callspec", None)
        return callspec.params.get("student") if callspec else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self._label(item) in self.first_failure:
            pytest.skip("autograder audit: an earlier test already failed this submission")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome: Any = yield
        report = outcome.get_result()
        label = self._label(item)
        if label is not None and report.failed and label not in self.first_failure:
            self.first_failure[label] = getattr(item, "originalname", item.name)


@dataclass
class GroupResult:
    """The control's report, each submission's report, and the first failing test of each."""

    control: GradeReport
    reports: dict[str, GradeReport] = field(default_factory=dict)
    first_failure: dict[str, str] = field(default_factory=dict)


def with_limits(course: Course, call_timeout: float | None, test_timeout: float | None) -> Course:
    """The course with tighter per-call / per-test wall-clock limits (never looser than course.yaml's)."""
    limits = course.limits
    if call_timeout is None and test_timeout is None:
        return course
    tighter = dataclasses.replace(
        limits,
        call_timeout=limits.call_timeout if call_timeout is None else min(call_timeout, limits.call_timeout),
        test_timeout=limits.test_timeout if test_timeout is None else min(test_timeout, limits.test_timeout),
    )
    return dataclasses.replace(course, limits=tighter)


def reference_submission(course: Course, label: str = CONTROL) -> Submission:
    """The reference solutions as a submission (markers are comments, so they may stay)."""
    return load_submission(course.reference_dir, label=label)


class scoped_course:
    """``with scoped_course(course, "gates") as c:`` a course whose hidden tests are only that exercise's.

    ``exercises`` is one exercise id or several. The tests folder is copied to a temporary folder
    without the other exercises' test files (test modules are copied, not linked: the grader
    recognises hidden tests by their real path). ``None`` gives the course unchanged.
    """

    def __init__(self, course: Course, exercises: str | Iterable[str] | None) -> None:
        self.course = course
        self.exercises = None if exercises is None else (exercises,) if isinstance(exercises, str) else tuple(exercises)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Course:
        if self.exercises is None:
            return self.course
        self._tmp = tempfile.TemporaryDirectory(prefix=f"audit-{'-'.join(self.exercises)[:40]}-")
        target = Path(self._tmp.name) / self.course.tests_dir.name
        _copy_tests(self.course.tests_dir, target, keep={f"test_{e}.py" for e in self.exercises})
        kept = tuple(e for e in self.course.exercises if e.id in self.exercises)
        return dataclasses.replace(self.course, tests_dir=target, exercises=kept)

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _copy_tests(source: Path, target: Path, keep: set[str]) -> None:
    """Copy the tests folder with only the ``keep`` test modules (helpers and data stay)."""
    target.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        if entry.name == "__pycache__" or (entry.name.startswith("test_") and entry.name not in keep):
            continue
        if entry.is_dir():
            _copy_tests(entry, target / entry.name, keep=keep)
        elif entry.suffix == ".py":
            shutil.copy2(entry, target / entry.name)
        else:
            (target / entry.name).symlink_to(entry.resolve())  # data files: no need to copy


_STUDENT_ATTRIBUTE = re.compile(r"\bstudent\s*\.\s*([A-Za-z_]\w*)")
_STUDENT_ANY = re.compile(r"\bstudent\b")


def exercises_seeing(course: Course, module: str) -> tuple[str, ...] | None:
    """The exercises whose hidden tests can observe a change to the student's ``module``; None: all of them.

    Read statically and conservatively: an exercise sees ``module`` when it is that module's
    exercise, when its test file calls ``student.<module>``, or when its reference solution imports
    ``module`` (a student's copy could too). Any use of ``student`` that is not ``student.<name>``
    (``getattr(student, ...)``, ``student`` handed to a helper module of the tests folder) gives
    None: every exercise, to be safe.
    """
    seeing = []
    for path in sorted(course.tests_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        is_test = path.parent == course.tests_dir and path.name.startswith("test_")
        if not is_test:
            if path.name != "conftest.py" and _STUDENT_ANY.search(text):
                return None  # a helper that touches the student: cannot tell which exercises use it
            continue
        names = set(_STUDENT_ATTRIBUTE.findall(text))
        if _dynamic_use(text):
            return None
        exercise = path.stem[len("test_") :]
        if exercise == module or module in names:
            seeing.append(exercise)
    for ex in course.exercises:
        ref = course.reference_dir / f"{ex.id}.py"
        if ex.id not in seeing and ref.is_file() and re.search(rf"^\s*(from|import)\s+{re.escape(module)}\b",
                                                                 ref.read_text(encoding="utf-8"), re.MULTILINE):  # fmt: skip
            seeing.append(ex.id)
    known = {e.id for e in course.exercises}
    return tuple(e for e in seeing if e in known)


def _dynamic_use(text: str) -> bool:
    """True when ``student`` is used other than as ``student.<name>``, a parameter or an argument passed along.

    ``def test_x(student, ...)`` and ``helper(student, ...)`` inside the same file are fine (the
    helper's own ``student.<name>`` calls are in the file too); ``getattr(student`` and
    ``student[`` are not.
    """
    return bool(re.search(r"(getattr|vars|dir)\(\s*student\s*[,)]|\bstudent\s*\[", text))


def grade_group(
    course: Course,
    submissions: list[Submission],
    *,
    control: Submission | None = None,
    seed: int | None = None,
    stop_at_first_failure: bool = False,
    replay: bool = True,
    isolation: str | None = None,
    on_report: Callable[[GradeReport], None] | None = None,
) -> GroupResult:
    """Grade the control (the reference), then ``submissions``, sharing the reference's memo and inputs.

    Replay is only used derandomized (a seeded run explores; there is nothing to replay).
    """
    control = control or reference_submission(course)
    reference = ReferenceModules(course.reference_dir)
    use_replay = replay and seed is None and bool(submissions)
    book = ExampleBook(course.suite_hash()) if use_replay else None
    plugins: list[object] = [ReplayPlugin(book, recording=True)] if book is not None else []
    first = grade_many([control], course, isolation=isolation, seed=seed, reference=reference, plugins=plugins)
    result = GroupResult(control=first[control.label])
    if not submissions:
        return result
    stopper = StopAtFirstFailure()
    plugins = [ReplayPlugin(book, recording=False)] if book is not None else []
    if stop_at_first_failure:
        plugins.append(stopper)
    result.reports = grade_many(
        submissions, course, isolation=isolation, seed=seed, reference=reference, plugins=plugins, on_report=on_report
    )
    result.first_failure = dict(stopper.first_failure)
    return result
