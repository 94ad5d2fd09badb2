"""The in-process floor: the same hidden tests, the same pytest session, no isolation at all.

``student`` is replaced by the submission's modules imported into the grading
process itself: no worker, no wire, no copies, no timeouts. Everything else
(pytest, the plugin, hypothesis under the grading profile, the reference with
its memo) is the engine's own code, so the difference between the engine and
this floor is exactly what isolation costs. Benchmark only: it runs student
code in the grader, which the engine never does.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator

__all__ = ["in_process_students", "InProcessStudent"]


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

        with warnings.catch_warnings(record=True) as caught, np.errstate(
            over="warn", invalid="warn", divide="warn", under="ignore"
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
        folder = str(self._folder)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        return _Module(importlib.import_module(name))

    def has_module(self, module: str) -> bool:
        return module in self._names

    def module_problems(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


@contextlib.contextmanager
def in_process_students(folder: Path) -> Iterator[None]:
    """While active, every submission graded in this process is ``folder``'s modules, in-process."""
    from autograder import plugin

    student = InProcessStudent(folder)
    saved = plugin.GradingRun.session, plugin.GradingRun._close
    plugin.GradingRun.session = lambda self, label: student  # type: ignore[method-assign]
    plugin.GradingRun._close = lambda self, label: ""  # type: ignore[method-assign]
    try:
        yield
    finally:
        plugin.GradingRun.session, plugin.GradingRun._close = saved  # type: ignore[method-assign]
