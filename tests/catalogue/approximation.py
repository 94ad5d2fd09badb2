"""Mistakes and correct variants for lesson 7, approximation (relu_fit, relu_net)."""

from . import Mistake, Variant

MISTAKES = [
    Mistake(
        id="relu_fit_kinks_shifted",
        module="approximation",
        description="off by one: hidden unit j bends at x_{j+1} instead of x_j",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y) / np.diff(x)
                return {"W1": np.ones((1, slopes.size)), "b1": -x[1:],
                        "W2": np.diff(slopes, prepend=0.0).reshape(-1, 1), "b2": y[:1].copy()}
        """
        },
        fails=(
            "test_relu_fit_passes_through_every_knot",
            "test_relu_fit_is_linear_between_knots",
            "test_relu_network_approximates_a_curve",
        ),
        message="evaluated at knots_x",
    ),
    Mistake(
        id="relu_fit_unit_per_knot",
        module="approximation",
        description="off by one: one hidden unit per knot (K + 1) instead of one per segment (K)",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.append(np.diff(y) / np.diff(x), 0.0)
                return {"W1": np.ones((1, x.size)), "b1": -x,
                        "W2": np.diff(slopes, prepend=0.0).reshape(-1, 1), "b2": y[:1].copy()}
        """
        },
        fails=("test_relu_fit_uses_one_unit_per_segment",),
        message="for 2 knots returned 2 hidden units (W1 of shape (1, 2)), expected 1",
    ),
    Mistake(
        id="relu_fit_spare_unit",
        module="approximation",
        description="right on every segment, but with one unit too many: a last unit with output weight 0",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y) / np.diff(x)
                changes = np.append(np.diff(slopes, prepend=0.0), 0.0)
                return {"W1": np.ones((1, x.size)), "b1": -x, "W2": changes.reshape(-1, 1), "b2": y[:1].copy()}
        """
        },
        fails=("test_relu_fit_uses_one_unit_per_segment",),
        message="expected 1: one unit per segment",
    ),
    Mistake(
        id="relu_fit_forgets_first_slope",
        module="approximation",
        description="output weights are only the changes of slope: the first segment's own slope is missing (c_0 = 0)",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y) / np.diff(x)
                changes = np.concatenate([[0.0], np.diff(slopes)])
                return {"W1": np.ones((1, slopes.size)), "b1": -x[:-1],
                        "W2": changes.reshape(-1, 1), "b2": y[:1].copy()}
        """
        },
        fails=(
            "test_relu_fit_passes_through_every_knot",
            "test_relu_fit_is_linear_between_knots",
            "test_relu_network_approximates_a_curve",
        ),
        message="evaluated at knots_x",
    ),
    Mistake(
        id="relu_fit_slopes_not_divided",
        module="approximation",
        description="uses the rises np.diff(y) as slopes, forgetting to divide by the runs np.diff(x)",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y)
                return {"W1": np.ones((1, slopes.size)), "b1": -x[:-1],
                        "W2": np.diff(slopes, prepend=0.0).reshape(-1, 1), "b2": y[:1].copy()}
        """
        },
        fails=(
            "test_relu_fit_is_linear_between_knots",
            "test_relu_fit_passes_through_every_knot",
            "test_relu_network_approximates_a_curve",
        ),
        message="evaluated between the knots",
    ),
    Mistake(
        id="relu_fit_forgets_start_height",
        module="approximation",
        description="b2 = 0: the curve starts at height 0 instead of at the first knot",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y) / np.diff(x)
                return {"W1": np.ones((1, slopes.size)), "b1": -x[:-1],
                        "W2": np.diff(slopes, prepend=0.0).reshape(-1, 1), "b2": np.zeros(1)}
        """
        },
        fails=("test_relu_fit_passes_through_every_knot", "test_relu_fit_is_linear_between_knots"),
        message="relu_fit(knots_x, knots_y)",
    ),
    Mistake(
        id="relu_fit_negates_knots_in_place",
        module="approximation",
        description="b1 is a view of knots_x negated in place, so the caller's knots_x changes",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y) / np.diff(x)
                b1 = x[:-1]
                b1 *= -1
                return {"W1": np.ones((1, slopes.size)), "b1": b1.astype(float),
                        "W2": np.diff(slopes, prepend=0.0).reshape(-1, 1), "b2": y[:1].copy()}
        """
        },
        fails=("test_inputs_are_not_modified",),
        message="the argument knots_x after calling relu_fit",
    ),
    Mistake(
        id="relu_net_keeps_output_column",
        module="approximation",
        description="relu_net returns the (..., 1) output column instead of x's shape",
        functions={
            "relu_net": """
            def relu_net(x, params):
                x = np.asarray(x, dtype=float)
                hidden = np.maximum(x[..., None] @ params["W1"] + params["b1"], 0.0)
                return hidden @ params["W2"] + params["b2"]
        """
        },
        fails=("test_relu_net_keeps_the_input_shape",),  # the shape costs only the test that names it
        message="shape",
    ),
    Mistake(
        id="relu_net_flattens",
        module="approximation",
        description="relu_net works on x.reshape(-1, 1) and returns a flat array, losing 0-d and 2-d shapes",
        functions={
            "relu_net": """
            def relu_net(x, params):
                x = np.asarray(x, dtype=float).reshape(-1, 1)
                hidden = np.maximum(x @ params["W1"] + params["b1"], 0.0)
                return (hidden @ params["W2"] + params["b2"]).ravel()
        """
        },
        fails=("test_relu_net_keeps_the_input_shape",),
        message="expected shape",
    ),
    Mistake(
        id="relu_net_no_relu",
        module="approximation",
        description="relu_net leaves out the ReLU, so the network is one straight line",
        functions={
            "relu_net": """
            def relu_net(x, params):
                x = np.asarray(x, dtype=float)
                return ((x[..., None] @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])[..., 0]
        """
        },
        fails=("test_relu_net_matches_reference", "test_relu_network_approximates_a_curve"),
        may_fail=("test_relu_net_keeps_the_input_shape",),
        message="relu_net(x, params)",
    ),
    Mistake(
        id="relu_net_relu_on_output",
        module="approximation",
        description="relu_net also applies the ReLU to the output, so it can never go below 0",
        functions={
            "relu_net": """
            def relu_net(x, params):
                x = np.asarray(x, dtype=float)
                hidden = np.maximum(x[..., None] @ params["W1"] + params["b1"], 0.0)
                return np.maximum(hidden @ params["W2"] + params["b2"], 0.0)[..., 0]
        """
        },
        fails=("test_relu_network_approximates_a_curve", "test_relu_net_matches_reference"),
        may_fail=("test_relu_net_keeps_the_input_shape",),
        message="9 knots on sin(x)",
    ),
]

VARIANTS = [
    Variant(
        id="relu_fit_loops",
        module="approximation",
        description="relu_fit with a loop over the segments, relu_net element by element with np.vectorize-free loops",
        functions={
            "relu_fit": """
                def relu_fit(knots_x, knots_y):
                    xs = [float(v) for v in np.asarray(knots_x).ravel()]
                    ys = [float(v) for v in np.asarray(knots_y).ravel()]
                    W2, previous = [], 0.0
                    for j in range(len(xs) - 1):
                        slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
                        W2.append([slope - previous])
                        previous = slope
                    return {"W1": np.ones((1, len(W2))), "b1": -np.array(xs[:-1]),
                            "W2": np.array(W2), "b2": np.array([ys[0]])}
            """,
            "relu_net": """
                def relu_net(x, params):
                    x = np.asarray(x, dtype=float)
                    W1, b1 = np.asarray(params["W1"], dtype=float)[0], np.asarray(params["b1"], dtype=float)
                    W2, b2 = np.asarray(params["W2"], dtype=float)[:, 0], float(np.asarray(params["b2"])[0])
                    out = np.empty(x.shape)
                    for index in np.ndindex(x.shape):
                        total = b2
                        for j in range(W1.size):
                            total += W2[j] * max(x[index] * W1[j] + b1[j], 0.0)
                        out[index] = total
                    return out
            """,
        },
    ),
    Variant(
        id="relu_fit_mirrored_units",
        module="approximation",
        description="a different network through the same knots: units relu(x_{j+1} - x) that bend at the right ends",
        functions={
            "relu_fit": """
            def relu_fit(knots_x, knots_y):
                x, y = np.asarray(knots_x, dtype=float), np.asarray(knots_y, dtype=float)
                slopes = np.diff(y) / np.diff(x)
                # f(x) = y_K - sum_j c_j relu(x_{j+1} - x), with c_j the slope change seen from the right.
                changes = slopes - np.append(slopes[1:], 0.0)
                return {"W1": -np.ones((1, slopes.size)), "b1": x[1:].copy(),
                        "W2": -changes.reshape(-1, 1), "b2": y[-1:].copy()}
        """
        },
    ),
    Variant(
        id="relu_net_einsum",
        module="approximation",
        description="relu_net with einsum over the hidden units and np.clip for the ReLU",
        functions={
            "relu_net": """
            def relu_net(x, params):
                x = np.asarray(x, dtype=float)
                hidden = np.clip(np.einsum("...,h->...h", x, np.asarray(params["W1"])[0]) + params["b1"], 0.0, None)
                return np.einsum("...h,h->...", hidden, np.asarray(params["W2"])[:, 0]) + params["b2"][0]
        """
        },
    ),
    Variant(
        id="relu_net_float32_preserving",
        module="approximation",
        description="relu_net computes in float32 when x is float32 (weights cast down too)",
        functions={
            "relu_net": """
            def relu_net(x, params):
                x = np.asarray(x)
                dtype = x.dtype if x.dtype.kind == "f" else np.float64
                W1, b1, W2, b2 = (np.asarray(params[k], dtype=dtype) for k in ("W1", "b1", "W2", "b2"))
                hidden = np.maximum(x.astype(dtype)[..., None] @ W1 + b1, 0)
                return (hidden @ W2 + b2)[..., 0]
        """
        },
    ),
]
