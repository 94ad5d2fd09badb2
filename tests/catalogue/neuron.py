"""Mistakes and correct variants for lesson 2, the neuron (neuron, dense, collapse)."""

from . import Mistake, Variant

MISTAKES = [
    Mistake(
        id="neuron_forgets_bias",
        module="neuron",
        description="neuron computes activation(x . w) and drops the bias",
        functions={
            "neuron": """
            def neuron(x, w, b, activation="sigmoid"):
                z = np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float))
                return float(activate(z, activation))
        """
        },
        fails=("test_neuron_matches_reference", "test_dense_rows_equal_neuron"),
        may_fail=("test_integer_and_list_inputs", "test_dense_edge_cases"),
        message="neuron(x, w, b, activation=",
    ),
    Mistake(
        id="neuron_returns_length_one_array",
        module="neuron",
        description="neuron works on x as a (1, n) row and returns an array of shape (1,), not a number",
        functions={
            "neuron": """
            def neuron(x, w, b, activation="sigmoid"):
                row = np.asarray(x, dtype=float).reshape(1, -1)
                return activate(row @ np.asarray(w, dtype=float) + b, activation)
        """
        },
        fails=("test_neuron_matches_reference",),
        may_fail=("test_dense_rows_equal_neuron", "test_integer_and_list_inputs", "test_dense_edge_cases"),
        message="expected shape ()",
    ),
    Mistake(
        id="dense_transposed_weights",
        module="neuron",
        description="dense multiplies by W.T, as if W held one neuron per row",
        functions={
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
                return activate(X @ W.T + b, activation)
        """
        },
        fails=("test_dense_matches_reference",),
        may_fail=(
            "test_dense_rows_equal_neuron",
            "test_dense_edge_cases",
            "test_integer_and_list_inputs",
            "test_float32_inputs",
            "test_two_identity_layers_equal_one",
            "test_nonlinearity_prevents_collapse",
            "test_inputs_are_not_modified",
        ),
        message="raised ValueError",
    ),
    Mistake(
        id="dense_sums_wrong_axis",
        module="neuron",
        description="dense sums the products over the neurons' axis instead of the inputs' axis",
        functions={
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
                products = X[:, :, None] * W[None, :, :]  # (m, n, k)
                return activate(products.sum(axis=2) + b, activation)
        """
        },
        fails=("test_dense_rows_equal_neuron", "test_dense_matches_reference"),
        may_fail=(
            "test_dense_edge_cases",
            "test_integer_and_list_inputs",
            "test_float32_inputs",
            "test_two_identity_layers_equal_one",
            "test_nonlinearity_prevents_collapse",
            "test_inputs_are_not_modified",
        ),
        message="",
    ),
    Mistake(
        id="dense_ignores_activation",
        module="neuron",
        description="dense returns the weighted sums X @ W + b and never applies the activation",
        functions={
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
                return X @ W + b
        """
        },
        fails=("test_nonlinearity_prevents_collapse", "test_dense_matches_reference", "test_dense_rows_equal_neuron"),
        may_fail=(
            "test_dense_edge_cases",
            "test_integer_and_list_inputs",
            "test_float32_inputs",
            "test_unknown_activation_raises_value_error",
        ),
        message="non-linearity was not applied",
    ),
    Mistake(
        id="dense_always_sigmoid",
        module="neuron",
        description="dense calls activate(z) without passing the activation on, so every layer is a sigmoid",
        functions={
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
                return activate(X @ W + b)
        """
        },
        fails=("test_two_identity_layers_equal_one", "test_dense_matches_reference"),
        may_fail=(
            "test_dense_rows_equal_neuron",
            "test_dense_edge_cases",
            "test_integer_and_list_inputs",
            "test_float32_inputs",
            "test_nonlinearity_prevents_collapse",
            "test_unknown_activation_raises_value_error",
        ),
        message="'identity'",
    ),
    Mistake(
        id="dense_squeezes",
        module="neuron",
        description="dense squeezes its result, so one neuron (k = 1) gives shape (m,) instead of (m, 1)",
        functions={
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
                return np.squeeze(activate(X @ W + b, activation))
        """
        },
        fails=("test_dense_edge_cases",),  # the squeeze costs only the test that names it
        may_fail=(
            "test_dense_rows_equal_neuron",
            "test_integer_and_list_inputs",
            "test_float32_inputs",
            "test_two_identity_layers_equal_one",
            "test_nonlinearity_prevents_collapse",
        ),
        message="shape",
    ),
    Mistake(
        id="dense_keeps_integer_dtype",
        module="neuron",
        description="relu and identity keep an integer z as integers (no float conversion anywhere)",
        functions={
            "activate": """
            def activate(z, activation="sigmoid"):
                z = np.asarray(z)
                if activation == "sigmoid":
                    return 0.5 * (1 + np.tanh(0.5 * z))
                if activation == "tanh":
                    return np.tanh(z)
                if activation == "relu":
                    return np.maximum(z, 0)
                if activation == "identity":
                    return z
                raise ValueError(f"unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}")
        """,
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                return activate(np.asarray(X) @ np.asarray(W) + np.asarray(b), activation)
        """,
        },
        fails=("test_integer_and_list_inputs",),
        message="expected floating-point numbers",
    ),
    Mistake(
        id="unknown_activation_means_identity",
        module="neuron",
        description="activate falls through to 'no activation' for any name it does not know",
        functions={
            "activate": """
            def activate(z, activation="sigmoid"):
                z = np.asarray(z, dtype=float)
                if activation == "sigmoid":
                    return 0.5 * (1 + np.tanh(0.5 * z))
                if activation == "tanh":
                    return np.tanh(z)
                if activation == "relu":
                    return np.maximum(z, 0)
                return z
        """
        },
        fails=("test_unknown_activation_raises_value_error",),
        message="instead of raising ValueError",
    ),
    Mistake(
        id="unknown_activation_key_error",
        module="neuron",
        description="activate looks the name up in a dict, so an unknown name raises KeyError, not ValueError",
        functions={
            "activate": """
            def activate(z, activation="sigmoid"):
                z = np.asarray(z, dtype=float)
                table = {
                    "sigmoid": lambda v: 0.5 * (1 + np.tanh(0.5 * v)),
                    "tanh": np.tanh,
                    "relu": lambda v: np.maximum(v, 0.0),
                    "identity": lambda v: v,
                }
                return table[activation](z)
        """
        },
        fails=("test_unknown_activation_raises_value_error",),
        message="raised KeyError, expected ValueError",
    ),
    Mistake(
        id="collapse_forgets_b1",
        module="neuron",
        description="collapse returns b = b2, forgetting that the first bias also passes through W2",
        functions={
            "collapse": """
            def collapse(W1, b1, W2, b2):
                W1, W2 = np.asarray(W1, dtype=float), np.asarray(W2, dtype=float)
                return W1 @ W2, np.asarray(b2, dtype=float)
        """
        },
        fails=("test_collapse_matches_reference", "test_collapse_equals_two_linear_layers"),
        message="b from collapse",
    ),
    Mistake(
        id="collapse_wrong_order",
        module="neuron",
        description="collapse multiplies W2 @ W1 (the order of the layers reversed)",
        functions={
            "collapse": """
            def collapse(W1, b1, W2, b2):
                W1, b1 = np.asarray(W1, dtype=float), np.asarray(b1, dtype=float)
                W2, b2 = np.asarray(W2, dtype=float), np.asarray(b2, dtype=float)
                return W2 @ W1, b1 @ W2 + b2
        """
        },
        fails=("test_collapse_equals_two_linear_layers", "test_collapse_matches_reference"),
        may_fail=("test_inputs_are_not_modified",),
        message="collapse",
    ),
    Mistake(
        id="collapse_adds_into_b2",
        module="neuron",
        description="collapse adds b1 @ W2 into the caller's b2 in place",
        functions={
            "collapse": """
            def collapse(W1, b1, W2, b2):
                b2 = np.asarray(b2)
                b2 += np.asarray(b1) @ np.asarray(W2)
                return np.asarray(W1, dtype=float) @ np.asarray(W2, dtype=float), b2
        """
        },
        fails=("test_inputs_are_not_modified",),
        message="the argument b2 after calling collapse",
    ),
    Mistake(
        id="neuron_multiplies_x_in_place",
        module="neuron",
        description="neuron multiplies the inputs by the weights in place (x *= w), changing the caller's x",
        functions={
            "neuron": """
            def neuron(x, w, b, activation="sigmoid"):
                x = np.asarray(x)
                if x.dtype.kind != "f":
                    x = x.astype(float)
                x *= np.asarray(w, dtype=float)
                return float(activate(x.sum() + b, activation))
        """
        },
        fails=("test_inputs_are_not_modified",),
        message="the argument x after calling neuron",
    ),
    Mistake(
        id="dense_rejects_float32",
        module="neuron",
        description="over-strict input checking: ints are converted, but any float other than float64 is refused",
        functions={
            "dense": """
            def dense(X, W, b, activation="sigmoid"):
                X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
                X, W, b = (a.astype(np.float64) if a.dtype.kind in "iu" else a for a in (X, W, b))
                if not (X.dtype == W.dtype == b.dtype == np.float64):
                    raise TypeError("dense needs float64 arrays")
                return activate(X @ W + b, activation)
        """
        },
        fails=("test_float32_inputs",),
        message="raised TypeError",
    ),
]

VARIANTS = [
    Variant(
        id="neuron_loops",
        module="neuron",
        description="neuron and dense with plain Python loops, neuron called for every (example, neuron) pair",
        functions={
            "neuron": """
                def neuron(x, w, b, activation="sigmoid"):
                    z = float(b)
                    for x_i, w_i in zip(np.asarray(x, dtype=float).tolist(), np.asarray(w, dtype=float).tolist()):
                        z += x_i * w_i
                    return float(activate(np.float64(z), activation))
            """,
            "dense": """
                def dense(X, W, b, activation="sigmoid"):
                    X, W, b = (np.asarray(a, dtype=float) for a in (X, W, b))
                    out = np.zeros((X.shape[0], W.shape[1]))
                    for i in range(X.shape[0]):
                        for j in range(W.shape[1]):
                            out[i, j] = neuron(X[i], W[:, j], b[j], activation)
                    return out
            """,
        },
    ),
    Variant(
        id="neuron_einsum_exp_sigmoid",
        module="neuron",
        description="einsum for the sums, the exp(-|z|) stable sigmoid, a dict of activations with a ValueError",
        functions={
            "activate": """
                def activate(z, activation="sigmoid"):
                    def sigmoid(v):
                        e = np.exp(-np.abs(v))
                        return np.where(v >= 0, 1 / (1 + e), e / (1 + e))
                    table = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0),
                             "identity": lambda v: v}
                    if activation not in table:
                        raise ValueError(f"activation must be one of {sorted(table)}, not {activation!r}")
                    return table[activation](np.asarray(z, dtype=float))
            """,
            "neuron": """
                def neuron(x, w, b, activation="sigmoid"):
                    return activate(np.einsum("i,i->", np.asarray(x, dtype=float), np.asarray(w, dtype=float)) + b,
                                    activation)[()]
            """,
            "dense": """
                def dense(X, W, b, activation="sigmoid"):
                    X, W, b = (np.asarray(a, dtype=float) for a in (X, W, b))
                    return activate(np.einsum("mn,nk->mk", X, W) + b, activation)
            """,
            "collapse": """
                def collapse(W1, b1, W2, b2):
                    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
                    return np.einsum("nh,hk->nk", W1, W2), np.einsum("h,hk->k", b1, W2) + b2
            """,
        },
    ),
    Variant(
        id="neuron_float32_friendly",
        module="neuron",
        description="keeps float32 input in float32 (np.dot, np.result_type), ints become float64",
        functions={
            "neuron": """
                def neuron(x, w, b, activation="sigmoid"):
                    x, w = np.asarray(x), np.asarray(w)
                    dtype = np.result_type(x, w, np.float32) if x.dtype.kind == "f" else np.float64
                    return float(activate(np.dot(x.astype(dtype), w.astype(dtype)) + b, activation))
            """,
            "dense": """
                def dense(X, W, b, activation="sigmoid"):
                    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
                    dtype = np.result_type(X, W, b, np.float32) if X.dtype.kind == "f" else np.float64
                    return activate(np.dot(X.astype(dtype), W.astype(dtype)) + b.astype(dtype), activation)
            """,
        },
    ),
]
