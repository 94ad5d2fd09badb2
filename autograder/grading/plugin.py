"""The pytest plugin that turns hidden tests into grades.

It gives hidden tests three fixtures:

``student``
    The sandboxed submission (``StudentSession``): ``student.neuron.dense(X,
    W, b)`` runs in the worker and returns plain data. The grading process
    never imports student code.
``reference``
    The solution modules, imported normally, answers memoised per input.
``record``
    ``record("key", data)`` keeps plain data for the HTML report's plots.

One pytest session can grade many submissions: ``student`` is parametrized
over them and the tests are ordered so each submission's tests run
together, with one worker at a time. Outcomes come from the exception a
test ends with, never from pytest's text output (``autograder.grading.outcomes``),
and are collected into ``TestResult`` objects; a callback receives each
submission's ``GradeReport`` as soon as its last test has run. Hypothesis
runs under the deterministic grading profile (``autograder.grading._hypothesis``).

Run with plain ``pytest tests/grading``, the plugin grades the reference
solutions (or ``--submission PATH``) through the same sandbox.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder import __version__
from autograder.config import Course, load_course
from autograder.grading import outcomes
from autograder.grading._hypothesis import (
    PROFILE,
    is_hypothesis_test,
    load_profile,
    no_local_constants,
    set_max_examples,
    unset_seed,
)
from autograder.grading.datacache import DataCache
from autograder.grading.headstart import resume_collector
from autograder.grading.reference import ReferenceModules
from autograder.model import ExerciseResult, GradeReport, TestResult
from autograder.sandbox import StudentSession, sandbox_description
from autograder.submission import Submission

__all__ = ["GradingRun", "PROFILE", "RUN_KEY", "RunInstaller"]

# The session's run lives in the config's stash (as pytest's own junitxml keeps its state): a grading
# session puts it there before configure (``install``); plain ``pytest tests/grading`` makes one.
RUN_KEY = pytest.StashKey["GradingRun"]()
_CONSTANTS_KEY = pytest.StashKey[Callable[[], None]]()  # undoes no_local_constants at the end of the session


@dataclass(eq=False)
class GradingRun:
    """What one pytest session grades, and where its reports go."""

    course: Course
    submissions: list[Submission]
    level: str = "process"
    on_report: Callable[[GradeReport], None] | None = None
    seed: int | None = None  # audit only: explore with this hypothesis seed instead of the derandomized profile
    reference: ReferenceModules | None = None  # a batch job passes one in to keep its memo across sessions
    reports: dict[str, GradeReport] = field(default_factory=dict)
    suite_errors: list[str] = field(default_factory=list)
    interrupted: bool = False  # the session ended on Ctrl-C
    _results: dict[str, dict[tuple[str, str], TestResult]] = field(default_factory=dict)
    _remaining: dict[str, int] = field(default_factory=dict)
    _started: dict[str, tuple[str, float]] = field(default_factory=dict)
    _sessions: dict[str, StudentSession] = field(default_factory=dict)
    _artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _module_problems: dict[str, list[str]] = field(default_factory=dict)
    _suite_hash: str = ""

    def __post_init__(self) -> None:
        self._by_label = {s.label: s for s in self.submissions}
        self._suite_hash = self.course.suite_hash()
        if self.reference is None:
            self.reference = ReferenceModules(self.course.reference_dir)

    # -- sessions ----------------------------------------------------------
    def session(self, label: str) -> StudentSession:
        if label not in self._sessions:
            for other in list(self._sessions):  # one live worker at a time
                self._close(other)
            sub = self._by_label[label]
            self._sessions[label] = StudentSession(
                sub.files,
                level=self.level,  # type: ignore[arg-type]  # a level resolved by Course.isolation_level
                limits=self.course.limits,
                extra=sub.extra,
            )
        return self._sessions[label]

    def _close(self, label: str) -> str:
        session = self._sessions.pop(label, None)
        if session is None:
            return ""
        output = session.output
        self._module_problems[label] = session.module_problems()
        session.close()
        return output

    # -- results -----------------------------------------------------------
    def start(self, label: str) -> None:
        if label not in self._started:
            now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self._started[label] = (now, time.monotonic())

    def add(self, label: str, result: TestResult) -> None:
        self._results.setdefault(label, {})[(result.exercise, result.name)] = result
        self._remaining[label] -= 1
        if self._remaining[label] == 0:
            self.finish(label)

    def artifacts(self, label: str) -> dict[str, Any]:
        return self._artifacts.setdefault(label, {})

    def finish(self, label: str) -> None:
        if label in self.reports:
            return
        output = self._close(label)
        started_at, t0 = self._started.get(label, ("", time.monotonic()))
        results = self._results.get(label, {})
        exercises = []
        for ex in self.course.exercises:
            tests = tuple(results.get((ex.id, t.name)) or outcomes.not_run(t) for t in ex.tests)
            exercises.append(
                ExerciseResult(
                    id=ex.id,
                    title=ex.title,
                    score=round(sum(t.score for t in tests), 6),
                    max_score=ex.max_score,
                    tests=tests,
                )
            )
        sub = self._by_label[label]
        report = GradeReport(
            submission=label,
            score=round(sum(e.score for e in exercises), 6),
            max_score=self.course.max_score,
            exercises=tuple(exercises),
            isolation=self.level,
            grader_version=__version__,
            suite_hash=self._suite_hash,
            course=self.course.name,
            started_at=started_at,
            duration=round(time.monotonic() - t0, 3),
            output=output,
            problems=tuple(sub.problems) + tuple(self._module_problems.pop(label, ())),
            artifacts=self._artifacts.pop(label, {}),
            sandbox=sandbox_description(self.level),
        )
        self.reports[label] = report
        if self.on_report is not None:
            self.on_report(report)

    def close_all(self) -> None:
        for label in list(self._sessions):
            self._close(label)


# ----------------------------------------------------------------------------- pytest hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder")
    group.addoption("--submission", action="append", default=[], help="grade this folder (default: the reference)")
    group.addoption("--course", default=None, help="course.yaml to use (default: the nearest one)")
    group.addoption("--isolation", default=None, help="auto, process, user or namespace")
    group.addoption(
        "--trusted-code",
        action="store_true",
        default=False,
        help="the code graded is trusted (the reference): allow grading without a sandbox (process)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hint(text): one-line hint shown to students when the test fails")
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        run = config.stash[RUN_KEY] = _standalone_run(config)
    load_profile(run.course.hypothesis.max_examples, seed=run.seed)
    config.stash[_CONSTANTS_KEY] = no_local_constants()


def pytest_unconfigure(config: pytest.Config) -> None:
    undo = config.stash.get(_CONSTANTS_KEY, None)
    if undo is not None:
        undo()
    run = config.stash.get(RUN_KEY, None)
    if run is not None and run.seed is not None:
        unset_seed()


def _standalone_run(config: pytest.Config) -> GradingRun:
    """Plain ``pytest tests/grading``: grade the reference (or --submission folders)."""
    from autograder.submission import load_submission

    course_opt = config.getoption("--course", default=None)
    course = load_course(course_opt or Path(str(config.rootpath)))
    folders = config.getoption("--submission", default=None) or [str(course.reference_dir)]
    subs = [load_submission(Path(f)) for f in folders]
    level = course.isolation_level(
        config.getoption("--isolation", default=None), config.getoption("--trusted-code", default=False)
    )
    return GradingRun(course=course, submissions=subs, level=level)


def _run(config: pytest.Config) -> GradingRun:
    return config.stash[RUN_KEY]


class RunInstaller:
    """A plugin object that puts ``run`` in the session's stash before this plugin's configure hook runs."""

    def __init__(self, run: GradingRun) -> None:
        self.run = run

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash.setdefault(RUN_KEY, self.run)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # Ctrl-C only: pytest.exit() (a broken data source) comes here too, and pytest also says
        # "Interrupted" for collection errors; those are the course's problems, said as SuiteError.
        if excinfo.errisinstance(KeyboardInterrupt):
            self.run.interrupted = True


def _identify(item: pytest.Item) -> tuple[str, str]:
    """(exercise id, test name) from tests/grading/test_<exercise>.py::<test name>."""
    module = Path(str(item.fspath)).stem
    exercise = module[len("test_") :] if module.startswith("test_") else module
    return exercise, getattr(item, "originalname", item.name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "student" in metafunc.fixturenames:
        run = _run(metafunc.config)
        labels = [s.label for s in run.submissions]
        metafunc.parametrize("student", labels, indirect=True, ids=labels)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    run = _run(config)
    known = {(t.exercise, t.name): t for e in run.course.exercises for t in e.tests}
    seen = set()
    tests_dir = run.course.tests_dir
    for item in items:
        if tests_dir not in Path(str(item.fspath)).resolve().parents:
            continue  # not a hidden test (e.g. the project's own tests in the same session)
        key = _identify(item)
        seen.add(key)
        if key not in known:
            run.suite_errors.append(
                f"{item.nodeid.split('[')[0]} has no points in {run.course.path.name}: "
                f"add it under exercises.{key[0]}.tests"
            )
            continue
        spec = known[key]
        if spec.max_examples and is_hypothesis_test(getattr(item, "obj", None)):
            set_max_examples(item.obj, spec.max_examples)  # type: ignore[attr-defined]
    # A test file the session did not collect (plain ``pytest tests/grading/test_cat.py``) is not
    # missing tests; a test file that does not exist, or lacks a listed test, is.
    collected = {ex for ex, _ in seen}
    missing = sorted(
        (ex, name)
        for ex, name in set(known) - seen
        if ex in collected or not (run.course.tests_dir / f"test_{ex}.py").exists()
    )
    for ex, name in missing:
        run.suite_errors.append(
            f"{run.course.path.name} lists exercises.{ex}.tests.{name}, but {run.course.tests_dir.name}/test_{ex}.py "
            "has no such test; fix the name or remove the entry"
        )
    if run.suite_errors:
        raise pytest.UsageError("hidden test suite does not match course.yaml:\n  " + "\n  ".join(run.suite_errors))
    order: dict[str | None, int] = {s.label: i for i, s in enumerate(run.submissions)}
    items.sort(key=lambda it: order.get(_label(it), -1))
    for sub in run.submissions:
        run._remaining[sub.label] = 0
    for item in items:
        label = _label(item)
        if label is not None:
            run._remaining[label] += 1
    for sub in run.submissions:
        if run._remaining[sub.label] == 0:
            run.finish(sub.label)


def _label(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("student") if callspec else None


@pytest.fixture
def student(request: pytest.FixtureRequest) -> StudentSession:
    """The submission under test, running in the sandbox."""
    run = _run(request.config)
    return run.session(request.param)


@pytest.fixture(scope="session")
def reference(request: pytest.FixtureRequest) -> ReferenceModules:
    """The reference solutions (trusted, in-process, memoised)."""
    modules = _run(request.config).reference
    assert modules is not None, "GradingRun.__post_init__ always sets the reference"
    return modules


@pytest.fixture(scope="session")
def course(request: pytest.FixtureRequest) -> Course:
    """The validated course.yaml (e.g. ``course.data`` for the cat images' source)."""
    return _run(request.config).course


@pytest.fixture(scope="session")
def data_cache(request: pytest.FixtureRequest) -> DataCache:
    """Slow, deterministic test data made once and read back by later processes (``grading.datacache``)."""
    return DataCache(_run(request.config).course)


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[[str, Any], None]:
    """Keep plain data for the report's plots: ``record("losses", {"student": [...]})``.

    Dicts are merged into what earlier tests recorded under the same key, so
    several tests can fill one plot (each activation test adds its curve).
    """
    run = _run(request.config)
    label = _label(request.node)
    exercise, _ = _identify(request.node)

    def keep(key: str, value: Any) -> None:
        if label is not None:
            store = run.artifacts(label).setdefault(exercise, {})
            store[key] = _merge(store.get(key), _plain(value))

    return keep


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merge(old.get(k), v) for k, v in new.items()}}
    return new


def _plain(value: Any) -> Any:
    import numpy as np

    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value).tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Start-up is over: the garbage collector a head start paused runs again (``grading.headstart``)."""
    resume_collector()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    session = item.funcargs.get("student") if hasattr(item, "funcargs") else None
    if isinstance(session, StudentSession):
        session.begin_test()
    try:
        yield
    finally:
        if isinstance(session, StudentSession):
            session.end_test()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    label = _label(item)
    if label is None:
        return
    run = _run(item.config)
    exercise, name = _identify(item)
    spec = run.course.test(exercise, name)
    if spec is None:
        return
    if call.when == "setup":
        run.start(label)
        if report.passed:
            return
    elif call.when != "call":
        return  # teardown runs trusted fixtures only
    run.add(label, outcomes.result(item, call, spec))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = _run(session.config)
    if run is None:
        return
    for sub in run.submissions:
        if sub.label in run._remaining and sub.label not in run.reports and run._remaining[sub.label] <= 0:
            run.finish(sub.label)
    run.close_all()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    run = _run(config)
    if run is None:
        return
    for report in run.reports.values():
        terminalreporter.write_line(
            f"autograder: {report.submission}: {report.score:g}/{report.max_score:g} (isolation: {report.isolation})"
        )
        for w in report.warnings:
            terminalreporter.write_line(f"autograder: WARNING: {w}", yellow=True)
