"""Public tests for the cat lesson ("is this a picture of a cat?"): small fixed examples.

The hidden tests train your neuron on the real pictures and check its accuracy on pictures you
have never seen, drawn differently from yours.
"""

import numpy as np

import cat


def test_flatten_shape_order_and_scale():
    images = np.arange(2 * 2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 2, 3)
    got = cat.flatten(images)
    assert np.shape(got) == (2, 12), f"flatten of (2, 2, 2, 3) pictures should have shape (2, 12), got {np.shape(got)}"
    assert np.asarray(got).dtype.kind == "f", f"flatten should return floats, got {np.asarray(got).dtype}"
    assert np.allclose(got[1], np.arange(12, 24) / 255), f"row 1 should be picture 1's values in order, divided by 255; got {np.asarray(got)[1].tolist()}"


def test_train_logistic_starts_at_log_2_and_learns():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.9, 0.1], [0.2, 0.8]])
    y = np.array([0, 1, 1, 0])
    w, b, costs = cat.train_logistic(X, y, lr=0.5, epochs=1000)
    assert len(costs) == 10, f"1000 epochs record a cost every 100 epochs: 10 costs, got {len(costs)}"
    assert np.isclose(costs[0], np.log(2)), f"with zero weights the first cost is log 2 = {np.log(2)}, got {costs[0]!r}"
    assert costs[-1] < costs[0], f"the cost should go down, got {costs[0]!r} then {costs[-1]!r}"
    assert np.shape(w) == (2,) and np.ndim(b) == 0, f"w should have shape (2,) and b be one number, got {np.shape(w)} and {b!r}"


def test_predict_and_accuracy():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    got = cat.predict(X, np.array([1.0, -1.0]), 0.5)
    assert np.shape(got) == (3,) and np.allclose(got, [1.0, 0.0, 1.0]), f"predict with w = [1, -1], b = 0.5 should be [1, 0, 1], got {got!r}"
    acc = cat.accuracy(np.array([1.0, 0.0, 1.0, 1.0]), np.array([1, 0, 0, 1]))
    assert np.isclose(acc, 0.75), f"3 of 4 right is an accuracy of 0.75, got {acc!r}"
