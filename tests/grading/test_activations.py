"""Hidden tests for lesson 1, activations: values, stability, dtypes, shapes and derivatives."""

import weakref

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.errors import StudentCodeError, StudentStop
from autograder.strategies import array_inputs, finite_floats, float_arrays
from autograder.testing import expect_close, expect_correct_first, expect_equal, expect_float, expect_true

EXTREMES = np.array([-1e308, -1000.0, -710.0, -709.0, -40.0, -1.0, -0.0, 0.0, 1e-300, 1.0, 40.0, 709.0, 710.0, 1000.0, 1e308])
GRID = np.linspace(-6, 6, 121)
_CURVES_DONE: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()


def _record_curve(student, reference, record, name):
    """Once per submission and function: the student's curve next to the reference's, for the HTML report.

    A function that fails on the grid is simply left out of the plot; the test's own examples report it.
    """
    done = _CURVES_DONE.setdefault(student, set())
    if name in done:
        return
    done.add(name)
    want = getattr(reference.activations, name)(GRID)
    try:
        got = getattr(student.activations, name)(GRID)
        got = np.asarray(got, dtype=float).tolist() if np.shape(got) == GRID.shape else None
    except (StudentCodeError, StudentStop, TypeError, ValueError):
        got = None
    curves = {"z": GRID, "reference": {name: want}}
    if got is not None:
        curves["student"] = {name: got}
    record("curves", curves)


STABLE_HINT = "Never compute exp of a large positive number: use exp(-|z|), which is always between 0 and 1."


@given(z=array_inputs())
def test_sigmoid_matches_reference(student, reference, record, z):
    """sigmoid matches the reference on scalars, lists and arrays of any shape and dtype."""
    _record_curve(student, reference, record, "sigmoid")
    expect_close(student.activations.sigmoid(z), reference.activations.sigmoid(z), call="sigmoid(z)",
                 hint="sigmoid(z) = 1 / (1 + exp(-z)), applied to every element; keep the input's shape.")


def test_sigmoid_is_stable_for_extreme_inputs(student, reference):
    """sigmoid gives finite, correct values without numpy warnings for inputs up to ±1e308."""
    got, warnings = student.activations.sigmoid.with_warnings(EXTREMES)
    call = f"sigmoid({np.array2string(EXTREMES, separator=', ')})"
    expect_close(got, reference.activations.sigmoid(EXTREMES), call=call, hint=STABLE_HINT)
    expect_true(not warnings, f"{call} emitted a numpy warning: {warnings[0] if warnings else ''}", STABLE_HINT)


@given(z=float_arrays())
def test_sigmoid_symmetry_and_range(student, z):
    """sigmoid(-z) = 1 - sigmoid(z) and 0 <= sigmoid(z) <= 1."""
    s = expect_float(student.activations.sigmoid(z), call="sigmoid(z)")
    s_neg = expect_float(student.activations.sigmoid(-z), call="sigmoid(-z)")
    expect_true(bool(np.all((s >= 0) & (s <= 1))), f"sigmoid(z) returned values outside [0, 1]: {s}",
                "A sigmoid is a probability-like squashing function: its values lie between 0 and 1.")
    expect_close(s_neg, 1 - s, call="sigmoid(-z) compared with 1 - sigmoid(z)", rtol=1e-9, atol=1e-12,
                 hint="The logistic curve is symmetric around (0, 0.5).")


@given(z=st.one_of(st.integers(-50, 50), st.lists(st.integers(-50, 50), max_size=4)))
def test_sigmoid_returns_floats_for_integer_input(student, z):
    """sigmoid of integers returns float64, not a rounded integer array."""
    got = student.activations.sigmoid(z)
    expect_float(got, call=f"sigmoid({z!r})",
                 hint="Convert with np.asarray(z, dtype=float) first; filling np.zeros_like(z) keeps an int dtype.")
    expect_close(got, 1 / (1 + np.exp(-np.asarray(z, dtype=float))), call=f"sigmoid({z!r})")


# Away from 0 (where relu' is a convention with its own test): the hygiene point needs correct values first.
@given(z=float_arrays(shape=st.tuples(st.integers(1, 5)), min_value=-50, max_value=50).map(lambda z: np.where(z == 0, 0.5, z)))
def test_activations_do_not_modify_their_input(student, reference, z):
    """sigmoid, tanh, relu and their derivatives compute the right values and leave their argument unchanged."""
    for name in ("sigmoid", "tanh", "relu", "sigmoid_grad", "tanh_grad", "relu_grad"):
        value, (after,) = getattr(student.activations, name).with_inputs(z.copy())
        expect_close(after, z, call=f"the array z after calling {name}(z)", rtol=0, atol=0,
                     hint=f"{name} must compute into a new array: avoid z[...] = ..., z += ..., out=z.")
        expect_correct_first(value, getattr(reference.activations, name)(z), call=f"{name}(z)",
                             point=f"leaving z unchanged in {name}(z)")


@given(z=array_inputs())
def test_tanh_matches_reference(student, reference, record, z):
    """tanh matches the reference on every kind of input."""
    _record_curve(student, reference, record, "tanh")
    expect_close(student.activations.tanh(z), reference.activations.tanh(z), call="tanh(z)",
                 hint="np.tanh works element by element; convert integer input to float first.")


@given(z=float_arrays(min_value=-300, max_value=300))
def test_tanh_is_a_stretched_sigmoid(student, reference, z):
    """tanh(z) = 2 sigmoid(2z) - 1."""
    expect_close(student.activations.tanh(z), 2 * reference.activations.sigmoid(2 * z) - 1, call="tanh(z)",
                 rtol=1e-9, atol=1e-12)


@given(z=array_inputs())
def test_relu_matches_reference(student, reference, record, z):
    """relu matches the reference (floats out, same shape) on every kind of input."""
    _record_curve(student, reference, record, "relu")
    expect_close(student.activations.relu(z), reference.activations.relu(z), call="relu(z)",
                 hint="relu(z) = max(0, z) element by element: np.maximum(z, 0), as floats.")


@given(z=float_arrays())
def test_relu_properties(student, z):
    """relu(relu(z)) = relu(z) and relu(z) - relu(-z) = z."""
    r = expect_float(student.activations.relu(z), call="relu(z)")
    expect_close(student.activations.relu(r), r, call="relu(relu(z))", rtol=0, atol=0)
    expect_close(r - expect_float(student.activations.relu(-z), call="relu(-z)"), z,
                 call="relu(z) - relu(-z) compared with z", rtol=0, atol=0,
                 hint="Negative inputs become 0, positive inputs pass through unchanged.")


@given(z=array_inputs(min_value=-700, max_value=700))
def test_sigmoid_grad_matches_reference(student, reference, record, z):
    """sigmoid_grad matches sigmoid(z) * (1 - sigmoid(z))."""
    _record_curve(student, reference, record, "sigmoid_grad")
    expect_close(student.activations.sigmoid_grad(z), reference.activations.sigmoid_grad(z),
                 call="sigmoid_grad(z)", rtol=1e-6, atol=1e-12,
                 hint="The derivative of the sigmoid is s * (1 - s) with s = sigmoid(z).")


@given(z=array_inputs(min_value=-300, max_value=300))
def test_tanh_grad_matches_reference(student, reference, record, z):
    """tanh_grad matches 1 - tanh(z)^2."""
    _record_curve(student, reference, record, "tanh_grad")
    expect_close(student.activations.tanh_grad(z), reference.activations.tanh_grad(z), call="tanh_grad(z)",
                 rtol=1e-6, atol=1e-12, hint="The derivative of tanh is 1 - tanh(z)**2.")


@given(z=array_inputs())
def test_relu_grad_matches_reference(student, reference, record, z):
    """relu_grad is 1 where z > 0 and 0 elsewhere (z = 0 itself: test_relu_grad_at_zero_is_zero)."""
    _record_curve(student, reference, record, "relu_grad")
    want = reference.activations.relu_grad(z)
    got = student.activations.relu_grad(z)
    arr = np.asarray(got) if isinstance(got, (np.ndarray, np.generic, float, int, list)) else None
    if arr is not None and arr.shape == np.shape(want) and arr.dtype.kind in "biuf":
        got = np.where(np.asarray(z) == 0, want, arr).astype(arr.dtype)  # the value at 0 has its own test
    expect_close(got, want, call="relu_grad(z)",
                 hint="Use z > 0 (strictly): at exactly 0 the slope we use is 0.")


@given(z=st.lists(finite_floats(min_value=-20, max_value=20).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=5))
def test_gradients_agree_with_finite_differences(student, z):
    """Each derivative agrees with a centred finite difference of its function (away from relu's kink)."""
    z = np.array(z)
    h = 1e-6
    for name in ("sigmoid", "tanh", "relu"):
        f = getattr(student.activations, name)
        grad = getattr(student.activations, f"{name}_grad")
        numeric = (np.asarray(f(z + h), dtype=float) - np.asarray(f(z - h), dtype=float)) / (2 * h)
        expect_close(grad(z), numeric, call=f"{name}_grad(z) compared with a finite difference of {name}",
                     rtol=1e-4, atol=1e-7, hint=f"Differentiate {name} by hand and check it at a few points.")


def test_relu_grad_at_zero_is_zero(student):
    """relu_grad(0) is 0, by the convention of this course."""
    expect_equal(student.activations.relu_grad(np.array([0.0, -0.0])), np.array([0.0, 0.0]),
                 call="relu_grad([0.0, -0.0])", hint="Use z > 0, not z >= 0.")
