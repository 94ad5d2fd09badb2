"""Mistakes and correct variants for lesson 4, xor (backpropagation)."""

from . import Mistake, Variant

TRAIN_TESTS = (
    "test_train_learns_xor",
    "test_train_learns_tables_it_was_never_shown",
    "test_train_learns_random_truth_tables",
    "test_train_losses_follow_the_reference",
)

MISTAKES = [
    Mistake(
        id="xor_init_order_w2_first",
        module="xor",
        description="draws W2 before W1, so the same seed gives a different network",
        functions={
            "init_params": """
            def init_params(n_in, n_hidden, n_out, seed):
                rng = np.random.default_rng(seed)
                W2 = rng.standard_normal((n_hidden, n_out))
                W1 = rng.standard_normal((n_in, n_hidden))
                return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
        """
        },
        fails=("test_init_params_matches_reference",),
        message="init_params(",
        may_fail=TRAIN_TESTS,
    ),
    Mistake(
        id="xor_forward_sigmoid_hidden",
        module="xor",
        description="uses the sigmoid in the hidden layer instead of tanh",
        functions={
            "forward": """
            def forward(X, params):
                X = np.asarray(X, dtype=float)
                Z1 = X @ params["W1"] + params["b1"]
                A1 = _sigmoid(Z1)
                Z2 = A1 @ params["W2"] + params["b2"]
                A2 = _sigmoid(Z2)
                return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
        """
        },
        fails=("test_forward_matches_reference",),
        message="as element [0] (A2), expected",
        may_fail=TRAIN_TESTS + ("test_predict_thresholds_at_one_half",),
    ),
    Mistake(
        id="xor_bce_sum_not_mean",
        module="xor",
        description="sums the cross-entropy instead of averaging it",
        functions={
            "bce_loss": """
            def bce_loss(A, Y):
                A = np.clip(np.asarray(A, dtype=float), 1e-12, 1 - 1e-12)
                Y = np.asarray(Y, dtype=float)
                return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
        """
        },
        fails=("test_bce_loss_matches_reference",),
        message="bce_loss(A, Y)",
        may_fail=("test_train_losses_follow_the_reference",),
    ),
    Mistake(
        id="xor_bce_no_clipping",
        module="xor",
        description="takes log(A) unclipped: -inf and nan when A is exactly 0 or 1",
        functions={
            "bce_loss": """
            def bce_loss(A, Y):
                A = np.asarray(A, dtype=float)
                Y = np.asarray(Y, dtype=float)
                return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
        """
        },
        fails=("test_bce_loss_is_finite_at_zero_and_one",),
        message="expected a finite number",
        may_fail=TRAIN_TESTS,
    ),
    Mistake(
        id="xor_backward_no_tanh_derivative",
        module="xor",
        description="forgets to multiply by tanh's derivative 1 - A1**2",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                A1, A2 = cache["A1"], cache["A2"]
                dZ2 = (A2 - Y) / Y.size
                dZ1 = dZ2 @ params["W2"].T
                return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}
        """
        },
        fails=("test_backward_matches_reference", "test_backward_passes_gradient_check"),
        message="backward(X, Y, params, cache)['dW1']",
        may_fail=TRAIN_TESTS + ("test_backward_with_two_outputs",),
    ),
    Mistake(
        id="xor_backward_wrong_sign",
        module="xor",
        description="uses Y - A2 as the output error: every gradient points the wrong way",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                A1, A2 = cache["A1"], cache["A2"]
                dZ2 = (Y - A2) / Y.size
                dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)
                return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}
        """
        },
        fails=("test_backward_passes_gradient_check", "test_backward_matches_reference", "test_train_learns_xor"),
        message="relative error 1 ",
        may_fail=TRAIN_TESTS + ("test_backward_with_two_outputs",),
    ),
    Mistake(
        id="xor_backward_sum_not_mean",
        module="xor",
        description="does not divide the output error by m: the gradient of the summed loss",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                A1, A2 = cache["A1"], cache["A2"]
                dZ2 = A2 - Y
                dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)
                return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}
        """
        },
        fails=("test_backward_matches_reference", "test_backward_passes_gradient_check"),
        message="backward(X, Y, params, cache)['dW1']",
        may_fail=TRAIN_TESTS + ("test_backward_with_two_outputs",),
    ),
    Mistake(
        id="xor_backward_modifies_cache",
        module="xor",
        description="turns cache['A2'] into the output error in place (A2 -= Y)",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                A1 = cache["A1"]
                dZ2 = cache["A2"]
                dZ2 -= Y
                dZ2 /= Y.size
                dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)
                return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}
        """
        },
        fails=("test_backward_matches_reference",),
        message="cache['A2'] after calling backward",
    ),
    Mistake(
        id="xor_backward_elementwise_w2",
        module="xor",
        description="multiplies by W2.T elementwise instead of the matrix product: right only for one output unit",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                A1, A2 = cache["A1"], cache["A2"]
                dZ2 = (A2 - Y) / Y.size
                dZ1 = (dZ2 * params["W2"].T) * (1 - A1**2)
                return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}
        """
        },
        fails=("test_backward_with_two_outputs",),
        message="-2 network (two outputs)",
    ),
    Mistake(
        id="xor_backward_divides_by_rows",
        module="xor",
        description="divides the output error by the number of rows m, not the number of entries of Y",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                A1, A2 = cache["A1"], cache["A2"]
                dZ2 = (A2 - Y) / X.shape[0]
                dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)
                return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}
        """
        },
        fails=("test_backward_with_two_outputs",),
        message="(two outputs)['dW1']",
    ),
    Mistake(
        id="xor_train_gradient_ascent",
        module="xor",
        description="adds the gradient in train (W + lr * dW): the loss goes up",
        functions={
            "train": """
            def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                params = init_params(X.shape[1], n_hidden, Y.shape[1], seed)
                losses = []
                for _ in range(epochs):
                    A2, cache = forward(X, params)
                    losses.append(bce_loss(A2, Y))
                    grads = backward(X, Y, params, cache)
                    for name in ("W1", "b1", "W2", "b2"):
                        params[name] = params[name] + lr * grads["d" + name]
                return params, losses
        """
        },
        fails=("test_train_learns_xor", "test_train_learns_tables_it_was_never_shown"),
        message="from the same seed the reference gets 100%",
        may_fail=TRAIN_TESTS,
    ),
    Mistake(
        id="xor_train_ignores_lr",
        module="xor",
        description="steps by the bare gradient (W - dW), ignoring the learning rate: right only for lr=1",
        functions={
            "train": """
            def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                params = init_params(X.shape[1], n_hidden, Y.shape[1], seed)
                losses = []
                for _ in range(epochs):
                    A2, cache = forward(X, params)
                    losses.append(bce_loss(A2, Y))
                    grads = backward(X, Y, params, cache)
                    for name in ("W1", "b1", "W2", "b2"):
                        params[name] = params[name] - grads["d" + name]
                return params, losses
        """
        },
        fails=("test_train_losses_follow_the_reference",),
        message="losses[1] is",
    ),
    Mistake(
        id="xor_train_hardcoded_weights",
        module="xor",
        description="returns hand-picked XOR weights instead of learning them",
        functions={
            "train": """
            def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
                # XOR = OR and not AND, wired by hand (the extra hidden units are switched off).
                W1 = np.zeros((2, n_hidden))
                W1[:, 0], W1[:, 1] = 10.0, 10.0
                b1 = np.zeros(n_hidden)
                b1[0], b1[1] = -5.0, -15.0
                W2 = np.zeros((n_hidden, 1))
                W2[0, 0], W2[1, 0] = 10.0, -10.0
                params = {"W1": W1, "b1": b1, "W2": W2, "b2": np.array([-10.0])}
                loss = bce_loss(forward(X, params)[0], Y)
                return params, [loss] * epochs
        """
        },
        fails=("test_train_learns_tables_it_was_never_shown", "test_train_learns_random_truth_tables"),
        message="the AND table",
        may_fail=("test_train_losses_follow_the_reference",),
    ),
    Mistake(
        id="xor_train_assumes_two_inputs",
        module="xor",
        description="calls init_params(2, ...): works for XOR, breaks on 3-input tables",
        functions={
            "train": """
            def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                params = init_params(2, n_hidden, 1, seed)
                losses = []
                for _ in range(epochs):
                    A2, cache = forward(X, params)
                    losses.append(bce_loss(A2, Y))
                    grads = backward(X, Y, params, cache)
                    for name in ("W1", "b1", "W2", "b2"):
                        params[name] = params[name] - lr * grads["d" + name]
                return params, losses
        """
        },
        fails=("test_train_learns_random_truth_tables",),
        message="ValueError",
    ),
    Mistake(
        id="xor_predict_threshold_zero",
        module="xor",
        description="thresholds the probability at 0 instead of 0.5, so every answer is 1",
        functions={
            "predict": """
            def predict(X, params):
                A2, _ = forward(X, params)
                return (A2[:, 0] > 0).astype(float)
        """
        },
        fails=("test_predict_thresholds_at_one_half",),
        message="predict(X=",
    ),
]

MISTAKES += [
    Mistake(
        id="xor_train_updates_w2_before_its_gradient_for_w1",
        module="xor",
        description="updates W2 and b2 first, then backpropagates through the new W2 for W1's gradient",
        functions={
            "train": """
            def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                params = init_params(X.shape[1], n_hidden, Y.shape[1], seed)
                losses = []
                for _ in range(epochs):
                    A2, cache = forward(X, params)
                    losses.append(bce_loss(A2, Y))
                    A1 = cache["A1"]
                    dZ2 = (A2 - Y) / Y.size
                    params["W2"] = params["W2"] - lr * (A1.T @ dZ2)
                    params["b2"] = params["b2"] - lr * dZ2.sum(axis=0)
                    dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)  # the new W2: not this forward pass's gradient
                    params["W1"] = params["W1"] - lr * (X.T @ dZ1)
                    params["b1"] = params["b1"] - lr * dZ1.sum(axis=0)
                return params, losses
        """
        },
        fails=("test_train_losses_follow_the_reference",),
        message="losses[1] is",
        may_fail=TRAIN_TESTS,
    ),
]

VARIANTS = [
    Variant(
        id="xor_backward_per_example_loop",
        module="xor",
        description="backward accumulating the gradient one example at a time",
        functions={
            "backward": """
            def backward(X, Y, params, cache):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                grads = {"dW1": np.zeros_like(params["W1"]), "db1": np.zeros_like(params["b1"]),
                         "dW2": np.zeros_like(params["W2"]), "db2": np.zeros_like(params["b2"])}
                for i in range(X.shape[0]):
                    a1, a2 = cache["A1"][i], cache["A2"][i]
                    dz2 = (a2 - Y[i]) / Y.size
                    dz1 = (params["W2"] @ dz2) * (1 - a1 * a1)
                    grads["dW2"] += np.outer(a1, dz2)
                    grads["db2"] += dz2
                    grads["dW1"] += np.outer(X[i], dz1)
                    grads["db1"] += dz1
                return grads
        """
        },
    ),
    Variant(
        id="xor_bce_keras_epsilon",
        module="xor",
        description="bce_loss clipping at 1e-7 (Keras's epsilon) and summing before dividing",
        functions={
            "bce_loss": """
            def bce_loss(A, Y):
                eps = 1e-7
                A = np.minimum(np.maximum(np.asarray(A, dtype=float), eps), 1 - eps)
                Y = np.asarray(Y, dtype=float)
                return float(np.sum(-Y * np.log(A) - (1 - Y) * np.log(1 - A)) / Y.size)
        """
        },
    ),
    Variant(
        id="xor_forward_sigmoid_through_tanh",
        module="xor",
        description="forward with sigmoid written as (1 + tanh(z / 2)) / 2 and inputs as lists",
        functions={
            "forward": """
            def forward(X, params):
                X = np.array(X, dtype=float)
                Z1 = np.dot(X, params["W1"]) + params["b1"]
                A1 = np.tanh(Z1)
                Z2 = np.dot(A1, params["W2"]) + params["b2"]
                A2 = 0.5 * (1.0 + np.tanh(0.5 * Z2))
                return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
        """
        },
    ),
    Variant(
        id="xor_train_loss_after_step",
        module="xor",
        description="train records the loss after each step, as a numpy array, updating in place",
        functions={
            "train": """
            def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(Y, dtype=float)
                params = init_params(X.shape[1], n_hidden, Y.shape[1], seed)
                losses = np.zeros(epochs)
                for epoch in range(epochs):
                    _, cache = forward(X, params)
                    grads = backward(X, Y, params, cache)
                    for name in params:
                        params[name] -= lr * grads["d" + name]
                    losses[epoch] = bce_loss(forward(X, params)[0], Y)
                return params, losses
        """
        },
    ),
    Variant(
        id="xor_predict_at_least_half",
        module="xor",
        description="predict with >= 0.5 and an integer result",
        functions={
            "predict": """
            def predict(X, params):
                A2, _ = forward(X, params)
                return np.where(A2.reshape(-1) >= 0.5, 1, 0)
        """
        },
    ),
]
