"""``grade(path, course)``: run the hidden tests against submissions and return reports.

One pytest session (in this process) runs the hidden tests; the student's
code runs only in sandbox workers. ``grade_many`` serves many submissions
from one session, which is how batches amortise pytest's start-up and the
reference's answers.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import _hypothesis_pytestplugin
import pytest

from autograder.config import Course, resolve_course
from autograder.errors import SuiteError
from autograder.grading import plugin as grading_plugin
from autograder.grading.plugin import GradingRun, RunInstaller
from autograder.grading.reference import ReferenceModules
from autograder.model import GradeReport
from autograder.sandbox import SandboxLimits
from autograder.submission import Submission, load_submission

__all__ = ["grade", "grade_many"]


def grade(
    path: Path | str,
    course: Course | Path | str | None = None,
    *,
    isolation: str | None = None,
    trusted_code: bool = False,
    label: str | None = None,
    replay: bool = True,
    calibrate: bool = True,
) -> GradeReport:
    """Grade one submission folder and return its report.

    ``trusted_code=True`` allows grading below the sandbox (``process``): only for code you trust.
    With ``replay`` (the default) the course's calibration artefact (``autograder.grading.calibration``) is
    replayed; without a valid one it is made first (grading the reference once) and cached for later
    processes, unless ``calibrate=False``: a one-shot run (a Gradescope or Classroom 50 container) then
    runs hypothesis itself, which costs less than calibrating for one submission. The report is the
    same either way, only the time differs.
    """
    course = resolve_course(course)
    sub = load_submission(path, label=label)
    plugins: list[object] = []
    reference = None
    if replay:
        from autograder.grading.calibration import calibrated_book
        from autograder.grading.replay import ReplayPlugin

        book = calibrated_book(course, isolation, trusted_code, create=calibrate)
        if book is not None:
            plugins = [ReplayPlugin(book, recording=False)]
            reference = ReferenceModules(course.reference_dir)
            reference.preload(book.memo)  # the calibration's answers: the reference runs only for new inputs
    return grade_many(
        [sub], course, isolation=isolation, trusted_code=trusted_code, plugins=plugins, reference=reference,
        lanes_at_once=True,
    )[sub.label]  # fmt: skip


def grade_many(
    submissions: Iterable[Submission],
    course: Course | Path | str | None = None,
    *,
    isolation: str | None = None,
    trusted_code: bool = False,
    on_report: Callable[[GradeReport], None] | None = None,
    quiet: bool = True,
    seed: int | None = None,
    reference: ReferenceModules | None = None,
    plugins: Sequence[object] = (),
    lanes_at_once: bool = False,
) -> dict[str, GradeReport]:
    """Grade submissions in one pytest session; ``on_report`` gets each report as soon as it is ready.

    ``seed`` (for ``autograder audit`` only) runs hypothesis seeded instead of derandomized.
    ``reference`` and ``plugins`` let a batch job keep the reference's memoised answers and its
    recorded examples (``autograder.grading.replay``) from one session to the next.
    ``lanes_at_once``: a single submission's two lanes run at once where the machine allows
    (``autograder.grading.lanes``); the report is the same as with the lanes in turn.
    """
    course = resolve_course(course)
    subs = list(submissions)
    labels = [s.label for s in subs]
    if len(set(labels)) != len(labels):
        raise ValueError("submission labels must be unique")
    if not subs:
        return {}  # nothing to grade: no pytest session (it would find no submission to attach tests to)
    level = course.isolation_level(isolation, trusted_code)
    run = GradingRun(
        course=course, submissions=subs, level=level, on_report=on_report, seed=seed, reference=reference,
        at_once=lanes_at_once,
    )  # fmt: skip
    args = [
        str(course.tests_dir),
        "--rootdir", str(course.root),
        "--assert=plain",
        "--import-mode=importlib",
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        "-p", "no:unraisableexception",  # its clean-up runs gc.collect() five times per session
        "-o", "addopts=",
        "-o", "python_files=test_*.py",
        "--capture=sys",
        "--tb=native",
        "-q",
    ]  # fmt: skip
    out = io.StringIO()
    redirect = contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext()
    cwd = os.getcwd()
    _forget_test_modules(course)
    warm = _WarmStart(level, course.limits) if subs else None
    try:
        with redirect, _no_plugin_autoload():
            # The grading plugin and hypothesis's (the one installed plugin grading uses, see
            # _no_plugin_autoload) are given as modules: each ``-p NAME`` would make pytest read every
            # installed package's entry points to look for NAME, in every session (one per chunk of a batch).
            code = pytest.main(
                args,
                plugins=[
                    grading_plugin, _hypothesis_pytestplugin, RunInstaller(run), _NoTracebacks(), *plugins,
                    *([warm] if warm else []),
                ],
            )  # fmt: skip
    finally:
        os.chdir(cwd)
        _forget_test_modules(course)
        run.close_all()
    if run.suite_errors:
        raise SuiteError("the hidden tests do not match course.yaml:\n  " + "\n  ".join(run.suite_errors))
    if run.regrade and not run.interrupted:  # the lanes ran at once and met a timeout: in turn, as in a batch
        return grade_many(
            subs, course, isolation=isolation, trusted_code=trusted_code, on_report=on_report, quiet=quiet,
            seed=seed, reference=reference, plugins=plugins,
        )  # fmt: skip
    if run.interrupted and not run.reports:
        raise KeyboardInterrupt
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        detail = out.getvalue().strip().splitlines()[-15:]
        raise SuiteError(
            f"the hidden tests in {course.tests_dir} could not run (pytest exit {int(code)}):\n" + "\n".join(detail)
        )
    return run.reports


@contextlib.contextmanager
def _no_plugin_autoload() -> Iterator[None]:
    """No pytest plugins from other installed packages in a grading session (anyio's alone costs
    ~0.1 s to import; xdist, platformdirs, ...): hypothesis's is given to pytest as a module instead."""
    saved = os.environ.get(_AUTOLOAD)
    os.environ[_AUTOLOAD] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(_AUTOLOAD, None)
        else:
            os.environ[_AUTOLOAD] = saved


_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"


def _forget_test_modules(course: Course) -> None:
    """Drop hidden-test modules from ``sys.modules``, so the next session imports the files on disk.

    pytest's importlib mode reuses a module already in ``sys.modules`` under the same name
    (``tests.grading.test_activations``), even when it came from another folder: a process that
    grades a second course, or a new version of the same course (a Dask worker), would otherwise
    run the old tests.
    """
    root, tests_dir = course.root.resolve(), course.tests_dir.resolve()
    modules: set[str] = set()  # the names pytest gives our test files (relative to --rootdir)
    packages: set[str] = set()  # their parents, namespace packages that remember a folder
    files = list(tests_dir.rglob("*.py"))
    basenames = {f.name for f in files}  # a module from another file name cannot be one of ours: no realpath
    if root in tests_dir.parents:
        for f in files:
            parts = f.relative_to(root).with_suffix("").parts
            modules.add(".".join(parts))
            packages.update(".".join(parts[:i]) for i in range(1, len(parts)))
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        inside = bool(
            file and os.path.basename(file) in basenames and os.path.realpath(file).startswith(str(tests_dir) + os.sep)
        )
        if inside or name in modules or (name in packages and file is None):
            del sys.modules[name]


class _NoTracebacks:
    """One line of text for a failing test instead of pytest's traceback.

    pytest formats a traceback for every failing test, and hypothesis has it format one for each
    failing example it meets while shrinking (``item.repr_failure``): a few milliseconds each, for
    text nobody reads here. Outcomes and messages come from the exception itself
    (``grading.outcomes``), and a grading session's output is discarded unless the suite itself
    cannot run, which collection reports (untouched) explain. Plain ``pytest tests/grading``, where
    an instructor reads the tracebacks, keeps them.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if isinstance(item, pytest.Function):
                item.repr_failure = _exception_line  # type: ignore[method-assign]


def _exception_line(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return excinfo.exconly()


class _WarmStart:
    """Starts the namespace level's zygote (``sandbox.zygote``) in a thread while pytest collects.

    The first test waits for it (``pytest_runtestloop``), so exactly one is started; a process
    that already holds an idle one (a batch job, a second ``grade``) starts none.
    """

    def __init__(self, level: str, limits: SandboxLimits) -> None:
        from autograder.sandbox import zygote

        warm = level == "namespace" and zygote.warm_enabled()
        self._thread = zygote.prestart(limits) if warm else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        if self._thread is not None:
            self._thread.join()
