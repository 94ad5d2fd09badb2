"""Running the public tests in this process: importing the lesson modules, pytest, and what each outcome means.

Each lesson module is imported here first, inside a guard, so a syntax error
or a crash at import becomes one clear message ("activations.py has a syntax
error at line 12") instead of a pytest traceback; a lesson handed in as a
notebook is built into a module the way grading builds it. Then one pytest
session runs the public test files with a small plugin (``_Collector``)
that turns the exception each test ended with into a status, a message and
a hint, and a per-test alarm stops a test that runs too long.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import signal
import sys
import threading
import traceback
import types
from pathlib import Path
from typing import Any

from autograder.checking.model import CheckStatus, PublicTest

__all__ = ["import_lesson", "is_student_file", "lives_under", "notebook_sources", "run_pytest"]


def lives_under(module: types.ModuleType | None, folder: Path) -> bool:
    """A module of the student's folder (a lesson, a helper, a public test), not one installed in a venv there."""
    file = getattr(module, "__file__", None)
    if not file:
        return False
    try:
        path = Path(file).resolve()
    except (OSError, ValueError):
        return False
    return path.is_relative_to(folder) and not {"site-packages", "dist-packages"} & set(path.parts)


def notebook_sources(work_dir: Path, lessons: list[str]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """{lesson: (notebook file, module source)} for the lessons whose notebook is what grading would use.

    Grading takes, per lesson, whichever of ``<lesson>.py`` and ``<lesson>.ipynb`` has fewer
    unfinished stubs (``autograder.notebooks.read``); checking tests the same one, so a student who
    works in the notebook is not told that the untouched ``.py`` stub fails.
    """
    notebooks = {p.name: p.read_bytes() for p in sorted(work_dir.glob("*.ipynb")) if p.is_file() and not p.is_symlink()}
    if not notebooks:
        return {}, []
    from autograder.notebooks.read import notebook_module

    existing = {p.name: p.read_bytes() for p in sorted(work_dir.glob("*.py")) if p.is_file()}
    try:
        from autograder.notebooks.read import modules_from_notebooks

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


def import_lesson(work_dir: Path, lesson: str, notebook: tuple[str, str] | None = None) -> tuple[str, str] | None:
    """Import ``<lesson>.py`` (or the module built from its notebook); (message, hint) when that fails."""
    file = work_dir / f"{lesson}.py"
    if notebook is None and not file.is_file():
        return (
            f"{lesson}.py is missing from {work_dir}",
            f"Restore it from the starter repository (git checkout -- {lesson}.py)",
        )
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
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        line = _student_line(exc.__traceback__, work_dir)
        where = f" (line {line[1]})" if line else ""
        return (f"importing {lesson}.py raised {type(exc).__name__}: {_first_line(exc)}{where}",
                (f"Run python {lesson}.py and fix the first error; code at the top level runs on import, "
                 "so keep experiments inside functions or under if __name__ == '__main__':"))  # fmt: skip
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


def is_student_file(path: Path, work_dir: Path) -> bool:
    """A lesson module or notebook of the student's: a ``.py`` or ``.ipynb`` directly in ``work_dir``.

    Not what lives in its folders: the public tests (``tests/``) and a virtual environment made
    in the repository (``.venv/``, as the student README says), which holds pytest and the
    autograder itself; their frames are not the student's code.
    """
    return path.parent == work_dir and path.suffix in (".py", ".ipynb")


def _student_line(tb: types.TracebackType | None, work_dir: Path) -> tuple[str, int, str] | None:
    """(file name, line, function) of the last traceback frame in the student's code (not the tests)."""
    found = None
    tests = work_dir / "tests"
    for frame, lineno in traceback.walk_tb(tb):
        try:
            path = Path(frame.f_code.co_filename).resolve()
        except (OSError, ValueError):
            continue
        if is_student_file(path, work_dir):
            found = (path.name, lineno, frame.f_code.co_name)
        elif frame.f_globals.get("__name__") == "__main__" and not path.is_relative_to(tests):
            found = ("your notebook", lineno, frame.f_code.co_name)  # names injected by check()
    return found


class _Timeout(BaseException):
    """Raised in the test's thread when a public test runs too long (BaseException: student code may catch Exception)."""


class _Collector:
    """A pytest plugin: turns each public test's end into a ``PublicTest``."""

    def __init__(self, work_dir: Path, lessons: set[str], timeout: float, notebook: bool = False) -> None:
        self.work_dir = work_dir
        self.lessons = lessons
        self.timeout = timeout
        self.notebook = notebook  # the lessons are a notebook's definitions (check()): hints say so
        self.outcomes: dict[str, list[PublicTest]] = {}
        self.can_alarm = (
            timeout > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )

    def _lesson(self, where: str) -> str:
        """The lesson of a test file, from its path or node id (a node id outside the rootdir may have no path)."""
        stem = Path(where.split("::")[0]).stem
        return stem.removeprefix("test_")

    def pytest_collectreport(self, report: Any) -> None:
        where = str(getattr(report, "fspath", "") or report.nodeid)
        if report.failed and where.endswith(".py"):
            lesson = self._lesson(where)
            text = str(report.longrepr).strip().splitlines()
            last = next((line for line in reversed(text) if line.strip().startswith("E ")), text[-1] if text else "")
            message = f"the public tests for {lesson} could not load: {last.strip().removeprefix('E').strip()}"
            hint = "Check that your module defines every function of the stub, with the same names."
            self.outcomes.setdefault(f"{lesson}::collect", []).append(
                PublicTest(lesson, "(collect)", "error", message, hint)
            )

    def _alarm(self, signum: int, frame: Any) -> None:
        raise _Timeout()

    def pytest_runtest_makereport(self, item: Any, call: Any) -> None:
        if call.when == "setup" and call.excinfo is None:
            return
        if call.when == "teardown" and call.excinfo is None:
            return
        lesson = self._lesson(str(getattr(item, "path", "") or item.nodeid))  # tests=... may be outside the rootdir
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

    def _docstring(self, lesson: str, test: str) -> str:
        """Where the student reads what the tested function must do: "the docstring of sigmoid above"."""
        module = sys.modules.get(lesson)
        functions = (
            [k for k, v in vars(module).items() if isinstance(v, types.FunctionType) and not k.startswith("_")]
            if module
            else []
        )
        function = max((f for f in functions if f"_{f}_" in f"_{test}_"), key=len, default="")
        if self.notebook:
            return (
                f"the docstring of {function} above, in your notebook"
                if function
                else "the docstrings in your notebook"
            )
        return f"the docstring of {function} in {lesson}.py" if function else f"the docstrings of {lesson}.py"

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
        if (
            isinstance(exc, AttributeError)
            and getattr(exc, "name", None)
            and isinstance(owner := getattr(exc, "obj", None), types.ModuleType)
        ):
            mod = owner.__name__
            if mod in self.lessons:
                return ("missing", f"{mod} has no function {exc.name}",
                        "Keep the function names and signatures of the stub; run the cell or save the file that defines it.")  # fmt: skip
        if isinstance(exc, AssertionError) and not where:
            text = str(exc).strip() or f"a check in {test} failed"
            return (
                "failed",
                text,
                f"Try the example from this message yourself and compare with {self._docstring(lesson, test)}.",
            )
        if where:
            line = f" ({where[0]}, line {where[1]})"
            who = f"{func} raised" if func else "your code raised"
            return ("error", f"{who} {type(exc).__name__}: {_first_line(exc)}{line}",
                    "Call the function yourself with the input of this test and read the traceback.")  # fmt: skip
        return ("failed", f"{test}: your answer could not be checked ({type(exc).__name__}: {_first_line(exc)})",
                "Check the type and shape your function returns against its docstring.")  # fmt: skip


def run_pytest(work_dir: Path, files: list[Path], lessons: set[str], timeout: float,
               notebook: bool = False) -> dict[str, list[PublicTest]]:  # fmt: skip
    import pytest

    collector = _Collector(work_dir, lessons, timeout, notebook)

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
