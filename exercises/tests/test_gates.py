"""Public tests for lesson 3, gates: a few fixed examples per function.

The hidden tests check much more (random separable data for the perceptron, other shapes,
integer inputs, and that nothing you are given is modified).
"""

import numpy as np

import gates

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
TABLES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}


def test_step_values():
    got = gates.step(np.array([-1, 0, 2]))
    assert np.allclose(got, [0.0, 0.0, 1.0]) and np.shape(got) == (3,), f"step([-1, 0, 2]) should be [0.0, 0.0, 1.0], got {got!r}"
    assert np.asarray(got).dtype.kind == "f", f"step should return floats, got dtype {np.asarray(got).dtype}"


def test_gate_truth_tables():
    for name, table in TABLES.items():
        w, b = gates.gate(name)
        out = (X @ np.asarray(w, dtype=float) + b > 0).astype(int)
        assert out.tolist() == table, f"gate({name!r}) gives {out.tolist()} on the rows {X.tolist()}, the truth table is {table}"


def test_perceptron_learns_and():
    w, b, epochs = gates.perceptron_fit(X, [0, 0, 0, 1])
    assert np.allclose(w, [2.0, 1.0]) and np.isclose(b, -2.0) and epochs == 6, (
        f"perceptron_fit on AND (lr=1, zero start, rows in order) should end at w = [2, 1], b = -2 after 6 epochs, "
        f"got w = {w!r}, b = {b!r}, epochs = {epochs!r}"
    )


def test_perceptron_never_converges_on_xor():
    w, b, epochs = gates.perceptron_fit(X, [0, 1, 1, 0], max_epochs=20)
    assert epochs == 20, f"no line separates XOR, so perceptron_fit should use all 20 epochs, got epochs = {epochs!r}"


def test_xor_network_computes_xor():
    p = gates.xor_network()
    shapes = {k: np.shape(p[k]) for k in ("W1", "b1", "W2", "b2")}
    assert shapes == {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}, f"xor_network shapes should be W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,), got {shapes}"
    hidden = (X @ p["W1"] + p["b1"] > 0).astype(float)
    out = (hidden @ p["W2"] + p["b2"] > 0).astype(int)[:, 0]
    assert out.tolist() == [0, 1, 1, 0], f"step(step(X @ W1 + b1) @ W2 + b2) should be XOR [0, 1, 1, 0], got {out.tolist()}"


def test_xor_predict_with_given_weights():
    params = {"W1": np.array([[2.0, -2.0], [2.0, -2.0]]), "b1": np.array([-1.0, 3.0]),
              "W2": np.array([[2.0], [2.0]]), "b2": np.array([-3.0])}  # fmt: skip
    got = gates.xor_predict(X, params)
    assert np.shape(got) == (4,), f"xor_predict of 4 rows should have shape (4,), not {np.shape(got)}"
    assert np.allclose(got, [0, 1, 1, 0]), f"xor_predict with these XOR weights should be [0, 1, 1, 0], got {got!r}"
