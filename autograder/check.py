"""``autograder check``: the public tests, run on the student's own machine, in about a second.

Grading runs the hidden tests with the student's code in a sandbox. Checking
is different: it is the student's own machine and their own code, so the
public tests run in this process (fast: one pytest session, no workers) and
the aim is a friendly answer to "am I on the right track?": a table per
lesson, the first problem in each, a hint, and ``Points X/Y`` (public tests
passed) for GitHub Classroom's legacy reader. The exit status is non-zero
while a test fails, so a student's CI or pre-commit hook can use it.

The public tests live in ``<exercises_dir>/tests/test_<lesson>.py`` and
``import <lesson>``. Each lesson module is imported here first, inside a
guard, so a syntax error or a crash at import becomes one clear message
("activations.py line 12: invalid syntax") instead of a pytest traceback.

From a notebook, ``from autograder import check; check()`` runs the public
tests on the notebook's current definitions: the names in ``__main__`` are
injected as the lesson module, so there is nothing to save or export first.

Formatting (text, Markdown, HTML, Classroom's runner result) is in
``autograder.check_format``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import os
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import AutograderError

__all__ = [
    "check",
    "run_checks",
    "find_work_dir",
    "public_test_files",
    "lesson_functions",
    "PublicTest",
    "LessonCheck",
    "CheckReport",
    "CheckStatus",
    "DEFAULT_TIMEOUT",
]

CheckStatus = Literal["passed", "failed", "todo", "missing", "error", "timeout"]
DEFAULT_TIMEOUT = 10.0  # seconds per public test; they take milliseconds when the code is right


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

    def text(self) -> str:
        from .check_format import format_text

        return format_text(self)

    def markdown(self) -> str:
        from .check_format import format_markdown

        return format_markdown(self)

    def html(self) -> str:
        from .check_format import format_html

        return format_html(self)

    def __repr__(self) -> str:  # short: check() has already displayed the table
        return f"<autograder check: {self.passed}/{self.total} public tests passed>"


# --------------------------------------------------------------------------- where things are


def find_work_dir(path: Path | str | None = None) -> tuple[Path, Any]:
    """(folder with the lesson modules, PublicCourse or None).

    ``path`` given: that folder. Otherwise the nearest course.yaml's
    ``exercises_dir`` (``exercises/`` in the instructor's repository, the
    repository itself in a student's), or the current folder when it has a
    ``tests/`` folder of public tests.
    """
    from .public_course import find_course_file, read_public_course

    if path is not None:
        folder = Path(path).resolve()
        if not folder.is_dir():
            raise AutograderError(f"{folder}: no such folder; pass the folder that holds your lesson modules")
        course_file = find_course_file(folder)
        course = read_public_course(course_file) if course_file else None
        return folder, course
    here = Path.cwd()
    course_file = find_course_file(here)
    if course_file is not None:
        course = read_public_course(course_file)
        return course.exercises_dir, course
    if (here / "tests").is_dir():
        return here.resolve(), None
    raise AutograderError(
        f"no course.yaml in {here} or above it, and no tests/ folder here; "
        "run autograder check inside your exercise repository, or pass the folder: autograder check --path DIR"
    )


def public_test_files(work_dir: Path) -> dict[str, Path]:
    """lesson id -> its public test file (``tests/test_<lesson>.py``), sorted by lesson."""
    tests = work_dir / "tests"
    if not tests.is_dir():
        return {}
    return {p.stem[len("test_") :]: p for p in sorted(tests.glob("test_*.py")) if p.is_file()}


def _test_names(file: Path) -> list[str]:
    """The test functions a public test file defines (read without importing it)."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (OSError, SyntaxError, ValueError):
        return []
    return [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
    ]


def lesson_functions(module_file: Path) -> list[str]:
    """The public function names a lesson module (stub or solution) defines, read without running it."""
    try:
        tree = ast.parse(module_file.read_text(encoding="utf-8"), str(module_file))
    except (OSError, SyntaxError, ValueError):
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


# --------------------------------------------------------------------------- running


def run_checks(
    work_dir: Path | str,
    *,
    lessons: Iterable[str] | None = None,
    modules: Mapping[str, types.ModuleType] | None = None,
    course: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Run the public tests in ``work_dir/tests`` on the lesson modules in ``work_dir``.

    ``modules``: lesson modules to use instead of importing ``<lesson>.py``
    (the notebook API injects the notebook's names this way). Everything
    this puts in ``sys.modules`` or ``sys.path`` is taken out again, so
    checks can run again and again in one process (a notebook kernel).
    """
    start = time.perf_counter()
    work_dir = Path(work_dir).resolve()
    files = public_test_files(work_dir)
    order = [e.id for e in course.exercises] if course is not None else []
    if lessons is not None:
        wanted = list(dict.fromkeys(lessons))
        unknown = [x for x in wanted if x not in files]
        if unknown:
            known = ", ".join(files) or "none"
            raise AutograderError(f"no public tests for {', '.join(unknown)} in {work_dir / 'tests'} (lessons with public tests: {known})")
        files = {x: files[x] for x in wanted}
    if not files:
        raise AutograderError(
            f"{work_dir / 'tests'}: no public tests (test_<lesson>.py) found; "
            "run autograder check in your exercise repository, or pass the folder: autograder check --path DIR"
        )
    ordered = sorted(files, key=lambda x: (order.index(x) if x in order else len(order), x))
    modules = dict(modules or {})
    saved_modules = {name: sys.modules.get(name) for name in ordered}
    saved_path = list(sys.path)
    before = set(sys.modules)
    problems: dict[str, tuple[str, str]] = {}
    outcomes: dict[str, list[PublicTest]] = {}
    nb_notes: list[str] = []
    try:
        sys.path.insert(0, str(work_dir))
        for lesson in ordered:
            sys.modules.pop(lesson, None)
        from_notebooks, nb_notes = ({}, []) if modules else _notebook_sources(work_dir, ordered)
        for lesson in ordered:
            if lesson in modules:
                sys.modules[lesson] = modules[lesson]
            else:
                problem = _import_lesson(work_dir, lesson, from_notebooks.get(lesson))
                if problem:
                    problems[lesson] = problem
        runnable = [files[x] for x in ordered if x not in problems]
        if runnable:
            outcomes = _run_pytest(work_dir, runnable, set(ordered), timeout)
    finally:
        for name in set(sys.modules) - before:
            mod = sys.modules.get(name)
            if name in saved_modules or _lives_under(mod, work_dir):
                sys.modules.pop(name, None)
        for name, mod in saved_modules.items():
            if mod is not None:
                sys.modules[name] = mod
            else:
                sys.modules.pop(name, None)
        sys.path[:] = saved_path
    checks = []
    for lesson in ordered:
        title = course.title(lesson) if course is not None else lesson
        if lesson in problems:
            message, hint = problems[lesson]
            tests = tuple(PublicTest(lesson, n, "error", message, hint) for n in _test_names(files[lesson]))
            checks.append(LessonCheck(lesson, title, tests, problem=message))
            continue
        got = outcomes.get(lesson, [])
        ran = {t.name.split("[")[0] for t in got}
        # a test file that failed to load (it imports something missing) still counts its tests
        not_run = [n for n in _test_names(files[lesson]) if n not in ran]
        collect = outcomes.get(f"{lesson}::collect")
        message = collect[0].message if collect else "this test did not run"
        hint = collect[0].hint if collect else ""
        got = [*got, *(PublicTest(lesson, n, "error", message, hint) for n in not_run)]
        checks.append(LessonCheck(lesson, title, tuple(got), problem=message if collect else ""))
    notes: list[str] = list(nb_notes) if not modules else []
    if course is not None:
        no_public = [e.id for e in course.exercises if e.id not in files and lessons is None]
        if no_public:
            notes.append(f"no public tests for {', '.join(no_public)}: the hidden tests still grade them")
    return CheckReport(
        course=course.name if course is not None else "",
        work_dir=str(work_dir),
        lessons=tuple(checks),
        duration=time.perf_counter() - start,
        source="notebook" if modules else "files",
        notes=tuple(notes),
    )


def _lives_under(module: types.ModuleType | None, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not file:
        return False
    try:
        return Path(file).resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


def _notebook_sources(work_dir: Path, lessons: list[str]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """{lesson: (notebook file, module source)} for the lessons whose notebook is what grading would use.

    Grading takes, per lesson, whichever of ``<lesson>.py`` and ``<lesson>.ipynb`` has fewer
    unfinished stubs (``autograder.notebooks``); checking tests the same one, so a student who
    works in the notebook is not told that the untouched ``.py`` stub fails.
    """
    notebooks = {p.name: p.read_bytes() for p in sorted(work_dir.glob("*.ipynb")) if p.is_file() and not p.is_symlink()}
    if not notebooks:
        return {}, []
    from .notebooks import notebook_module

    existing = {p.name: p.read_bytes() for p in sorted(work_dir.glob("*.py")) if p.is_file()}
    try:
        from .notebooks import modules_from_notebooks

        built, _ = modules_from_notebooks(notebooks, existing)
    except Exception as exc:  # noqa: BLE001 - a broken notebook must not stop checking the .py files
        return {}, [f"notebooks could not be read ({exc}); checked the .py files"]
    chosen: dict[str, tuple[str, str]] = {}
    said: list[str] = []
    for name, data in notebooks.items():
        try:
            module = notebook_module(name, data)
        except Exception:  # noqa: BLE001 - an unreadable notebook: the .py is checked
            continue
        target = f"{module.lesson}.py"
        if module.lesson in lessons and built.get(target) == module.source.encode("utf-8"):
            chosen[module.lesson] = (name, module.source)
            said.append(f"{module.lesson}: checked {name}, the one you worked in (grading takes it too)")
            said += module.problems()
    return chosen, said


def _import_lesson(work_dir: Path, lesson: str, notebook: tuple[str, str] | None = None) -> tuple[str, str] | None:
    """Import ``<lesson>.py`` (or the module built from its notebook); (message, hint) when that fails."""
    file = work_dir / f"{lesson}.py"
    if notebook is None and not file.is_file():
        return (f"{lesson}.py is missing from {work_dir}", f"Restore it from the starter repository (git checkout -- {lesson}.py)")
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            if notebook is None:
                importlib.import_module(lesson)
            else:
                module = types.ModuleType(lesson)
                module.__file__ = str(work_dir / notebook[0])
                sys.modules[lesson] = module
                exec(compile(notebook[1], module.__file__, "exec"), module.__dict__)  # noqa: S102 - the student's own code, on their machine
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "somewhere"
        return (f"{lesson}.py has a syntax error at {where}: {exc.msg}",
                f"Open {lesson}.py at {where}; look for a missing bracket, colon or wrong indentation just before it.")  # fmt: skip
    except BaseException as exc:  # noqa: BLE001 - student code can raise anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        line = _student_line(exc.__traceback__, work_dir)
        where = f" (line {line[1]})" if line else ""
        return (f"importing {lesson}.py raised {type(exc).__name__}: {_first_line(exc)}{where}",
                f"Run python {lesson}.py and fix the first error; code at the top level runs on import, "
                "so keep experiments inside functions or under if __name__ == '__main__':")  # fmt: skip
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


def _student_line(tb: types.TracebackType | None, work_dir: Path) -> tuple[str, int, str] | None:
    """(file name, line, function) of the last traceback frame in the student's code (not the tests)."""
    found = None
    tests = work_dir / "tests"
    for frame, lineno in traceback.walk_tb(tb):
        try:
            path = Path(frame.f_code.co_filename).resolve()
        except (OSError, ValueError):
            continue
        if path.is_relative_to(work_dir) and not path.is_relative_to(tests):
            found = (path.name, lineno, frame.f_code.co_name)
        elif frame.f_globals.get("__name__") == "__main__" and not path.is_relative_to(tests):
            found = ("your notebook", lineno, frame.f_code.co_name)  # names injected by check()
    return found


class _Timeout(BaseException):
    """Raised in the test's thread when a public test runs too long (BaseException: student code may catch Exception)."""


class _Collector:
    """A pytest plugin: turns each public test's end into a ``PublicTest``."""

    def __init__(self, work_dir: Path, lessons: set[str], timeout: float) -> None:
        self.work_dir = work_dir
        self.lessons = lessons
        self.timeout = timeout
        self.outcomes: dict[str, list[PublicTest]] = {}
        self.can_alarm = (
            timeout > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )

    def _lesson(self, nodeid: str) -> str:
        stem = Path(nodeid.split("::")[0]).stem
        return stem[len("test_") :] if stem.startswith("test_") else stem

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed and report.nodeid.endswith(".py"):
            lesson = self._lesson(report.nodeid)
            text = str(report.longrepr).strip().splitlines()
            last = next((line for line in reversed(text) if line.strip().startswith("E ")), text[-1] if text else "")
            message = f"the public tests for {lesson} could not load: {last.strip().removeprefix('E').strip()}"
            hint = "Check that your module defines every function of the stub, with the same names."
            self.outcomes.setdefault(f"{lesson}::collect", []).append(PublicTest(lesson, "(collect)", "error", message, hint))

    def _alarm(self, signum: int, frame: Any) -> None:
        raise _Timeout()

    def pytest_runtest_makereport(self, item: Any, call: Any) -> None:
        if call.when == "setup" and call.excinfo is None:
            return
        if call.when == "teardown" and call.excinfo is None:
            return
        lesson = self._lesson(item.nodeid)
        if call.when == "call" and call.excinfo is None:
            test = PublicTest(lesson, item.name, "passed", duration=call.duration)
        elif call.excinfo is not None:
            status, message, hint = self.describe(lesson, item.name, call.excinfo)
            test = PublicTest(lesson, item.name, status, message, hint, call.duration)
        else:
            return
        bucket = self.outcomes.setdefault(lesson, [])
        if bucket and bucket[-1].name == item.name:  # a teardown error after a failure: keep the first
            return
        bucket.append(test)

    def describe(self, lesson: str, test: str, excinfo: Any) -> tuple[CheckStatus, str, str]:
        exc = excinfo.value
        tb = exc.__traceback__
        where = _student_line(tb, self.work_dir)
        func = where[2] if where and where[2] != "<module>" else ""
        if isinstance(exc, _Timeout):
            return ("timeout", f"{test} took longer than {self.timeout:g} s and was stopped",
                    "Look for a loop that never ends, or work that grows much faster than the input.")  # fmt: skip
        if isinstance(exc, NotImplementedError):
            name = func or (str(exc).split(":")[0] if ":" in str(exc) else "a function")
            home = where[0] if where else f"{lesson}.py"
            return ("todo", f"{name} is not written yet (it still raises NotImplementedError)",
                    f"Replace the `raise NotImplementedError(...)` in {name} ({home}) with your code.")  # fmt: skip
        if isinstance(exc, AttributeError) and getattr(exc, "name", None) and isinstance(getattr(exc, "obj", None), types.ModuleType):
            mod = exc.obj.__name__
            if mod in self.lessons:
                return ("missing", f"{mod} has no function {exc.name}",
                        "Keep the function names and signatures of the stub; run the cell or save the file that defines it.")  # fmt: skip
        if isinstance(exc, AssertionError) and not where:
            text = str(exc).strip() or f"a check in {test} failed"
            return ("failed", text, f"Try the example from this message yourself and compare with the docstring of {lesson}.py.")
        if where:
            line = f" ({where[0]}, line {where[1]})"
            who = f"{func} raised" if func else "your code raised"
            return ("error", f"{who} {type(exc).__name__}: {_first_line(exc)}{line}",
                    "Call the function yourself with the input of this test and read the traceback.")  # fmt: skip
        return ("failed", f"{test}: your answer could not be checked ({type(exc).__name__}: {_first_line(exc)})",
                "Check the type and shape your function returns against its docstring.")  # fmt: skip


def _run_pytest(work_dir: Path, files: list[Path], lessons: set[str], timeout: float) -> dict[str, list[PublicTest]]:
    import pytest

    collector = _Collector(work_dir, lessons, timeout)

    class _Timer:
        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_call(self, item: Any) -> Any:
            if not collector.can_alarm:
                return (yield)
            old = signal.signal(signal.SIGALRM, collector._alarm)
            signal.setitimer(signal.ITIMER_REAL, collector.timeout)
            try:
                return (yield)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)

    args = [
        *map(str, files),
        "--rootdir", str(work_dir),
        "--assert=plain",  # the assertion's own message, exactly as the test wrote it
        "--import-mode=importlib",  # public test files never clash with other test_<lesson>.py modules
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        "-o", "addopts=",
        "--capture=sys",
        "--tb=no",
        "-q",
    ]  # fmt: skip
    cwd = os.getcwd()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            pytest.main(args, plugins=[collector, _Timer()])
    finally:
        os.chdir(cwd)
    return collector.outcomes


# --------------------------------------------------------------------------- the notebook API


def _namespace_lessons(work_dir: Path, names: Mapping[str, Any], candidates: list[str]) -> list[str]:
    """The lessons a namespace works on: those with the largest share of their functions defined there."""
    best, chosen = 0.0, []
    for lesson in candidates:
        funcs = lesson_functions(work_dir / f"{lesson}.py")
        if not funcs:
            continue
        share = sum(callable(names.get(f)) for f in funcs) / len(funcs)
        if share > best:
            best, chosen = share, [lesson]
        elif share == best and share > 0:
            chosen.append(lesson)
    return chosen


def _module_from_namespace(lesson: str, names: Mapping[str, Any]) -> types.ModuleType:
    module = types.ModuleType(lesson, f"{lesson}, as defined in your notebook")
    module.__dict__.update({k: v for k, v in names.items() if not (k.startswith("__") and k.endswith("__"))})
    return module


def check(
    lesson: str | Iterable[str] | None = None,
    *,
    path: Path | str | None = None,
    namespace: Mapping[str, Any] | None = None,
    display: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Run the public tests on the calling notebook's (or script's) current definitions.

    ``check()`` works out the lesson from the functions you defined;
    ``check("activations")`` names it. The table shows as HTML in Jupyter and
    as text elsewhere. Nothing needs saving first: the functions as they are
    in memory right now are what gets tested.
    """
    names = namespace if namespace is not None else vars(sys.modules["__main__"])
    work_dir, course = find_work_dir(path)
    files = public_test_files(work_dir)
    if lesson is None:
        lessons = _namespace_lessons(work_dir, names, list(files))
        if not lessons:
            raise AutograderError(
                "check(): none of the lesson functions are defined here yet; run the cells that define them, "
                f"or name the lesson, e.g. check({next(iter(files), 'activations')!r})"
            )
    else:
        lessons = [lesson] if isinstance(lesson, str) else list(lesson)
    modules = {x: _module_from_namespace(x, names) for x in lessons}
    report = run_checks(work_dir, lessons=lessons, modules=modules, course=course, timeout=timeout)
    if display:
        _show(report)
    return report


def _show(report: CheckReport) -> None:
    try:
        from IPython import get_ipython  # type: ignore[import-not-found]
        from IPython.display import HTML, display  # type: ignore[import-not-found]

        shell = get_ipython()
    except Exception:  # noqa: BLE001 - no IPython: plain text
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(HTML(report.html()))
    else:
        print(report.text())


class _CallableModule(types.ModuleType):
    """``autograder.check`` is both this module and the function: ``from autograder import check; check()``
    must work even when the module was imported first (the import system then binds the package's
    ``check`` attribute to the module), so the module itself is callable and forwards to ``check``."""

    def __call__(self, *args: Any, **kwargs: Any) -> CheckReport:
        return check(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
