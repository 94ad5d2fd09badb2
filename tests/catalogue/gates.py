"""Mistakes and correct variants for lesson 3, logic gates (step, gate, perceptron_fit, xor_network, xor_predict)."""

from . import Mistake, Variant

MISTAKES = [
    Mistake(
        id="step_fires_at_zero",
        module="gates",
        description="step uses z >= 0, so a neuron exactly at its threshold fires",
        functions={
            "step": """
            def step(z):
                return (np.asarray(z) >= 0).astype(float)
        """
        },
        fails=("test_step_at_zero_is_zero", "test_step_matches_reference"),
        may_fail=(
            "test_gates_compute_their_truth_tables",
            "test_perceptron_learns_separable_data",
            "test_perceptron_follows_the_classic_rule",
            "test_perceptron_never_separates_xor",
            "test_xor_predict_matches_reference",
            "test_xor_predict_on_own_network",
        ),
        message="step([-1.0, -0.0, 0.0, 5e-324, 1.0])",
    ),
    Mistake(
        id="step_returns_booleans",
        module="gates",
        description="step returns the boolean mask z > 0 instead of floats",
        functions={
            "step": """
            def step(z):
                return np.asarray(z) > 0
        """
        },
        fails=("test_step_matches_reference",),  # the dtype costs only the test that names it
        message="dtype bool",
    ),
    Mistake(
        id="step_in_place",
        module="gates",
        description="step overwrites a float input with its 0/1 answer (the caller's array changes)",
        functions={
            "step": """
            def step(z):
                z = np.asarray(z)
                if z.dtype.kind != "f":
                    z = z.astype(float)
                z[...] = z > 0
                return z
        """
        },
        fails=("test_inputs_are_not_modified",),
        message="the argument z after calling step(z)",
    ),
    Mistake(
        id="and_bias_too_weak",
        module="gates",
        description="AND with b = -0.5: one input on is already enough, which is OR",
        functions={
            "gate": """
            def gate(name):
                lines = {"AND": ([1.0, 1.0], -0.5), "OR": ([1.0, 1.0], -0.5),
                         "NAND": ([-1.0, -1.0], 1.5), "NOR": ([-1.0, -1.0], 0.5)}
                w, b = lines[name]
                return np.array(w), float(b)
        """
        },
        fails=("test_gates_compute_their_truth_tables",),
        message="gate('AND')",
    ),
    Mistake(
        id="or_bias_on_the_threshold",
        module="gates",
        description="OR with b = -1: one input on gives z = 0 exactly, and step(0) = 0",
        functions={
            "gate": """
            def gate(name):
                lines = {"AND": ([1.0, 1.0], -1.5), "OR": ([1.0, 1.0], -1.0),
                         "NAND": ([-1.0, -1.0], 1.5), "NOR": ([-1.0, -1.0], 0.5)}
                w, b = lines[name]
                return np.array(w), float(b)
        """
        },
        fails=("test_gates_compute_their_truth_tables",),
        message="gate('OR')",
    ),
    Mistake(
        id="perceptron_uses_raw_output",
        module="gates",
        description="updates with the raw output (y - z) instead of the step's prediction: it moves on every sample",
        functions={
            "perceptron_fit": """
            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
                w, b = np.zeros(X.shape[1]), 0.0
                for epoch in range(1, max_epochs + 1):
                    mistakes = 0
                    for x_i, y_i in zip(X, y):
                        z = x_i @ w + b
                        mistakes += int(step(z) != y_i)
                        w = w + lr * (y_i - z) * x_i
                        b = b + lr * (y_i - z)
                    if mistakes == 0:
                        return w, b, epoch
                return w, b, max_epochs
        """
        },
        fails=("test_perceptron_follows_the_classic_rule",),
        may_fail=("test_perceptron_learns_separable_data", "test_perceptron_never_separates_xor"),
        message="perceptron_fit(X, y",
    ),
    Mistake(
        id="perceptron_never_stops",
        module="gates",
        description="runs all max_epochs even after an epoch without a mistake",
        functions={
            "perceptron_fit": """
            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
                w, b = np.zeros(X.shape[1]), 0.0
                for epoch in range(max_epochs):
                    for x_i, y_i in zip(X, y):
                        error = y_i - float(step(x_i @ w + b))
                        w = w + lr * error * x_i
                        b = b + lr * error
                return w, b, max_epochs
        """
        },
        fails=("test_perceptron_learns_separable_data", "test_perceptron_follows_the_classic_rule"),
        message="epochs on separable data",
    ),
    Mistake(
        id="perceptron_starts_from_ones",
        module="gates",
        description="starts from w = ones instead of zeros",
        functions={
            "perceptron_fit": """
            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
                w, b = np.ones(X.shape[1]), 0.0
                for epoch in range(1, max_epochs + 1):
                    mistakes = 0
                    for x_i, y_i in zip(X, y):
                        error = y_i - float(step(x_i @ w + b))
                        if error:
                            w, b, mistakes = w + lr * error * x_i, b + lr * error, mistakes + 1
                    if mistakes == 0:
                        return w, b, epoch
                return w, b, max_epochs
        """
        },
        fails=("test_perceptron_follows_the_classic_rule",),
        message="perceptron_fit(X, y",
    ),
    Mistake(
        id="perceptron_epochs_off_by_one",
        module="gates",
        description="returns the 0-based index of the last epoch, so every count is one short",
        functions={
            "perceptron_fit": """
            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
                w, b = np.zeros(X.shape[1]), 0.0
                for epoch in range(max_epochs):
                    mistakes = 0
                    for x_i, y_i in zip(X, y):
                        error = y_i - float(step(x_i @ w + b))
                        if error:
                            w, b, mistakes = w + lr * error * x_i, b + lr * error, mistakes + 1
                    if mistakes == 0:
                        break
                return w, b, epoch
        """
        },
        fails=("test_perceptron_never_separates_xor", "test_perceptron_follows_the_classic_rule"),
        may_fail=("test_perceptron_learns_separable_data",),
        message="the epochs count from perceptron_fit",
    ),
    Mistake(
        id="perceptron_relabels_y_in_place",
        module="gates",
        description="turns the 0/1 labels into -1/+1 in the caller's y (y[y == 0] = -1) for the textbook sign rule",
        functions={
            "perceptron_fit": """
            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                X, y = np.asarray(X, dtype=float), np.asarray(y)
                y[y == 0] = -1
                w, b = np.zeros(X.shape[1]), 0.0
                for epoch in range(1, max_epochs + 1):
                    mistakes = 0
                    for x_i, y_i in zip(X, y):
                        if y_i * (x_i @ w + b) <= 0:
                            w, b, mistakes = w + lr * y_i * x_i, b + lr * y_i, mistakes + 1
                    if mistakes == 0:
                        return w, b, epoch
                return w, b, max_epochs
        """
        },
        fails=("test_inputs_are_not_modified",),
        may_fail=(
            "test_perceptron_follows_the_classic_rule",
            "test_perceptron_learns_separable_data",
            "test_perceptron_never_separates_xor",
        ),
        message="the argument y after calling perceptron_fit",
    ),
    Mistake(
        id="xor_network_or_output",
        module="gates",
        description="wires the output neuron as OR of the hidden OR and NAND units, which is always 1",
        functions={
            "xor_network": """
            def xor_network():
                return {"W1": np.array([[1.0, -1.0], [1.0, -1.0]]), "b1": np.array([-0.5, 1.5]),
                        "W2": np.array([[1.0], [1.0]]), "b2": np.array([-0.5])}
        """
        },
        fails=("test_xor_network_weights_compute_xor", "test_xor_predict_on_own_network"),
        message="your xor_network() weights",
    ),
    Mistake(
        id="xor_network_weights_in_rows",
        module="gates",
        description="puts each hidden neuron's weights in a row of W1 instead of a column",
        functions={
            "xor_network": """
            def xor_network():
                return {"W1": np.array([[1.0, 1.0], [-1.0, -1.0]]), "b1": np.array([-0.5, 1.5]),
                        "W2": np.array([[1.0], [1.0]]), "b2": np.array([-1.5])}
        """
        },
        fails=("test_xor_network_weights_compute_xor", "test_xor_predict_on_own_network"),
        message="on X = [[0, 0], [0, 1], [1, 0], [1, 1]]",
    ),
    Mistake(
        id="xor_predict_hard_coded",
        module="gates",
        description="xor_predict returns the XOR truth table itself and ignores X and params",
        functions={
            "xor_predict": """
            def xor_predict(X, params):
                return np.array([0.0, 1.0, 1.0, 0.0])
        """
        },
        fails=("test_xor_predict_matches_reference", "test_xor_predict_on_own_network"),
        message="xor_predict(X, params)",
    ),
    Mistake(
        id="xor_predict_no_output_step",
        module="gates",
        description="xor_predict forgets the step on the output neuron and returns its weighted sum",
        functions={
            "xor_predict": """
            def xor_predict(X, params):
                X = np.asarray(X, dtype=float)
                hidden = step(X @ params["W1"] + params["b1"])
                return (hidden @ params["W2"] + params["b2"])[:, 0]
        """
        },
        fails=("test_xor_predict_matches_reference", "test_xor_predict_on_own_network"),
        message="xor_predict(X, params)",
    ),
    Mistake(
        id="xor_predict_returns_column",
        module="gates",
        description="xor_predict returns shape (m, 1) instead of (m,)",
        functions={
            "xor_predict": """
            def xor_predict(X, params):
                X = np.asarray(X, dtype=float)
                hidden = step(X @ params["W1"] + params["b1"])
                return step(hidden @ params["W2"] + params["b2"])
        """
        },
        fails=("test_xor_predict_matches_reference",),  # the shape costs only the test that names it
        message="shape",
    ),
]

MISTAKES += [
    Mistake(
        id="perceptron_zeros_like_integer_input",
        module="gates",
        description="starts from np.zeros_like(X[0]) and adds in place: integer X (or a list of ints) gives an int w "
        "that cannot hold lr * error * x",
        functions={
            "perceptron_fit": """
            def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                w, b = np.zeros_like(X[0]), 0.0
                for epoch in range(1, max_epochs + 1):
                    mistakes = 0
                    for i in range(len(X)):
                        error = y[i] - step(np.dot(X[i], w) + b)
                        if error:
                            w += lr * error * X[i]
                            b += lr * error
                            mistakes += 1
                    if mistakes == 0:
                        return w, float(b), epoch
                return w, float(b), max_epochs
        """
        },
        fails=("test_perceptron_follows_the_classic_rule",),
        message="as int64 arrays",
    ),
]

VARIANTS = [
    Variant(
        id="gates_loops_and_ints",
        module="gates",
        description="step with np.where, integer weights for the gates, perceptron on Python lists, xor_predict by loops",
        functions={
            "step": """
                def step(z):
                    z = np.asarray(z)
                    return np.where(z > 0, 1.0, 0.0).astype(z.dtype if z.dtype.kind == "f" else float)
            """,
            "gate": """
                def gate(name):
                    if name == "AND":
                        return np.array([2, 2]), -3
                    if name == "OR":
                        return np.array([2, 2]), -1
                    if name == "NAND":
                        return np.array([-2, -2]), 3
                    if name == "NOR":
                        return np.array([-2, -2]), 1
                    raise ValueError(name)
            """,
            "perceptron_fit": """
                def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                    rows = np.asarray(X, dtype=float).tolist()
                    labels = np.asarray(y, dtype=float).tolist()
                    w, b = [0.0] * len(rows[0]), 0.0
                    epochs = 0
                    for epochs in range(1, max_epochs + 1):
                        clean = True
                        for x, t in zip(rows, labels):
                            z = sum(x_i * w_i for x_i, w_i in zip(x, w)) + b
                            p = 1.0 if z > 0 else 0.0
                            if p != t:
                                clean = False
                                w = [w_i + lr * (t - p) * x_i for w_i, x_i in zip(w, x)]
                                b += lr * (t - p)
                        if clean:
                            break
                    return np.array(w), b, epochs
            """,
            "xor_predict": """
                def xor_predict(X, params):
                    W1, b1 = np.asarray(params["W1"], dtype=float), np.asarray(params["b1"], dtype=float)
                    W2, b2 = np.asarray(params["W2"], dtype=float), np.asarray(params["b2"], dtype=float)
                    out = []
                    for x in np.asarray(X, dtype=float).reshape(-1, 2):
                        h = [1.0 if x @ W1[:, j] + b1[j] > 0 else 0.0 for j in range(W1.shape[1])]
                        out.append(1.0 if np.dot(h, W2[:, 0]) + b2[0] > 0 else 0.0)
                    return np.array(out, dtype=float)
            """,
        },
    ),
    Variant(
        id="xor_network_nor_and",
        module="gates",
        description="a different hand-wired XOR: hidden AND and NOR, output NOR of them; xor_predict returns ints",
        functions={
            "xor_network": """
                def xor_network():
                    return {"W1": np.array([[1.0, -1.0], [1.0, -1.0]]), "b1": np.array([-1.5, 0.5]),
                            "W2": np.array([[-1.0], [-1.0]]), "b2": np.array([0.5])}
            """,
            "xor_predict": """
                def xor_predict(X, params):
                    X = np.asarray(X, dtype=float)
                    hidden = (X @ params["W1"] + params["b1"] > 0).astype(float)
                    return (hidden @ params["W2"] + params["b2"] > 0).astype(int).ravel()
            """,
        },
    ),
    Variant(
        id="biases_as_length_one_arrays",
        module="gates",
        description="gate and perceptron_fit keep the bias as an array of one number (np.zeros(1)), and step uses np.heaviside",
        functions={
            "step": """
                def step(z):
                    z = np.asarray(z)
                    return np.heaviside(z, 0.0).astype(z.dtype if z.dtype.kind == "f" else float)
            """,
            "gate": """
                def gate(name):
                    sign = {"AND": 1.0, "OR": 1.0, "NAND": -1.0, "NOR": -1.0}[name]
                    threshold = 1.5 if name in ("AND", "NAND") else 0.5
                    return sign * np.ones(2), np.array([-sign * threshold])
            """,
            "perceptron_fit": """
                def perceptron_fit(X, y, lr=1.0, max_epochs=100):
                    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
                    w, b = np.zeros(X.shape[1]), np.zeros(1)
                    for epoch in range(1, max_epochs + 1):
                        wrong = 0
                        for i in range(X.shape[0]):
                            error = y[i] - step(X[i] @ w + b)[0]
                            if error != 0:
                                w, b, wrong = w + lr * error * X[i], b + lr * error, wrong + 1
                        if wrong == 0:
                            return w, b, epoch
                    return w, b, max_epochs
            """,
        },
    ),
]
