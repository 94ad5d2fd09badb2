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
from autograder.grading import lanes, outcomes
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
    at_once: bool = False  # a single submission's lanes may run at once (``grading.lanes``)
    regrade: bool = False  # they did, and the submission must be graded again with the lanes in order
    _results: dict[str, dict[tuple[str, str], TestResult]] = field(default_factory=dict)
    _remaining: dict[str, int] = field(default_factory=dict)
    _started: dict[str, tuple[str, float]] = field(default_factory=dict)
    _sessions: dict[tuple[str, int], StudentSession] = field(default_factory=dict)  # (label, lane)
    _artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (label, lane) -> what its closed session left: output kept, bytes not kept, module problems, timeouts
    _ended: dict[tuple[str, int], tuple[str, int, list[str], int]] = field(default_factory=dict)
    _budget: dict[str, float] = field(default_factory=dict)  # label -> end of its wall-clock budget
    _suite_hash: str = ""

    def __post_init__(self) -> None:
        self._by_label = {s.label: s for s in self.submissions}
        self._suite_hash = self.course.suite_hash()
        self._lanes = lanes.lanes(self.course)
        if self.reference is None:
            self.reference = ReferenceModules(self.course.reference_dir)

    # -- sessions: one per submission and lane (see grading.lanes) ----------
    def lane_of(self, item: pytest.Item) -> int:
        return self._lanes.get(_identify(item)[0], 0)

    def budget_for(self, label: str) -> float:
        """When the submission's wall-clock budget ends: counted from its first test, for both lanes."""
        if label not in self._budget:
            self._budget[label] = time.monotonic() + self.course.limits.submission_timeout
        return self._budget[label]

    def extend_budget(self, label: str, seconds: float) -> None:
        self._budget[label] = self.budget_for(label) + seconds

    def session(self, label: str, lane: int = 0) -> StudentSession:
        key = (label, lane)
        if key not in self._sessions:
            for other in list(self._sessions):  # one live worker at a time
                self._close(other)
            sub = self._by_label[label]
            self._sessions[key] = StudentSession(
                sub.files,
                level=self.level,  # type: ignore[arg-type]  # a level resolved by Course.isolation_level
                limits=self.course.limits,
                extra=sub.extra,
                budget_end=self.budget_for(label),
            )
        return self._sessions[key]

    def _close(self, key: tuple[str, int]) -> None:
        session = self._sessions.pop(key, None)
        if session is None:
            return
        text, dropped = session.output_kept()
        before = self._ended.get(key, ("", 0, [], 0))  # a lane reopened (a test outside the usual order)
        problems = before[2] + [p for p in session.module_problems() if p not in before[2]]
        self._ended[key] = (before[0] + text, before[1] + dropped, problems, before[3] + session.timeouts)
        session.close()

    def lane_timeouts(self, label: str, lane: int) -> int:
        """Calls of the lane's tests that failed as timeouts."""
        live = self._sessions.get((label, lane))
        return self._ended.get((label, lane), ("", 0, [], 0))[3] + (live.timeouts if live is not None else 0)

    # -- a lane run by a forked child (grading.lanes) -----------------------
    def prepare_fork_child(self) -> None:
        """In the child: a warm sandbox of its own (the parent's zygote is the parent's)."""
        from autograder.sandbox import zygote

        if self.level == "namespace" and zygote.warm_enabled():
            thread = zygote.prestart(self.course.limits)
            if thread is not None:
                thread.join()

    def close_fork_child(self) -> None:
        from autograder.sandbox import zygote

        self.close_all()
        zygote.shutdown()

    def lane_payload(self, label: str, lane: int) -> dict[str, Any]:
        """What the child sends: the lane's results, output, module problems, artifacts and timeouts."""
        self._close((label, lane))
        text, dropped, problems, timeouts = self._ended.pop((label, lane), ("", 0, [], 0))
        exercises = {e for e, n in self._lanes.items() if n == lane}
        results = [r for (ex, _), r in self._results.get(label, {}).items() if ex in exercises]
        artifacts = {ex: v for ex, v in self.artifacts(label).items() if ex in exercises}
        return lanes.payload_of(results, (text, dropped), problems, artifacts=artifacts, timeouts=timeouts)

    def adopt_lane(self, label: str, lane: int, payload: dict[str, Any]) -> None:
        """Take a lane's outcome from the child (after this process ran the other lane)."""
        text, dropped = payload["output"]
        self._ended[(label, lane)] = (str(text), int(dropped), [str(p) for p in payload["problems"]], 0)
        for ex, value in dict(payload.get("artifacts") or {}).items():
            self.artifacts(label)[str(ex)] = value
        for r in payload["results"]:
            self.add(label, TestResult(**r))

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
        for key in [k for k in self._sessions if k[0] == label]:
            self._close(key)
        ended = sorted((lane, v) for (other, lane), v in self._ended.items() if other == label)
        output = lanes.merge_output([(lane, v[0], v[1]) for lane, v in ended], self.course.limits.output_kb * 1024)
        problems: list[str] = []
        for _, v in ended:
            problems += [p for p in v[2] if p not in problems]
        for lane, _ in ended:
            del self._ended[(label, lane)]
        recorded = self._artifacts.pop(label, {})
        order = {e.id: i for i, e in enumerate(self.course.exercises)}  # the same whichever lane finished first
        artifacts = {k: recorded[k] for k in sorted(recorded, key=lambda k: (order.get(k, len(order)), k))}
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
            problems=tuple(sub.problems) + tuple(problems),
            artifacts=artifacts,
            sandbox=sandbox_description(self.level),
        )
        self.reports[label] = report
        if self.on_report is not None:
            self.on_report(report)

    def close_all(self) -> None:
        for key in list(self._sessions):
            self._close(key)


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
    items.sort(key=lambda it: (order.get(_label(it), -1), run.lane_of(it)))  # a submission's lanes in turn
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
    return run.session(request.param, run.lane_of(request.node))


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
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """Start-up is over: the garbage collector a head start paused runs again (``grading.headstart``).
    One submission's two lanes run at once where they may (``grading.lanes``); else pytest's own loop."""
    resume_collector()
    run = _run(session.config)
    if not run.at_once or len(run.submissions) != 1 or session.testsfailed or session.config.option.collectonly:
        return None
    label = run.submissions[0].label
    items = list(session.items)
    if {_label(it) for it in items} != {label} or {run.lane_of(it) for it in items} != {0, 1}:
        return None
    if not lanes.parallel_enabled():
        return None
    from autograder.sandbox import zygote

    if run.level == "namespace" and zygote.warm_enabled():
        thread = zygote.prestart(run.course.limits)  # the one a head start began: ready before the fork
        if thread is not None:
            thread.join()
    lanes.run_lanes_at_once(session, run, label, items)
    return True


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
