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

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
from autograder.grading.run import GradingRun, identify
from autograder.sandbox import StudentSession

__all__ = ["GradingRun", "PROFILE", "RUN_KEY", "RunInstaller"]

# The session's run lives in the config's stash (as pytest's own junitxml keeps its state): a grading
# session puts it there before configure (``install``); plain ``pytest tests/grading`` makes one.
RUN_KEY = pytest.StashKey["GradingRun"]()
_CONSTANTS_KEY = pytest.StashKey[Callable[[], None]]()  # undoes no_local_constants at the end of the session


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
    config.addinivalue_line(
        "markers",
        "always_run: the test's body runs even when every answer is the reference's (it reads the clock, say)",
    )
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
        key = identify(item)
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
    exercise, _ = identify(request.node)

    def keep(key: str, value: Any) -> None:
        if label is not None:
            store = run.artifacts(label).setdefault(exercise, {})
            store[key] = _merge(store.get(key), plain_data(value))

    return keep


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merge(old.get(k), v) for k, v in new.items()}}
    return new


def plain_data(value: Any) -> Any:
    """What ``record`` keeps of a value: numpy arrays and numbers as lists and numbers, tuples as lists."""
    import numpy as np

    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value).tolist()
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
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
    run.wait_for_warm_sandbox()  # the one a head start began: ready before the fork
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
    exercise, name = identify(item)
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
