"""The in-process floor: the same hidden tests, the same pytest session, no isolation at all.

``student`` is replaced by the submission's modules imported into the grading
process itself: no worker, no wire, no copies, no timeouts. Everything else
(pytest, the plugin, hypothesis under the grading profile, the reference with
its memo) is the engine's own code, so the difference between the engine and
this floor is exactly what isolation costs. Benchmark only: it runs student
code in the grader, which the engine never does.

The *replay floor* (``capture_tests`` + ``run_replay_floor``) goes further: no
pytest and no hypothesis either, just every hidden test body called on the
calibration's recorded inputs with the in-process student and a fresh
reference memo. It is what a single submission replaying the artefact
could cost with no isolation and no framework at all.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from autograder.grading._hypothesis import inner_test, is_hypothesis_test

__all__ = ["in_process_students", "InProcessStudent", "capture_tests", "run_replay_floor"]


class _Function:
    def __init__(self, func: Any) -> None:
        self._func = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._func(*args, **kwargs)
        except Exception as exc:  # what the session turns a raise in the worker into
            from autograder.errors import StudentRaised

            name = getattr(self._func, "__name__", "function")
            raise StudentRaised(f"{name}() raised {type(exc).__name__}: {exc}", exc_type=type(exc).__name__) from None

    def with_warnings(self, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        import numpy as np

        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"),
        ):
            warnings.simplefilter("always")
            value = self._func(*args, **kwargs)
        return value, [f"{w.category.__name__}: {w.message}" for w in caught[:20]]

    def with_inputs(self, *args: Any, **kwargs: Any) -> tuple[Any, list[Any]]:
        args = copy.deepcopy(args)  # the engine's worker also works on its own copy of the arguments
        value = self._func(*args, **kwargs)
        return value, list(args)


class _Module:
    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> _Function:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Function(getattr(self._module, name))


class InProcessStudent:
    """Looks like ``StudentSession`` to hidden tests; calls the modules of ``folder`` directly."""

    output = ""

    def __init__(self, folder: Path) -> None:
        self._folder = Path(folder)
        self._names = {p.stem for p in self._folder.glob("*.py")}

    def __getattr__(self, name: str) -> _Module:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(name)
        return _Module(self._load(name))

    def _load(self, name: str) -> Any:
        """The submission's module under a private name: the reference's modules have the same names,
        and ``reference.<module>`` must not get the student's (nor the student the reference's)."""
        key = f"_inprocess_student_{abs(hash(str(self._folder)))}_{name}"
        if key not in sys.modules:
            spec = importlib.util.spec_from_file_location(key, self._folder / f"{name}.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[key] = module
            spec.loader.exec_module(module)
        return sys.modules[key]

    def has_module(self, module: str) -> bool:
        return module in self._names

    def module_problems(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


@contextlib.contextmanager
def in_process_students(folder: Path) -> Iterator[None]:
    """While active, every submission graded in this process is ``folder``'s modules, in-process."""
    from autograder.grading import plugin

    student = InProcessStudent(folder)
    saved = plugin.GradingRun.session, plugin.GradingRun._close
    plugin.GradingRun.session = lambda self, label, lane=0: student  # type: ignore[method-assign]
    plugin.GradingRun._close = lambda self, key: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        plugin.GradingRun.session, plugin.GradingRun._close = saved  # type: ignore[method-assign]


# ----------------------------------------------------------------------------- the replay floor


def capture_tests(course: Any, folder: Path) -> list[tuple[str, Any, dict[str, Any]]]:
    """Every hidden test of ``course`` as (replay key, test function, its fixture values), with the
    modules of ``folder`` as the in-process student. Runs one pytest session that calls no test."""
    import pytest

    from autograder.grading.grade import grade_many
    from autograder.grading.replay import _key
    from autograder.submission import load_submission

    captured: list[tuple[str, Any, dict[str, Any]]] = []

    class Capture:
        @pytest.hookimpl(tryfirst=True)
        def pytest_pyfunc_call(self, pyfuncitem: Any) -> bool:
            args = {a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
            captured.append((_key(pyfuncitem), pyfuncitem.obj, args))
            return True

    with in_process_students(folder):
        grade_many([load_submission(folder)], course, plugins=[Capture()])
    return captured


def run_replay_floor(
    course: Any, tests: list[tuple[str, Any, dict[str, Any]]], book: Any, *, memo: bool = False
) -> float:
    """Seconds to call every hidden test body in-process on the recorded inputs (hypothesis only for
    tests without a recording, as in the engine), with a fresh reference memo (``memo``: one that starts
    from the artefact's answers, as ``autograder grade`` does): nothing but the student's functions, the
    reference and the tests' comparisons."""
    from hypothesis.errors import UnsatisfiedAssumption

    from autograder.grading.reference import ReferenceModules

    reference = ReferenceModules(course.reference_dir)
    if memo:
        reference.preload(book.memo)
    warnings.simplefilter("ignore")  # replay's ``assume`` outside hypothesis warns; pytest hides it in the engine
    t0 = time.perf_counter()
    for key, test, args in tests:
        if "reference" in args:
            args = {**args, "reference": reference}
        rec = book.examples(key) if is_hypothesis_test(test) else None
        if rec is None:
            test(**args)
            continue
        inner = inner_test(test)
        for drawn, _valid in zip(rec.kwargs, rec.valid):
            try:
                inner(**args, **copy.deepcopy(drawn))
            except UnsatisfiedAssumption:
                pass
    return time.perf_counter() - t0
