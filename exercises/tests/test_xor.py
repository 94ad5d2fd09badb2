"""Public tests for the xor lesson (backpropagation): a few fixed examples per function.

The hidden tests check much more (random shapes, a numerical gradient check on random networks,
training from several seeds, and truth tables the network was never shown).
"""

import numpy as np

import xor

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def _small_net():
    return {"W1": np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.75]]), "b1": np.array([0.1, -0.2, 0.3]),
            "W2": np.array([[1.5], [-2.0], [0.5]]), "b2": np.array([0.2])}  # fmt: skip


def _loss(params):
    """The loss, computed here step by step, to check your gradients against."""
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    out = 1 / (1 + np.exp(-(hidden @ params["W2"] + params["b2"])))
    return -np.mean(Y * np.log(out) + (1 - Y) * np.log(1 - out))


def test_init_params_shapes_and_seeded_draws():
    p = xor.init_params(2, 3, 1, seed=7)
    shapes = {k: np.shape(p[k]) for k in ("W1", "b1", "W2", "b2")}
    assert shapes == {"W1": (2, 3), "b1": (3,), "W2": (3, 1), "b2": (1,)}, f"init_params(2, 3, 1) shapes should be W1 (2, 3), b1 (3,), W2 (3, 1), b2 (1,), got {shapes}"
    draws = np.random.default_rng(7)
    first, second = draws.standard_normal((2, 3)), draws.standard_normal((3, 1))
    assert np.allclose(p["W1"], first) and np.allclose(p["W2"], second), "W1 then W2 should be the first draws of np.random.default_rng(seed).standard_normal"
    assert not np.any(p["b1"]) and not np.any(p["b2"]), "the biases should start at zero"


def test_forward_shapes_and_values():
    params = _small_net()
    A2, cache = xor.forward(X, params)
    assert np.shape(A2) == (4, 1), f"forward on 4 examples with 1 output should give A2 of shape (4, 1), got {np.shape(A2)}"
    assert set(cache) >= {"Z1", "A1", "Z2", "A2"}, f"the cache should hold Z1, A1, Z2 and A2, it holds {sorted(cache)}"
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    want = 1 / (1 + np.exp(-(hidden @ params["W2"] + params["b2"])))
    assert np.allclose(A2, want), f"A2 should be sigmoid(tanh(X @ W1 + b1) @ W2 + b2) = {want.ravel().tolist()}, got {np.ravel(A2).tolist()}"


def test_bce_loss_values():
    got = xor.bce_loss(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]]))
    assert np.isclose(got, np.log(2)), f"bce_loss of 0.5 everywhere should be log 2 = {np.log(2)}, got {got!r}"
    extreme = xor.bce_loss(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]]))
    assert np.isfinite(extreme) and extreme > 20, f"bce_loss where A is exactly 0 or 1 should be large but finite (clip A first), got {extreme!r}"


def test_backward_matches_a_numerical_gradient():
    params = _small_net()
    A2, cache = xor.forward(X, params)
    grads = xor.backward(X, Y, params, cache)
    for key in ("W1", "b1", "W2", "b2"):
        g = np.asarray(grads["d" + key])
        assert g.shape == params[key].shape, f"d{key} should have the shape of {key}, {params[key].shape}, got {g.shape}"
        numeric = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += 1e-6
            minus[key][idx] -= 1e-6
            numeric[idx] = (_loss(plus) - _loss(minus)) / 2e-6
        error = np.max(np.abs(g - numeric) / np.maximum(1e-8, np.abs(g) + np.abs(numeric)))
        assert error < 1e-5, f"d{key} differs from a numerical gradient (relative error {error:.2g}): got {g.ravel().tolist()}, expected about {numeric.ravel().tolist()}"


def test_training_reaches_xor():
    params, losses = xor.train(X, Y, n_hidden=4, lr=1.0, epochs=1000, seed=1)
    assert len(losses) == 1000, f"train should record one loss per epoch (1000), got {len(losses)}"
    assert losses[-1] < 0.05 < losses[0], f"the loss should fall from {losses[0]!r} to below 0.05, it ended at {losses[-1]!r}"
    got = xor.predict(X, params)
    assert np.shape(got) == (4,) and np.allclose(got, [0, 1, 1, 0]), f"predict after training should be XOR [0, 1, 1, 0] with shape (4,), got {got!r}"
