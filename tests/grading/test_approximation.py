"""Hidden tests for lesson 7, approximation: a one-hidden-layer ReLU network through given knots.

The student's relu_fit weights are evaluated on the trusted side with the
reference relu_net, so they must follow the contract's formula
relu(x * W1 + b1) @ W2 + b2 exactly; only the interval [x_0, x_K] between
the first and last knot is checked (outside it any extension is fine).
Tolerances scale with the sizes of the terms the network adds up.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.strategies import array_inputs, finite_floats, float_arrays
from autograder.testing import expect_close, expect_correct_first, expect_float, expect_shape, expect_true, fail, needs_correct_answer

FIT_HINT = ("Hidden unit j is relu(x - x_j), one per segment; its output weight is the change of slope at x_j "
            "(the first slope for unit 0), and b2 = y_0.")
NET_HINT = "relu_net(x, params) = relu(x[..., None] @ W1 + b1) @ W2 + b2, with the last axis dropped: x's shape."


@st.composite
def knots(draw):
    """(knots_x, knots_y): 2 to 7 knots, x strictly increasing (gaps of at least 0.05), as floats or whole numbers."""
    count = draw(st.integers(2, 7))
    if draw(st.booleans()):
        xs = draw(st.lists(st.integers(-20, 20), min_size=count, max_size=count, unique=True))
        ys = draw(st.lists(st.integers(-20, 20), min_size=count, max_size=count))
        return sorted(xs), ys
    start = draw(finite_floats(min_value=-10, max_value=10))
    gaps = draw(st.lists(finite_floats(min_value=0.05, max_value=5), min_size=count - 1, max_size=count - 1))
    xs = np.cumsum([start, *gaps])
    ys = draw(float_arrays(shape=(count,), min_value=-10, max_value=10))
    return xs, ys


def _params(student, kx, ky, call, params=None):
    """The student's relu_fit weights as float arrays of a 1-h-1 network (any h >= 1: its own test counts the units)."""
    params = student.approximation.relu_fit(kx, ky) if params is None else params
    if not isinstance(params, dict) or not {"W1", "b1", "W2", "b2"} <= set(params):
        fail(f"{call} returned {params!r}, expected a dict with keys 'W1', 'b1', 'W2', 'b2'",
             'return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}')
    W1 = expect_float(params["W1"], call=f"{call}['W1']")
    h = W1.shape[1] if W1.ndim == 2 and W1.shape[0] == 1 and W1.shape[1] >= 1 else None
    if h is None:
        fail(f"{call}['W1'] has shape {W1.shape}, expected (1, h): one row, one column per hidden unit", FIT_HINT)
    shapes = {"W1": (1, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}
    hint = f"With W1 of shape (1, {h}) ({h} hidden units): b1 is ({h},), W2 is ({h}, 1) and b2 is (1,)."
    checked = {}
    for k, shape in shapes.items():
        arr = expect_shape(params[k], shape, call=f"{call}[{k!r}]", hint=hint)
        checked[k] = expect_float(arr, call=f"{call}[{k!r}]")
    return checked


def _atol(params, x) -> float:
    """Rounding allowed in relu(x W1 + b1) @ W2 + b2: eps times the size of the terms, times how many there are."""
    # float32 input may be computed in float32 ("compared at float32 precision"): then eps is float32's.
    eps = np.finfo(np.float32 if np.asarray(x).dtype == np.float32 else np.float64).eps
    W1, b1, W2, b2 = (np.abs(np.asarray(params[k], dtype=float)) for k in ("W1", "b1", "W2", "b2"))
    x = np.abs(np.asarray(x, dtype=float)).reshape(-1, 1)
    scale = float(np.max((x @ W1 + b1) @ W2 + b2, initial=0.0))
    return max(1e-12, 16.0 * (W1.shape[1] + 2) * eps * scale)


@given(data=knots())
def test_relu_fit_uses_one_unit_per_segment(student, data):
    """relu_fit builds one hidden unit per segment: K units for K + 1 knots (W1 (1, K), b1 (K,), W2 (K, 1), b2 (1,))."""
    kx, ky = data
    call = "relu_fit(knots_x, knots_y)"
    segments = len(kx) - 1
    params = _params(student, kx, ky, call)
    h = params["W1"].shape[1]
    expect_true(h == segments, f"{call} for {len(kx)} knots returned {h} hidden units (W1 of shape (1, {h})), expected "
                f"{segments}: one unit per segment between neighbouring knots",
                f"{len(kx)} knots make {segments} segment{'s' if segments > 1 else ''}: unit j is relu(x - x_j) for "
                "j = 0 .. K - 1; the last knot needs no unit of its own.")


@given(data=knots())
def test_relu_fit_passes_through_every_knot(student, reference, data):
    """The network with relu_fit's weights passes through every knot."""
    kx, ky = data
    call = "relu_fit(knots_x, knots_y)"
    params = _params(student, kx, ky, call)
    got = reference.approximation.relu_net(np.asarray(kx, dtype=float), params)
    expect_close(got, np.asarray(ky, dtype=float), call=f"the network from {call}, evaluated at knots_x,",
                 rtol=1e-9, atol=_atol(params, kx), hint=FIT_HINT)


@given(data=knots(), t=st.lists(finite_floats(min_value=0.0, max_value=1.0), min_size=1, max_size=4))
def test_relu_fit_is_linear_between_knots(student, reference, data, t):
    """Between neighbouring knots the network is the straight line joining them."""
    kx, ky = np.asarray(data[0], dtype=float), np.asarray(data[1], dtype=float)
    params = _params(student, data[0], data[1], "relu_fit(knots_x, knots_y)")
    t = np.asarray(t)
    # Points a fraction t of the way along every segment, and the straight line's height there.
    x = (kx[:-1, None] + t * (kx[1:, None] - kx[:-1, None])).ravel()
    line = (ky[:-1, None] + t * (ky[1:, None] - ky[:-1, None])).ravel()
    slope_scale = float(np.max(np.abs(np.diff(ky) / np.diff(kx)))) * float(np.ptp(kx)) + float(np.max(np.abs(ky)))
    atol = max(_atol(params, x), 64 * np.finfo(float).eps * slope_scale)
    got = reference.approximation.relu_net(x, params)
    expect_close(got, line, call="the network from relu_fit(knots_x, knots_y), evaluated between the knots,",
                 rtol=1e-9, atol=atol, hint=FIT_HINT)


def _as_shape(got, want):
    """The right number of values in another shape (a (..., 1) column, a flattened array) takes want's shape here:
    the shape has its own test (test_relu_net_keeps_the_input_shape), the other tests judge the values."""
    if isinstance(got, np.ndarray) and got.shape != np.shape(want) and got.size == np.size(want):
        return got.reshape(np.shape(want))
    return got


@st.composite
def networks(draw):
    """Random weights of a 1-h-1 ReLU network (h from 1 to 5)."""
    h = draw(st.integers(1, 5))
    arr = lambda shape: draw(float_arrays(shape=shape, min_value=-10.0, max_value=10.0))  # noqa: E731
    return {"W1": arr((1, h)), "b1": arr((h,)), "W2": arr((h, 1)), "b2": arr((1,))}


@given(params=networks(), x=array_inputs(min_value=-100, max_value=100))
def test_relu_net_matches_reference(student, reference, params, x):
    """relu_net(x, params) matches the reference for any weights, on scalars, lists and arrays of any shape."""
    want = reference.approximation.relu_net(x, params)
    expect_close(_as_shape(student.approximation.relu_net(x, params), want), want,
                 call="relu_net(x, params)", rtol=1e-9, atol=_atol(params, x), hint=NET_HINT)


def test_relu_net_keeps_the_input_shape(student, reference):
    """relu_net returns one value per element of x, in x's shape: scalars, empty arrays, 2-d arrays."""
    params = reference.approximation.relu_fit([0.0, 1.0, 3.0], [1.0, -1.0, 2.0])
    for x in (0.5, np.float64(2.0), np.array(1.0), np.zeros(0), np.array([[0.0, 1.0, 2.0], [3.0, 0.5, 2.5]]),
              np.array([[0.5], [1.5]]), [0, 1, 2, 3]):
        want = reference.approximation.relu_net(x, params)
        shown = f"an array of shape {np.shape(x)}" if isinstance(x, np.ndarray) else repr(x)
        expect_close(student.approximation.relu_net(x, params), want, call=f"relu_net(x, params) for x = {shown}",
                     hint="Return x's shape: evaluate x[..., None] and drop the last axis, no ravel, no (m, 1) column.")


def test_relu_network_approximates_a_curve(student, reference, record):
    """Your relu_fit and relu_net together draw the straight-line interpolant of sin through 9 knots."""
    knots_x = np.linspace(0.0, 2 * np.pi, 9)
    knots_y = np.sin(knots_x)
    params = student.approximation.relu_fit(knots_x, knots_y)
    x = np.linspace(0.0, 2 * np.pi, 201)
    got = _as_shape(student.approximation.relu_net(x, params), x)
    drawn = np.asarray(got) if isinstance(got, np.ndarray) and got.dtype.kind in "iuf" else np.zeros(0)
    record("fit", {"x": x, "student": drawn.astype(float) if drawn.shape == x.shape else [],
                   "target": np.sin(x), "knots_x": knots_x, "knots_y": knots_y})
    expect_close(got, np.interp(x, knots_x, knots_y), rtol=1e-9, atol=1e-9,
                 call="relu_net(x, relu_fit(knots_x, knots_y)) for 9 knots on sin(x), 0 <= x <= 2 pi,",
                 hint="The network should join neighbouring knots with straight lines: " + FIT_HINT)


def test_inputs_are_not_modified(student, reference):
    """relu_fit and relu_net compute the right values and leave their arguments unchanged."""
    kx, ky = np.array([-1.0, 0.5, 2.0, 4.0]), np.array([2.0, -1.0, 0.0, 3.0])
    hint = "Compute into new arrays: no +=, *= or [...] = on an argument or a view of it (x[:-1] is a view)."
    call = "relu_fit(knots_x, knots_y)"
    value, (kx_after, ky_after) = student.approximation.relu_fit.with_inputs(kx.copy(), ky.copy())
    expect_close(kx_after, kx, call="the argument knots_x after calling relu_fit(knots_x, knots_y)", rtol=0, atol=0, hint=hint)
    expect_close(ky_after, ky, call="the argument knots_y after calling relu_fit(knots_x, knots_y)", rtol=0, atol=0, hint=hint)
    with needs_correct_answer("leaving knots_x and knots_y unchanged in relu_fit"):  # then the gate
        fitted = _params(student, kx, ky, call, params=value)
        expect_close(reference.approximation.relu_net(kx, fitted), ky, call=f"the network from {call}, evaluated at knots_x,",
                     rtol=1e-9, atol=1e-9, hint=FIT_HINT)
    params = reference.approximation.relu_fit(kx, ky)
    x = np.array([[-1.0, 0.0], [1.5, 3.0]])
    value, (x_after, p_after) = student.approximation.relu_net.with_inputs(x.copy(), {k: v.copy() for k, v in params.items()})
    expect_close(x_after, x, call="the argument x after calling relu_net(x, params)", rtol=0, atol=0, hint=hint)
    for k, v in params.items():
        expect_close(p_after[k], v, call=f"params[{k!r}] after calling relu_net(x, params)", rtol=0, atol=0, hint=hint)
    expect_correct_first(value, reference.approximation.relu_net(x, params), call="relu_net(x, params)",
                         point="leaving x and params unchanged in relu_net")
