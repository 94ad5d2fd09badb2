"""Public tests for lesson 2, neuron: a few fixed examples per function.

The hidden tests check much more (random shapes and values, integer and empty inputs, every
activation, properties such as "row i of dense is neuron on row i").
"""

import numpy as np

import neuron


def _close(got, want, tol=1e-7):
    return np.shape(got) == np.shape(want) and np.allclose(np.asarray(got, dtype=float), want, rtol=tol, atol=tol)


def test_neuron_weighted_sum_then_sigmoid():
    got = neuron.neuron([1.0, 2.0], [0.5, -0.25], 0.1)
    want = 0.52497918747894  # sigmoid(1*0.5 + 2*(-0.25) + 0.1) = sigmoid(0.1)
    assert np.ndim(got) == 0, f"neuron should return one number, not an array of shape {np.shape(got)}"
    assert _close(got, want), f"neuron([1, 2], [0.5, -0.25], 0.1) should be sigmoid(0.1) = {want}, got {got!r}"


def test_neuron_with_other_activations():
    cases = [("tanh", [1.0], [0.5], 0.0, 0.46211715726000974),
             ("relu", [1.0, 2.0], [1.0, 1.0], -4.0, 0.0),
             ("identity", [1.0, 2.0], [1.0, 1.0], -4.0, -1.0)]  # fmt: skip
    for activation, x, w, b, want in cases:
        got = neuron.neuron(x, w, b, activation=activation)
        assert _close(got, want), f"neuron({x}, {w}, {b}, activation={activation!r}) should be {want}, got {got!r}"


def test_dense_shape_and_values():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    W = np.array([[1.0], [-1.0]])
    b = np.array([0.5])
    got = neuron.dense(X, W, b, activation="identity")
    want = [[-0.5], [-0.5], [0.5]]
    assert np.shape(got) == (3, 1), f"dense of X (3, 2) and W (2, 1) should have shape (3, 1), got {np.shape(got)}"
    assert _close(got, want), f"dense(X, W, b, 'identity') should be {want}, got {got!r}"


def test_dense_default_is_sigmoid_and_returns_floats():
    got = neuron.dense(np.zeros((2, 3), dtype=int), np.zeros((3, 4), dtype=int), np.zeros(4, dtype=int))
    assert np.shape(got) == (2, 4), f"dense of X (2, 3) and W (3, 4) should have shape (2, 4), got {np.shape(got)}"
    assert np.asarray(got).dtype.kind == "f", f"dense of integer arrays should return floats, got {np.asarray(got).dtype}"
    assert _close(got, np.full((2, 4), 0.5)), f"sigmoid(0) is 0.5 everywhere, got {got!r}"


def test_collapse_two_linear_layers():
    W1 = np.array([[1.0, 2.0], [3.0, 4.0]])
    b1 = np.array([1.0, -1.0])
    W2 = np.array([[1.0], [1.0]])
    b2 = np.array([2.0])
    W, b = neuron.collapse(W1, b1, W2, b2)
    assert np.shape(W) == (2, 1) and np.shape(b) == (1,), f"collapse should give W (2, 1) and b (1,), got {np.shape(W)} and {np.shape(b)}"
    assert _close(W, [[3.0], [7.0]]) and _close(b, [2.0]), f"collapse should give W = [[3], [7]], b = [2], got {W!r}, {b!r}"
    X = np.array([[0.5, -1.0], [2.0, 0.0]])
    two_layers = (X @ W1 + b1) @ W2 + b2
    assert _close(X @ W + b, two_layers), "X @ W + b should equal (X @ W1 + b1) @ W2 + b2 for every X"
