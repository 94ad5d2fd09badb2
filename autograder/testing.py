"""Checks for hidden-test authors, with messages written for students.

Every check raises ``Mismatch`` (an ``AssertionError``) whose message says
what was received and what was expected, and carries a one-line hint. The
plugin shows the message and the hint; it never shows the test's source.
Inputs are shown as hypothesis's minimal failing call ("Smallest failing input"), or by the
``call`` text the test passes in.

    got = student.activations.sigmoid(z)
    expect_close(got, reference.activations.sigmoid(z), call="sigmoid(z)",
                 hint="Use a form that never computes exp of a large positive number.")

A ``call`` ending in ``[i] (name)`` names part ``i`` of what the call returned
(``"lif_simulate(current)[0] (v)"``); messages then read "lif_simulate(current)
returned ... as element [0] (v)". Values are shown as plain numbers (``0.5``,
``6.0``, ``[6.0 1.5]``), never numpy's ``np.float64(0.5)`` or ``6.``; ``plain_reprs``
does the same for a message a test wrote with ``{value!r}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "Mismatch",
    "fail",
    "show",
    "plain_reprs",
    "as_array",
    "expect_close",
    "expect_equal",
    "expect_shape",
    "expect_float",
    "expect_true",
    "expect_correct_first",
    "needs_correct_answer",
    "reshaped_like",
]


class Mismatch(AssertionError):
    """A student's answer is wrong. ``hint`` is one line on what to try."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def fail(message: str, hint: str = "") -> None:
    """Fail the test with ``message`` (what went wrong, in the student's terms) and a one-line ``hint``."""
    raise Mismatch(message, hint)


def show(value: Any, *, width: int = 12) -> str:
    """A short, readable rendering of a value for a message: plain numbers, arrays with shape and dtype."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        text = _array_text(arr, width)
        if arr.ndim == 0:
            return f"{text} ({arr.dtype})"
        return f"{text} (shape {arr.shape}, {arr.dtype})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v, width=width)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) and len(value) > width:
        return f"{type(value).__name__} of {len(value)} items"
    text = _plain(value)
    return text if len(text) < 300 else text[:300] + "..."


def _float(x: Any) -> str:
    """A float as people write it, to 6 significant digits: 0.5, 6.0, -0.06, 1e-09, nan."""
    text = f"{float(x):.6g}"
    return text if any(c in text for c in ".ein") else text + ".0"


def _array_text(arr: np.ndarray, width: int = 12) -> str:
    return np.array2string(arr, threshold=width, edgeitems=3, max_line_width=100, separator=" ",
                           formatter={"float_kind": _float})  # fmt: skip


def _plain(value: Any) -> str:
    """``repr`` with numpy scalars as the Python numbers they hold (``0.5``, not ``np.float64(0.5)``)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        return _array_text(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_plain, value)) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_plain, value)) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _number(x: Any) -> str:
    """One number in full precision, as Python prints a float (0.7310585786300049, 6.0)."""
    return repr(float(x)) if np.ndim(x) == 0 and np.isreal(x) else _plain(x)


_NUMPY_REPR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str|bytes)_?\d*\(([^()]*)\)|\bnp\.(True|False)_")


def plain_reprs(text: str) -> str:
    """``text`` with numpy 2's scalar reprs as plain values:
    ``np.float64(0.5)`` -> ``0.5``, ``np.True_`` -> ``True``."""
    return _NUMPY_REPR.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


_PART = re.compile(r"^(?P<call>.+?)\[(?P<index>\d+)\] \((?P<name>[\w ]+)\)$", re.DOTALL)


def _returned(call: str, what: str) -> str:
    """ "<call> returned <what>"; for a part of the result ("<call>[0] (v)"):
    "<call> returned <what> as element [0] (v)"."""
    part = _PART.match(call)
    if part is None:
        return f"{call} returned {what}"
    return f"{part['call']} returned {what} as element [{part['index']}] ({part['name']})"


def as_array(got: Any, *, call: str, hint: str = "") -> np.ndarray:
    """The student's answer as a numeric array, or a Mismatch saying why it is not one."""
    try:
        arr = np.asarray(got)
    except Exception:  # ragged lists and the like
        fail(f"{_returned(call, show(got))}, which is not an array of numbers", hint or "Return a numpy array.")
    if arr.dtype.kind not in "biuf":
        fail(
            f"{_returned(call, show(got))}, which is not an array of numbers", hint or "Return a numpy array of floats."
        )
    return arr


def expect_shape(got: Any, shape: tuple[int, ...], *, call: str, hint: str = "") -> np.ndarray:
    """The answer as an array of exactly ``shape``; otherwise a message naming both shapes."""
    arr = as_array(got, call=call, hint=hint)
    if arr.shape != tuple(shape):
        fail(
            f"{_returned(call, f'an array of shape {arr.shape}')}, expected shape {tuple(shape)}",
            hint or "Keep the input's shape: work element by element, and do not flatten or sum.",
        )
    return arr


def expect_float(got: Any, *, call: str, hint: str = "") -> np.ndarray:
    """The answer as a floating-point array (an integer array fails: "use floats")."""
    arr = as_array(got, call=call, hint=hint)
    if arr.dtype.kind != "f":
        fail(
            f"{_returned(call, f'values of dtype {arr.dtype}')}, expected floating-point numbers",
            hint or "Convert the input with np.asarray(x, dtype=float) first, so integer input gives float output.",
        )
    return arr


def expect_close(
    got: Any,
    want: Any,
    *,
    call: str,
    rtol: float = 1e-7,
    atol: float = 1e-12,
    hint: str = "",
    check_dtype: bool = True,
) -> np.ndarray:
    """``got`` has ``want``'s shape, is floating (if ``want`` is), finite where ``want`` is, and close to it.

    float32 answers (or references) are compared at float32 precision (rtol 1e-5, atol 1e-6).
    """
    want_arr = np.asarray(want)
    arr = expect_shape(got, want_arr.shape, call=call, hint=hint)
    if check_dtype and want_arr.dtype.kind == "f":
        expect_float(arr, call=call, hint=hint)
    if np.float32 in (arr.dtype, want_arr.dtype) or np.float16 in (arr.dtype, want_arr.dtype):
        # Compared at float32 precision: different but correct float32 formulas round differently,
        # and cancellation (1 - s near s = 1) turns that into absolute errors near float32's epsilon.
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6)
    a = arr.astype(np.float64)
    w = want_arr.astype(np.float64)
    bad_nan = np.isnan(a) & ~np.isnan(w)
    if bad_nan.any():
        idx = _first(bad_nan)
        fail(
            f"{_returned(call, 'NaN' + _at(idx))} where the right answer is {_number(w[idx])}; "
            f"you returned {show(arr)}",
            hint or "NaN usually comes from inf/inf or 0*inf: look for an overflow in exp().",
        )
    bad_inf = np.isinf(a) & ~np.isinf(w)
    if bad_inf.any():
        idx = _first(bad_inf)
        fail(
            f"{_returned(call, _number(a[idx]) + _at(idx))} where the right answer is {_number(w[idx])}; "
            f"you returned {show(arr)}",
            hint or "An infinity usually means exp() overflowed: rewrite so the exponent is never large and positive.",
        )
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(a, w, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        idx = _first(~close)
        if arr.ndim:
            detail = f" (first difference{_at(idx)}: got {_number(a[idx])}, expected {_number(w[idx])})"
        else:  # the six digits shown may be equal
            detail = "" if _float(a) != _float(w) else f" (in full: got {_number(a)}, expected {_number(w)})"
        fail(f"{_returned(call, show(arr))}, expected {show(want_arr)}{detail}", hint)
    return arr


def expect_equal(got: Any, want: Any, *, call: str, hint: str = "") -> np.ndarray:
    """Exact equality of numeric arrays (0/1 predictions, integer indices)."""
    want_arr = np.asarray(want)
    arr = expect_shape(got, want_arr.shape, call=call, hint=hint)
    if not np.array_equal(arr, want_arr):
        idx = _first(arr != want_arr)
        where = f" (first difference{_at(idx)})" if arr.ndim else ""
        fail(f"{_returned(call, show(arr))}, expected {show(want_arr)}{where}", hint)
    return arr


def expect_true(condition: bool, message: str, hint: str = "") -> None:
    """Fail with ``message`` and ``hint`` unless ``condition`` holds: for properties no other check names."""
    if not condition:
        fail(message, hint)


@contextmanager
def needs_correct_answer(point: str) -> Iterator[None]:
    """Checks inside this block gate a hygiene point: a Mismatch says the point needs a correct answer first.

    A hygiene property such as "leaves its arguments unchanged" holds for a function that returns
    a constant, NaN or any garbage; without a gate such an answer would earn more than an honest
    ``raise NotImplementedError``. ``point`` names the property ("leaving z unchanged").
    """
    try:
        yield
    except Mismatch as err:
        fail(
            f"the point for {point} needs a correct answer first, and {err}",
            err.hint or "Make the function compute the right answer; this point is for doing so without side effects.",
        )


def expect_correct_first(
    got: Any, want: Any, *, call: str, point: str, rtol: float = 1e-9, atol: float = 1e-12
) -> np.ndarray:
    """Gate a hygiene point on ``got`` having ``want``'s values (``needs_correct_answer``).

    Only the values are judged (same number of them, close), not the shape or dtype: those slips
    cost the tests that name them. Check the property first (a mutation is then reported as such),
    then gate with the value the hygiene check's own call returned, on an input away from the
    lesson's boundary cases (z = 0 and the like), so a boundary slip costs only the test that
    names it, not the hygiene point too.

        value, (after,) = student.gates.step.with_inputs(z.copy())
        expect_close(after, z, call="the argument z after calling step(z)", rtol=0, atol=0)
        expect_correct_first(value, reference.gates.step(z), call="step(z)", point="leaving z unchanged")
    """
    with needs_correct_answer(point):
        arr = as_array(got, call=call)
        want_arr = np.asarray(want, dtype=np.float64)
        if arr.size != want_arr.size:
            expect_shape(arr, want_arr.shape, call=call)
        expect_close(
            arr.astype(np.float64).reshape(-1), want_arr.reshape(-1), call=call, rtol=rtol, atol=atol, check_dtype=False
        )
    return arr


def reshaped_like(got: Any, want: Any) -> Any:
    """``got`` in ``want``'s shape when it holds the same number of values in another shape, else ``got`` unchanged.

    For tests that judge values: a (1,) array for a number, a squeezed (m,) for (m, 1) or a flattened
    array is then judged on its values, and the shape costs only the test that names it.
    """
    shape = np.shape(want)
    if isinstance(got, (np.ndarray, np.generic)) and np.shape(got) != shape and np.size(got) == int(np.prod(shape)):
        return np.reshape(got, shape)
    return got


def _at(idx: tuple[int, ...] | int) -> str:
    return f" at index {idx}" if idx != () else ""


def _first(mask: np.ndarray) -> tuple[int, ...] | int:
    if mask.ndim == 0:
        return ()
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return idx[0] if len(idx) == 1 else idx
