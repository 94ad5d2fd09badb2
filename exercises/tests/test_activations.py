"""Public tests for lesson 1, activations: a few fixed examples per function.

The hidden tests check much more (random inputs of every shape and size, extreme values,
properties such as sigmoid(-z) = 1 - sigmoid(z)). Passing these means you are on the right track.
"""

import warnings

import numpy as np

import activations


def _close(got, want, tol=1e-7):
    return np.shape(got) == np.shape(want) and np.allclose(np.asarray(got, dtype=float), want, rtol=tol, atol=tol)


def test_sigmoid_values():
    z = np.array([-2.0, 0.0, 2.0])
    want = np.array([0.11920292202211755, 0.5, 0.8807970779778823])
    got = activations.sigmoid(z)
    assert _close(got, want), f"sigmoid([-2, 0, 2]) should be {want.tolist()}, got {got!r}"


def test_sigmoid_of_extreme_inputs_does_not_overflow():
    z = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            got = activations.sigmoid(z)
        except RuntimeWarning as w:
            raise AssertionError(
                f"sigmoid([-1000, 1000]) warned {w}; only ever compute e to a non-positive power (np.exp(-abs(z)))"
            ) from None
    assert _close(got, [0.0, 1.0]), f"sigmoid([-1000, 1000]) should be [0.0, 1.0], got {got!r}"


def test_sigmoid_keeps_the_shape_and_returns_floats():
    z = np.array([[0, 1], [2, 3]])  # integers on purpose
    got = np.asarray(activations.sigmoid(z))
    assert got.shape == (2, 2), f"sigmoid of a (2, 2) array should have shape (2, 2), got {got.shape}"
    assert got.dtype.kind == "f", f"sigmoid of an integer array should return floats, got dtype {got.dtype}"


def test_sigmoid_does_not_change_its_input():
    z = np.array([-1.0, 0.0, 1.0])
    activations.sigmoid(z)
    assert z.tolist() == [-1.0, 0.0, 1.0], f"sigmoid changed its input array to {z.tolist()}; work on a copy"


def test_tanh_values():
    got = activations.tanh([-1.0, 0.0, 0.5])
    want = [-0.7615941559557649, 0.0, 0.46211715726000974]
    assert _close(got, want), f"tanh([-1, 0, 0.5]) should be {want}, got {got!r}"


def test_relu_values():
    got = activations.relu(np.array([-2, 0, 3]))
    assert _close(got, [0.0, 0.0, 3.0]), f"relu([-2, 0, 3]) should be [0.0, 0.0, 3.0], got {got!r}"
    assert np.asarray(got).dtype.kind == "f", f"relu should return floats, got dtype {np.asarray(got).dtype}"


def test_sigmoid_grad_values():
    got = activations.sigmoid_grad([0.0, 2.0])
    want = [0.25, 0.10499358540350652]
    assert _close(got, want), f"sigmoid_grad([0, 2]) should be {want}, got {got!r}"


def test_tanh_grad_values():
    got = activations.tanh_grad([0.0, 1.0])
    want = [1.0, 0.41997434161402614]
    assert _close(got, want), f"tanh_grad([0, 1]) should be {want}, got {got!r}"


def test_relu_grad_values():
    got = activations.relu_grad(np.array([-1.5, 0.0, 2.0]))
    want = [0.0, 0.0, 1.0]
    assert _close(got, want), f"relu_grad([-1.5, 0, 2]) should be {want} (we choose 0 at z = 0), got {got!r}"
