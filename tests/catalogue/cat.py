"""Mistakes and correct variants for lesson 5, cat ("is this a picture of a cat?")."""

from . import Mistake, Variant

FLATTEN_TESTS = ("test_flatten_scales_pixels_to_unit_range", "test_flatten_matches_reference")
TRAIN_TESTS = ("test_train_logistic_costs_match_reference", "test_train_logistic_weights_match_reference",
               "test_trained_neuron_recognises_hidden_cats")  # fmt: skip


def _train(
    update_w="w = w - lr * (X.T @ dz) / m", update_b="b = b - lr * float(np.mean(dz))", record="if epoch % 100 == 0:"
):
    """train_logistic's reference source with one line changed."""
    return f"""
        def train_logistic(X, y, lr=0.005, epochs=2000):
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float).reshape(-1)
            m, n = X.shape
            w, b = np.zeros(n), 0.0
            costs = []
            for epoch in range(epochs):
                a = _sigmoid(X @ w + b)
                {record}
                    a_safe = np.clip(a, 1e-15, 1 - 1e-15)
                    costs.append(float(-np.mean(y * np.log(a_safe) + (1 - y) * np.log(1 - a_safe))))
                dz = a - y
                {update_w}
                {update_b}
            return w, b, costs
    """


MISTAKES = [
    Mistake(
        id="cat_unnormalised_pixels",
        module="cat",
        description="flattens but forgets to divide by 255",
        functions={
            "flatten": """
            def flatten(images):
                images = np.asarray(images)
                return images.reshape(images.shape[0], -1).astype(float)
        """
        },
        fails=FLATTEN_TESTS,
        message="expected values in [0, 1]",
    ),
    Mistake(
        id="cat_flatten_scrambled_order",
        module="cat",
        description="reshape(-1, m).T: the right shape, but each row mixes several pictures",
        functions={
            "flatten": """
            def flatten(images):
                images = np.asarray(images)
                return images.reshape(-1, images.shape[0]).T / 255.0
        """
        },
        fails=("test_flatten_matches_reference", "test_flatten_scales_pixels_to_unit_range"),
        message="random uint8 pictures",
    ),
    Mistake(
        id="cat_flatten_one_column_per_picture",
        module="cat",
        description="the classic course's (12288, m) layout instead of one row per picture",
        functions={
            "flatten": """
            def flatten(images):
                images = np.asarray(images)
                return images.reshape(images.shape[0], -1).T / 255.0
        """
        },
        fails=FLATTEN_TESTS,
        message="expected shape (3, 12288)",
    ),
    Mistake(
        id="cat_flatten_reshapes_in_place",
        module="cat",
        description="sets images.shape, which changes the caller's array",
        functions={
            "flatten": """
            def flatten(images):
                images.shape = (images.shape[0], -1)
                return images / 255.0
        """
        },
        fails=("test_flatten_matches_reference",),
        message="the pictures after calling flatten",
    ),
    Mistake(
        id="cat_costs_every_epoch",
        module="cat",
        description="records the cost at every epoch instead of every 100",
        functions={"train_logistic": _train(record="if True:")},
        fails=("test_train_logistic_costs_match_reference",),
        message="holds 950 values, expected 10",
    ),
    Mistake(
        id="cat_costs_after_the_step",
        module="cat",
        description="records the cost at epochs 99, 199, ...: never the log 2 of the start",
        functions={"train_logistic": _train(record="if epoch % 100 == 99:")},
        fails=("test_train_logistic_costs_match_reference",),
        message="holds 9 values",
    ),
    Mistake(
        id="cat_gradient_not_divided_by_m",
        module="cat",
        description="uses the summed gradient X.T @ (a - y) without dividing by m",
        functions={
            "train_logistic": _train(update_w="w = w - lr * (X.T @ dz)", update_b="b = b - lr * float(np.sum(dz))")
        },
        fails=("test_train_logistic_weights_match_reference", "test_train_logistic_costs_match_reference"),
        message="as element [0] (w), expected",
        may_fail=TRAIN_TESTS,
    ),
    Mistake(
        id="cat_bias_never_updated",
        module="cat",
        description="updates w but leaves b at 0",
        functions={"train_logistic": _train(update_b="pass")},
        fails=("test_train_logistic_weights_match_reference",),
        message="[1] (b) is still 0",
        may_fail=TRAIN_TESTS,
    ),
    Mistake(
        id="cat_gradient_ascent",
        module="cat",
        description="w += lr * dw: walks uphill, away from the cats",
        functions={
            "train_logistic": _train(update_w="w = w + lr * (X.T @ dz) / m", update_b="b = b + lr * float(np.mean(dz))")
        },
        fails=("test_trained_neuron_recognises_hidden_cats", "test_train_logistic_weights_match_reference"),
        message="pictures it never saw",
        may_fail=TRAIN_TESTS,
    ),
    Mistake(
        id="cat_predict_z_above_half",
        module="cat",
        description="compares z (not the probability) with 0.5",
        functions={
            "predict": """
            def predict(X, w, b):
                z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
                return (z > 0.5).astype(float)
        """
        },
        fails=("test_predict_thresholds_at_one_half",),
        message="predict(X, w=[1, 0], b=0)",
    ),
    Mistake(
        id="cat_predict_probability_above_zero",
        module="cat",
        description="compares the probability (not z) with 0: every picture is a cat",
        functions={
            "predict": """
            def predict(X, w, b):
                a = _sigmoid(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b)
                return (a > 0).astype(float)
        """
        },
        fails=("test_predict_thresholds_at_one_half",),
        message="first difference at index 0",
    ),
    Mistake(
        id="cat_accuracy_percent",
        module="cat",
        description="returns a percentage instead of a fraction",
        functions={
            "accuracy": """
            def accuracy(y_pred, y_true):
                return 100.0 * float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))
        """
        },
        fails=("test_accuracy_values",),
        message="accuracy(",
    ),
]

MISTAKES += [
    Mistake(
        id="cat_flatten_hard_coded_size",
        module="cat",
        description="images.reshape(m, 64 * 64 * 3): right for the lesson's pictures, wrong for any other size",
        functions={
            "flatten": """
            def flatten(images):
                images = np.asarray(images)
                return images.reshape(images.shape[0], 64 * 64 * 3) / 255.0
        """
        },
        fails=("test_flatten_matches_reference",),
        message="shape=(8, 8, 3)",  # the smallest failing input: the reshape raises for 8 x 8 x 3 pictures
    ),
    Mistake(
        id="cat_flatten_scales_only_bright_pictures",
        module="cat",
        description="divides by 255 only when the largest value is above 1, so a very dark picture is left unscaled",
        functions={
            "flatten": """
            def flatten(images):
                X = np.asarray(images).reshape(len(images), -1).astype(float)
                if X.max() > 1:
                    X = X / 255
                return X
        """
        },
        fails=("test_flatten_scales_pixels_to_unit_range",),
        message="2 very dark uint8 pictures of shape (64, 64, 3)",
    ),
]

VARIANTS = [
    Variant(
        id="cat_flatten_float32",
        module="cat",
        description="flatten in float32, reshaping with an explicit size",
        functions={
            "flatten": """
            def flatten(images):
                images = np.asarray(images)
                m = images.shape[0]
                return images.reshape(m, images.size // m).astype(np.float32) / np.float32(255)
        """
        },
    ),
    Variant(
        id="cat_train_column_vectors",
        module="cat",
        description="the classic course's shapes: w as an (n, 1) column, costs squeezed from arrays",
        functions={
            "train_logistic": """
            def train_logistic(X, y, lr=0.005, epochs=2000):
                X = np.asarray(X, dtype=float)
                Y = np.asarray(y, dtype=float).reshape(1, -1)
                m = X.shape[0]
                w = np.zeros((X.shape[1], 1))
                b = 0
                costs = []
                for i in range(epochs):
                    A = 1 / (1 + np.exp(-(w.T @ X.T + b)))
                    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
                    dw = 1 / m * X.T @ (A - Y).T
                    db = 1 / m * np.sum(A - Y)
                    w = w - lr * dw
                    b = b - lr * db
                    if i % 100 == 0:
                        costs.append(np.squeeze(cost))
                return w.reshape(-1), float(b), costs
        """
        },
    ),
    Variant(
        id="cat_train_stable_cost",
        module="cat",
        description="the cost written as mean(log(1 + e^z) - y z) with np.logaddexp, in a while loop",
        functions={
            "train_logistic": """
            def train_logistic(X, y, lr=0.005, epochs=2000):
                X = np.asarray(X, dtype=float)
                y = np.asarray(y, dtype=float)
                w = np.zeros(X.shape[1])
                b = 0.0
                costs = []
                epoch = 0
                while epoch < epochs:
                    z = X.dot(w) + b
                    if epoch % 100 == 0:
                        costs.append(float(np.mean(np.logaddexp(0.0, z) - y * z)))
                    error = _sigmoid(z) - y
                    w = w - lr * X.T.dot(error) / len(y)
                    b = b - lr * error.sum() / len(y)
                    epoch += 1
                return w, b, costs
        """
        },
    ),
    Variant(
        id="cat_predict_at_least_half",
        module="cat",
        description="predict with sigmoid(z) >= 0.5, returning booleans",
        functions={
            "predict": """
            def predict(X, w, b):
                return _sigmoid(np.dot(np.asarray(X, dtype=float), w) + b) >= 0.5
        """
        },
    ),
    Variant(
        id="cat_accuracy_loop",
        module="cat",
        description="accuracy counting matches in a loop",
        functions={
            "accuracy": """
            def accuracy(y_pred, y_true):
                right = 0
                for p, t in zip(list(y_pred), list(y_true)):
                    right += int(p == t)
                return right / len(y_true)
        """
        },
    ),
]
