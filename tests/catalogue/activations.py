"""Mistakes and correct variants for lesson 1, activations."""

from . import Mistake, Variant

MISTAKES = [
    Mistake(
        id="sigmoid_naive_overflow",
        module="activations",
        description="the textbook formula overflows for z below about -709",
        functions={
            "sigmoid": """
            def sigmoid(z):
                return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
        """
        },
        fails=("test_sigmoid_is_stable_for_extreme_inputs",),
        message="overflow",
    ),
    Mistake(
        id="relu_grad_one_at_zero",
        module="activations",
        description="uses z >= 0, so relu_grad(0) == 1",
        functions={
            "relu_grad": """
            def relu_grad(z):
                return (np.asarray(z, dtype=float) >= 0).astype(float)
        """
        },
        fails=("test_relu_grad_at_zero_is_zero",),  # the boundary costs only the test that names it
        message="relu_grad([0.0, -0.0])",
    ),
    Mistake(
        id="sigmoid_masked_zeros_like",
        module="activations",
        description="a masked stable sigmoid filling np.zeros_like(z): integer input gives an integer array of 0s and 1s",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z)
                out = np.zeros_like(z)
                pos = z >= 0
                out[pos] = 1 / (1 + np.exp(-z[pos]))
                e = np.exp(z[~pos])
                out[~pos] = e / (1 + e)
                return out
        """
        },
        fails=("test_sigmoid_returns_floats_for_integer_input", "test_sigmoid_matches_reference"),
        may_fail=("test_sigmoid_grad_matches_reference",),
        message="dtype int64",
    ),
    Mistake(
        id="sigmoid_where_both_branches",
        module="activations",
        description="np.where(z >= 0, 1/(1+exp(-z)), exp(z)/(1+exp(z))) looks stable but evaluates both branches",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z, dtype=float)
                return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
        """
        },
        fails=("test_sigmoid_is_stable_for_extreme_inputs",),
        message="numpy warning",
    ),
    Mistake(
        id="sigmoid_negative_branch_everywhere",
        module="activations",
        description="uses the z < 0 form e/(1+e) with e = exp(-|z|) for every z, so sigmoid(z) = sigmoid(-|z|)",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z, dtype=float)
                e = np.exp(-np.abs(z))
                return e / (1 + e)
        """
        },
        fails=(
            "test_sigmoid_symmetry_and_range",
            "test_sigmoid_matches_reference",
            "test_sigmoid_returns_floats_for_integer_input",
            "test_sigmoid_is_stable_for_extreme_inputs",
        ),
        may_fail=("test_gradients_agree_with_finite_differences",),
        message="compared with 1 - sigmoid(z)",
    ),
    Mistake(
        id="sigmoid_sign_swapped",
        module="activations",
        description="1 / (1 + exp(z)) in a stable form: the curve mirrored, so the derivative has the wrong sign",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z, dtype=float)
                e = np.exp(-np.abs(z))
                return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
        """
        },
        fails=(
            "test_gradients_agree_with_finite_differences",
            "test_sigmoid_matches_reference",
            "test_sigmoid_returns_floats_for_integer_input",
            "test_sigmoid_is_stable_for_extreme_inputs",
        ),
        message="sigmoid_grad(z) compared with a finite difference of sigmoid",
    ),
    Mistake(
        id="tanh_math_module",
        module="activations",
        description="math.tanh only takes one number, not an array",
        functions={
            "tanh": """
            def tanh(z):
                import math
                return math.tanh(z)
        """
        },
        fails=("test_tanh_matches_reference", "test_tanh_is_a_stretched_sigmoid"),
        may_fail=(
            "test_tanh_grad_matches_reference",
            "test_gradients_agree_with_finite_differences",
            "test_activations_do_not_modify_their_input",
        ),
        message="raised TypeError",
    ),
    Mistake(
        id="tanh_flattens",
        module="activations",
        description="flattens its input, so a 0-d or 2-d input comes back 1-d",
        functions={
            "tanh": """
            def tanh(z):
                return np.tanh(np.asarray(z, dtype=float).flatten())
        """
        },
        fails=("test_tanh_matches_reference", "test_tanh_is_a_stretched_sigmoid"),
        may_fail=("test_tanh_grad_matches_reference",),
        message="shape",
    ),
    Mistake(
        id="tanh_from_sigmoid_forgets_2z",
        module="activations",
        description="tanh(z) = 2 sigmoid(z) - 1 (should be sigmoid(2z))",
        functions={
            "tanh": """
            def tanh(z):
                return 2 * sigmoid(z) - 1
        """
        },
        fails=("test_tanh_matches_reference", "test_tanh_is_a_stretched_sigmoid"),
        may_fail=("test_tanh_grad_matches_reference", "test_gradients_agree_with_finite_differences"),
        message="tanh(z)",
    ),
    Mistake(
        id="relu_maximum_keeps_int",
        module="activations",
        description="np.maximum(z, 0) without converting: integer input gives integer output",
        functions={
            "relu": """
            def relu(z):
                return np.maximum(z, 0)
        """
        },
        fails=("test_relu_matches_reference",),
        message="dtype int64",
    ),
    Mistake(
        id="relu_where_keeps_int",
        module="activations",
        description="np.where(z > 0, z, 0) on integer input returns integers",
        functions={
            "relu": """
            def relu(z):
                z = np.asarray(z)
                return np.where(z > 0, z, 0)
        """
        },
        fails=("test_relu_matches_reference",),
        message="expected floating-point numbers",
    ),
    Mistake(
        id="relu_in_place",
        module="activations",
        description="zeroes the negatives of a float input in place, changing the caller's array",
        functions={
            "relu": """
            def relu(z):
                z = np.asarray(z)
                if z.dtype.kind != "f":
                    z = z.astype(float)
                z[z < 0] = 0
                return z
        """
        },
        fails=("test_activations_do_not_modify_their_input",),
        message="after calling relu(z)",
    ),
    Mistake(
        id="sigmoid_grad_of_z",
        module="activations",
        description="z * (1 - z): the formula applied to z instead of to sigmoid(z)",
        functions={
            "sigmoid_grad": """
            def sigmoid_grad(z):
                z = np.asarray(z, dtype=float)
                return z * (1 - z)
        """
        },
        fails=("test_sigmoid_grad_matches_reference", "test_gradients_agree_with_finite_differences"),
        message="sigmoid_grad(z)",
    ),
    Mistake(
        id="tanh_grad_not_squared",
        module="activations",
        description="1 - tanh(z) instead of 1 - tanh(z)**2",
        functions={
            "tanh_grad": """
            def tanh_grad(z):
                return 1 - tanh(z)
        """
        },
        fails=("test_tanh_grad_matches_reference", "test_gradients_agree_with_finite_differences"),
        message="tanh_grad(z)",
    ),
    Mistake(
        id="relu_grad_booleans",
        module="activations",
        description="returns the boolean mask z > 0 instead of floats",
        functions={
            "relu_grad": """
            def relu_grad(z):
                return np.asarray(z) > 0
        """
        },
        fails=("test_relu_grad_matches_reference", "test_gradients_agree_with_finite_differences"),
        may_fail=("test_relu_grad_at_zero_is_zero",),
        message="dtype bool",
    ),
    Mistake(
        id="sigmoid_no_asarray",
        module="activations",
        description="a stable sigmoid that never converts its input: z >= 0 fails on a Python list",
        functions={
            "sigmoid": """
            def sigmoid(z):
                e = np.exp(-np.abs(z))
                return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        """
        },
        fails=("test_sigmoid_matches_reference", "test_sigmoid_returns_floats_for_integer_input"),
        may_fail=("test_sigmoid_grad_matches_reference",),
        message="raised TypeError",
    ),
    Mistake(
        id="relu_leaky",
        module="activations",
        description="a leaky ReLU (slope 0.01 for z < 0) where the plain ReLU was asked for",
        functions={
            "relu": """
            def relu(z):
                z = np.asarray(z, dtype=float)
                return np.where(z > 0, z, 0.01 * z)
        """
        },
        fails=("test_relu_properties", "test_relu_matches_reference"),
        may_fail=("test_gradients_agree_with_finite_differences",),
        message="relu(z) - relu(-z) compared with z",
    ),
]

VARIANTS = [
    Variant(
        id="sigmoid_tanh_form",
        module="activations",
        description="sigmoid written through tanh",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z)
                z = z if z.dtype.kind == "f" else z.astype(float)
                return 0.5 * (1 + np.tanh(0.5 * z))
        """
        },
    ),
    Variant(
        id="relu_loop",
        module="activations",
        description="relu with a Python loop over a flattened copy",
        functions={
            "relu": """
            def relu(z):
                z = np.array(z, dtype=float if np.asarray(z).dtype.kind != "f" else np.asarray(z).dtype)
                flat = z.reshape(-1)
                for i in range(flat.size):
                    if flat[i] < 0:
                        flat[i] = 0.0
                return flat.reshape(z.shape)
        """
        },
    ),
    Variant(
        id="sigmoid_clipped_naive",
        module="activations",
        description="the textbook formula on z clipped to [-500, 500]: exact to far below the tolerance, never overflows",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z)
                z = z if z.dtype.kind == "f" else z.astype(float)
                return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
        """
        },
    ),
    Variant(
        id="sigmoid_masked_float",
        module="activations",
        description="a masked stable sigmoid that fills a float array (np.empty(z.shape, dtype=float))",
        functions={
            "sigmoid": """
            def sigmoid(z):
                z = np.asarray(z, dtype=float)
                out = np.empty(z.shape, dtype=float)
                pos = z >= 0
                out[pos] = 1 / (1 + np.exp(-z[pos]))
                e = np.exp(z[~pos])
                out[~pos] = e / (1 + e)
                return out
        """
        },
    ),
    Variant(
        id="float32_preserving",
        module="activations",
        description="every function computes in the input's float dtype (float32 stays float32), via np.result_type",
        functions={
            "sigmoid": """
                def sigmoid(z):
                    z = np.asarray(z)
                    z = z.astype(np.result_type(z.dtype, np.float16) if z.dtype.kind == "f" else np.float64)
                    e = np.exp(-np.abs(z))
                    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)
            """,
            "tanh_grad": """
                def tanh_grad(z):
                    return 1 / np.cosh(np.asarray(z, dtype=float)) ** 2
            """,
            "relu_grad": """
                def relu_grad(z):
                    z = np.asarray(z)
                    return np.heaviside(z, 0.0).astype(z.dtype if z.dtype.kind == "f" else float)
            """,
        },
    ),
    Variant(
        id="relu_multiply_mask",
        module="activations",
        description="relu(z) = z * (z > 0) on floats",
        functions={
            "relu": """
            def relu(z):
                z = np.asarray(z)
                z = z if z.dtype.kind == "f" else z.astype(float)
                return z * (z > 0)
        """
        },
    ),
]
