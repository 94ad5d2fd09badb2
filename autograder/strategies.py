"""Hypothesis building blocks for hidden tests: named, keyword-only, composable.

The API contract says every array function accepts Python scalars, lists,
0-d arrays and integer or float arrays of any shape, including empty ones;
``array_inputs`` draws exactly that family. Everything is plain data, so
every drawn value can cross into the worker.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "finite_floats",
    "shapes",
    "float_arrays",
    "int_arrays",
    "array_inputs",
    "matrices",
    "vectors",
    "binary_labels",
]


def finite_floats(
    *, min_value: float | None = None, max_value: float | None = None, width: int = 64
) -> st.SearchStrategy[float]:
    """Finite floats, unbounded by default (so ±1e308 and subnormals are drawn)."""
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False, width=width)  # type: ignore[arg-type]  # hypothesis itself rejects a width other than 16, 32, 64


def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 5
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, including 0-d, empty and (n, 1) shapes."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def float_arrays(
    *,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    dtype: type | np.dtype = np.float64,
    min_value: float | None = None,
    max_value: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays of the given (or a drawn) shape."""
    width = np.dtype(dtype).itemsize * 8
    return hnp.arrays(
        dtype=dtype,
        shape=shapes() if shape is None else shape,
        elements=finite_floats(min_value=min_value, max_value=max_value, width=width),
    )


def int_arrays(
    *,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    min_value: int = -1000,
    max_value: int = 1000,
) -> st.SearchStrategy[np.ndarray]:
    """int64 arrays of the given shape (any shape by default) with values in ``[min_value, max_value]``."""
    return hnp.arrays(
        dtype=np.int64, shape=shapes() if shape is None else shape, elements=st.integers(min_value, max_value)
    )


def array_inputs(
    *, min_value: float | None = None, max_value: float | None = None, float32: bool = True
) -> st.SearchStrategy[object]:
    """What an element-wise function must accept: floats, ints, lists, 0-d, empty, int and float arrays."""
    options = [
        finite_floats(min_value=min_value, max_value=max_value),
        st.lists(finite_floats(min_value=min_value, max_value=max_value), max_size=5),
        float_arrays(min_value=min_value, max_value=max_value),
        int_arrays(
            min_value=int(max(min_value, -1000)) if min_value is not None else -1000,
            max_value=int(min(max_value, 1000)) if max_value is not None else 1000,
        ),
    ]
    if float32:
        options.append(float_arrays(dtype=np.float32, min_value=min_value, max_value=max_value))
    return st.one_of(*options)


def vectors(
    *, n: int | st.SearchStrategy[int], min_value: float = -10.0, max_value: float = 10.0
) -> st.SearchStrategy[np.ndarray]:
    """1-d float64 arrays of length ``n`` with moderate values."""
    if isinstance(n, int):
        return float_arrays(shape=(n,), min_value=min_value, max_value=max_value)
    return n.flatmap(lambda k: float_arrays(shape=(k,), min_value=min_value, max_value=max_value))


def matrices(
    *, rows: int, cols: int, min_value: float = -10.0, max_value: float = 10.0
) -> st.SearchStrategy[np.ndarray]:
    """2-d float64 arrays of ``rows`` x ``cols`` with moderate values."""
    return float_arrays(shape=(rows, cols), min_value=min_value, max_value=max_value)


def binary_labels(*, n: int) -> st.SearchStrategy[np.ndarray]:
    """int64 vectors of length ``n`` holding 0 and 1."""
    return hnp.arrays(dtype=np.int64, shape=(n,), elements=st.integers(0, 1))
