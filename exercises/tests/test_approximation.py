"""Public tests for lesson "approximation": a few fixed examples per function.

The hidden tests check much more (random knots, many shapes of x, linearity between knots).
"""

import numpy as np

import approximation


def _close(got, want, tol=1e-7):
    return np.shape(got) == np.shape(want) and np.allclose(np.asarray(got, dtype=float), want, rtol=tol, atol=tol)


def test_relu_net_with_given_weights():
    params = {"W1": np.array([[1.0]]), "b1": np.array([0.0]), "W2": np.array([[2.0]]), "b2": np.array([1.0])}
    got = approximation.relu_net(np.array([-1.0, 0.0, 3.0]), params)
    assert _close(got, [1.0, 1.0, 7.0]), f"2 * relu(x) + 1 at [-1, 0, 3] should be [1, 1, 7], got {got!r}"


def test_relu_net_keeps_the_shape_of_x():
    params = {"W1": np.array([[1.0, 1.0]]), "b1": np.array([0.0, -1.0]), "W2": np.array([[2.0], [-1.0]]), "b2": np.array([0.0])}
    x = np.arange(6).reshape(2, 3)
    got = approximation.relu_net(x, params)
    assert np.shape(got) == (2, 3), f"relu_net of x with shape (2, 3) should have shape (2, 3), got {np.shape(got)}"


def test_relu_fit_passes_through_a_tent():
    params = approximation.relu_fit([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    shapes = {k: np.shape(params[k]) for k in ("W1", "b1", "W2", "b2")}
    assert shapes == {"W1": (1, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}, f"3 knots need 2 hidden units: W1 (1, 2), b1 (2,), W2 (2, 1), b2 (1,); got {shapes}"
    at_knots = approximation.relu_net(np.array([0.0, 1.0, 2.0]), params)
    assert _close(at_knots, [0.0, 1.0, 0.0]), f"the network should pass through the knots [0, 1, 0], got {at_knots!r}"
    between = approximation.relu_net(np.array([0.5, 1.5]), params)
    assert _close(between, [0.5, 0.5]), f"the network should be linear between knots: at 0.5 and 1.5 expected [0.5, 0.5], got {between!r}"
