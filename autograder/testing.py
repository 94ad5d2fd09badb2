"""Checks for hidden-test authors, with messages written for students.

Every check raises ``Mismatch`` (an ``AssertionError``) whose message says
what was received and what was expected, and carries a one-line hint. The
plugin shows the message and the hint; it never shows the test's source.
Inputs are shown as hypothesis's minimal failing call ("Smallest failing input"), or by the
``call`` text the test passes in.

    got = student.activations.sigmoid(z)
    expect_close(got, reference.activations.sigmoid(z), call="sigmoid(z)",
                 hint="Use a form that never computes exp of a large positive number.")
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

__all__ = [
    "Mismatch",
    "fail",
    "show",
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
    raise Mismatch(message, hint)


def show(value: Any, *, width: int = 12) -> str:
    """A short, readable rendering of a value for a message."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        text = np.array2string(arr, threshold=width, edgeitems=3, precision=6, max_line_width=100)
        if arr.ndim == 0:
            return f"{text} ({arr.dtype})"
        return f"{text} (shape {arr.shape}, {arr.dtype})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v, width=width)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) and len(value) > width:
        return f"{type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def as_array(got: Any, *, call: str, hint: str = "") -> np.ndarray:
    """The student's answer as a numeric array, or a Mismatch saying why it is not one."""
    try:
        arr = np.asarray(got)
    except Exception:  # ragged lists and the like
        fail(f"{call} returned {show(got)}, which is not an array of numbers", hint or "Return a numpy array.")
    if arr.dtype.kind not in "biuf":
        fail(f"{call} returned {show(got)}, which is not an array of numbers", hint or "Return a numpy array of floats.")
    return arr


def expect_shape(got: Any, shape: tuple[int, ...], *, call: str, hint: str = "") -> np.ndarray:
    arr = as_array(got, call=call, hint=hint)
    if arr.shape != tuple(shape):
        fail(
            f"{call} returned an array of shape {arr.shape}, expected shape {tuple(shape)}",
            hint or "Keep the input's shape: work element by element, and do not flatten or sum.",
        )
    return arr


def expect_float(got: Any, *, call: str, hint: str = "") -> np.ndarray:
    arr = as_array(got, call=call, hint=hint)
    if arr.dtype.kind != "f":
        fail(
            f"{call} returned values of dtype {arr.dtype}, expected floating-point numbers",
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
            f"{call} returned NaN at index {idx} where the right answer is {w[idx]!r}; you returned {show(arr)}",
            hint or "NaN usually comes from inf/inf or 0*inf: look for an overflow in exp().",
        )
    bad_inf = np.isinf(a) & ~np.isinf(w)
    if bad_inf.any():
        idx = _first(bad_inf)
        fail(
            f"{call} returned {a[idx]} at index {idx} where the right answer is {w[idx]!r}; you returned {show(arr)}",
            hint or "An infinity usually means exp() overflowed: rewrite so the exponent is never large and positive.",
        )
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(a, w, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        idx = _first(~close)
        fail(
            f"{call} returned {show(arr)}, expected {show(want_arr)} "
            f"(first difference at index {idx}: got {a[idx]!r}, expected {w[idx]!r})",
            hint,
        )
    return arr


def expect_equal(got: Any, want: Any, *, call: str, hint: str = "") -> np.ndarray:
    """Exact equality of numeric arrays (0/1 predictions, integer indices)."""
    want_arr = np.asarray(want)
    arr = expect_shape(got, want_arr.shape, call=call, hint=hint)
    if not np.array_equal(arr, want_arr):
        idx = _first(arr != want_arr)
        fail(f"{call} returned {show(arr)}, expected {show(want_arr)} (first difference at index {idx})", hint)
    return arr


def expect_true(condition: bool, message: str, hint: str = "") -> None:
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
        fail(f"the point for {point} needs a correct answer first, and {err}",
             err.hint or "Make the function compute the right answer; this point is for doing so without side effects.")


def expect_correct_first(got: Any, want: Any, *, call: str, point: str, rtol: float = 1e-9, atol: float = 1e-12) -> np.ndarray:
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
        expect_close(arr.astype(np.float64).reshape(-1), want_arr.reshape(-1), call=call, rtol=rtol, atol=atol,
                     check_dtype=False)
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


def _first(mask: np.ndarray) -> tuple[int, ...] | int:
    if mask.ndim == 0:
        return ()  # type: ignore[return-value]
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return idx[0] if len(idx) == 1 else idx
