"""Mistakes and correct variants for lesson 1, activations."""

from . import Mistake, Variant

MISTAKES = [
    Mistake(
        id="sigmoid_naive_overflow",
        module="activations",
        description="the textbook formula overflows for z below about -709",
        functions={"sigmoid": '''
            def sigmoid(z):
                return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
        '''},
        fails=("test_sigmoid_is_stable_for_extreme_inputs",),
        message="overflow",
    ),
    Mistake(
        id="relu_grad_one_at_zero",
        module="activations",
        description="uses z >= 0, so relu_grad(0) == 1",
        functions={"relu_grad": '''
            def relu_grad(z):
                return (np.asarray(z, dtype=float) >= 0).astype(float)
        '''},
        fails=("test_relu_grad_at_zero_is_zero", "test_relu_grad_matches_reference"),
        message="relu_grad([0.0, -0.0])",
    ),
]

VARIANTS = [
    Variant(
        id="sigmoid_tanh_form",
        module="activations",
        description="sigmoid written through tanh",
        functions={"sigmoid": '''
            def sigmoid(z):
                z = np.asarray(z)
                z = z if z.dtype.kind == "f" else z.astype(float)
                return 0.5 * (1 + np.tanh(0.5 * z))
        '''},
    ),
    Variant(
        id="relu_loop",
        module="activations",
        description="relu with a Python loop over a flattened copy",
        functions={"relu": '''
            def relu(z):
                z = np.array(z, dtype=float if np.asarray(z).dtype.kind != "f" else np.asarray(z).dtype)
                flat = z.reshape(-1)
                for i in range(flat.size):
                    if flat[i] < 0:
                        flat[i] = 0.0
                return flat.reshape(z.shape)
        '''},
    ),
]
