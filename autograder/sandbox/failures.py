"""What went wrong in the student's code, as the ``student`` object reports it.

Three small pieces ``StudentSession`` uses: turning what the worker said it
raised into a ``StudentCodeError`` with a student-facing message
(``from_raised``), re-raising a remembered failure as a fresh exception
(``again``), and the call graph of a module's functions, parsed from its
source and never run (``names_used_by_functions``, ``reachable``), so that a
function that hung also fails every function that calls it, at once.
"""

from __future__ import annotations

from autograder.errors import StudentCodeError, StudentCrashed, StudentRaised

__all__ = ["again", "from_raised", "names_used_by_functions", "reachable", "render_args"]


def render_args(args: tuple, kwargs: dict, limit: int = 300) -> str:
    """A short rendering of call arguments for a message."""
    import numpy as np

    def one(v: object) -> str:
        if isinstance(v, np.ndarray):
            return np.array2string(v, threshold=8, edgeitems=2, precision=4) + (
                f" (shape {v.shape})" if v.ndim > 1 else ""
            )
        return repr(v)

    text = ", ".join([one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()])
    return text if len(text) <= limit else text[:limit] + "..."


def names_used_by_functions(source: bytes) -> dict[str, set[str]]:
    """{top-level function: names its body uses}, parsed (never run); empty when the source does not parse."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    graph: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            try:
                graph[node.name] = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            except RecursionError:
                graph[node.name] = set()
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        for used in graph.get(name, ()):
            if used in graph and used not in seen:
                seen.add(used)
                todo.append(used)
    return seen


def again(err: StudentCodeError) -> StudentCodeError:
    """A fresh exception with the same message (exceptions carry tracebacks and notes; don't reuse)."""
    fresh = type(err).__new__(type(err))
    fresh.__dict__.update(err.__dict__)
    fresh.args = err.args
    return fresh


_FRIENDLY = {
    "MemoryError": (StudentCrashed, "used more memory than the sandbox allows"),
    "RecursionError": (StudentRaised, "recursed too deeply (RecursionError)"),
    "SystemExit": (StudentRaised, "tried to exit the program (SystemExit)"),
    "KeyboardInterrupt": (StudentRaised, "raised KeyboardInterrupt"),
}


def from_raised(raised: dict, what: str, func: str) -> StudentCodeError:
    exc_type = str(raised.get("type", "Exception"))
    message = str(raised.get("message", ""))
    where = "; ".join(raised.get("where") or [])
    at = f" (at {where})" if where else ""
    if exc_type == "NotImplementedError":
        return StudentRaised(
            f"{what} is not implemented yet (it raises NotImplementedError)",
            exc_type=exc_type,
            where=where,
            hint=f"Replace the `raise NotImplementedError` line in {func}() with your code.",
        )
    if exc_type in _FRIENDLY:
        cls, text = _FRIENDLY[exc_type]
        if cls is StudentCrashed:
            return StudentCrashed(f"{what} {text}{at}")
        return StudentRaised(f"{what} {text}{at}", exc_type=exc_type, where=where)
    detail = f"{exc_type}: {message}" if message else exc_type
    return StudentRaised(
        f"{what} raised {detail}{at}",
        exc_type=exc_type,
        where=where,
        hint="Call your function with the input shown and read the traceback.",
    )
