"""The ``student`` object's attribute access: ``student.<module>.<function>(...)``.

A ``ModuleProxy`` stands for a lesson module of the submission and a
``FunctionProxy`` for one of its functions; calling it sends the call to the
session's worker. ``with_warnings`` and ``with_inputs`` ask for what the call
emitted and what it did to its arguments, observed inside the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.errors import StudentBadValue

if TYPE_CHECKING:
    from autograder.sandbox.session import StudentSession

__all__ = ["FunctionProxy", "ModuleProxy"]


class ModuleProxy:
    def __init__(self, session: StudentSession, module: str) -> None:
        self._session = session
        self._module = module

    def __getattr__(self, func: str) -> FunctionProxy:
        if func.startswith("_"):
            raise AttributeError(func)
        return FunctionProxy(self._session, self._module, func)


class FunctionProxy:
    def __init__(self, session: StudentSession, module: str, func: str) -> None:
        self._session, self._module, self._func = session, module, func

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._session.call(self._module, self._func, args, kwargs)

    def with_warnings(self, *args: object, **kwargs: object) -> tuple[object, list[str]]:
        """Call, and also return the warnings (numpy overflow, ...) the call emitted."""
        out = self._extras(("warnings",), args, kwargs)
        return out["value"], list(out["warnings"])

    def with_inputs(self, *args: object, **kwargs: object) -> tuple[object, list[object]]:
        """Call, and also return the positional arguments as they are after the call (mutation check)."""
        out = self._extras(("args",), args, kwargs)
        return out["value"], list(out["args"])

    def _extras(self, extras: tuple[str, ...], args: tuple, kwargs: dict) -> dict:
        out = self._session.call(self._module, self._func, args, kwargs, extras=extras)
        if not isinstance(out, dict) or "value" not in out or any(e not in out for e in extras):
            raise StudentBadValue("the process running your code sent a malformed answer")
        return out

    def __repr__(self) -> str:
        return f"<student {self._module}.{self._func}>"
