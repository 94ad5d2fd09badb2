"""Hidden tests for lesson 4, xor: initialisation, forward pass, loss, backpropagation, training, prediction.

Training is checked by what it achieves, not by its code: the student's
trained weights are evaluated here, on the trusted side, with the reference
forward pass, and must do as well as the reference does from the same seed.
Truth tables the student never saw (AND, OR, NAND, XNOR, random 3-input
tables) make hard-coded weights fail.

Example counts are set with ``@settings`` in this file rather than with
max_examples in course.yaml, because the plugin (so far) cannot apply
course.yaml's per-test max_examples when one session grades several
submissions.
"""

import itertools

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from autograder.errors import StudentRaised
from autograder.testing import as_array, expect_close, expect_equal, expect_shape, expect_true, fail, show

X2 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
X3 = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
XOR = np.array([[0.0], [1.0], [1.0], [0.0]])
KEYS = ("W1", "b1", "W2", "b2")
GRAD_KEYS = ("dW1", "db1", "dW2", "db2")

# Training budget per call: enough for the reference to learn every 2-input table from these seeds.
XOR_SEEDS = (1, 2, 3)
TABLE_EPOCHS = 200
RANDOM_TABLE_EPOCHS = 300

TRAIN_HINT = ("Each epoch, in this order: one forward pass, the loss, all four gradients from backward (from that same "
              "forward pass, before any weight changes), then all four updates W = W - lr * dW; start from init_params.")
BACKWARD_HINT = ("dZ2 = (A2 - Y) / Y.size (the loss is the mean over every entry of Y); dZ1 = (dZ2 @ W2.T) * (1 - A1**2); "
                 "dW = input.T @ dZ, db = dZ.sum(axis=0).")


def _shapes(n_in, n_hidden, n_out):
    return {"W1": (n_in, n_hidden), "b1": (n_hidden,), "W2": (n_hidden, n_out), "b2": (n_out,)}


def _params(got, n_in, n_hidden, n_out, *, call, keys=KEYS, hint=""):
    """The student's dict of arrays, checked for keys and shapes, as float64 arrays."""
    if not isinstance(got, dict):
        fail(f"{call} returned {show(got)}, expected a dict with keys {', '.join(keys)}",
             hint or "Return a dict such as {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}.")
    missing = [k for k in keys if k not in got]
    if missing:
        fail(f"{call} returned a dict without {', '.join(repr(k) for k in missing)} (its keys: {sorted(map(str, got))})",
             hint or f"Use exactly these keys: {', '.join(keys)}.")
    shapes = _shapes(n_in, n_hidden, n_out)
    out = {}
    for k in keys:
        want = shapes[k.lstrip("d")]
        arr = expect_shape(got[k], want, call=f"{call}[{k!r}]",
                           hint=hint or f"{k} has shape {want} for a {n_in}-{n_hidden}-{n_out} network.")
        out[k] = arr.astype(np.float64)
    return out


@st.composite
def networks(draw, *, n_out=None, max_m=5):
    """(X, Y, params): a small random network and a batch of inputs with 0/1 targets.

    Hypothesis draws the sizes and a seed; numpy draws the numbers (much faster than drawing
    every float through hypothesis, and the failing example is still shown in full).
    """
    m = draw(st.integers(1, max_m))
    n_in = draw(st.integers(1, 3))
    n_hidden = draw(st.integers(1, 4))
    n_out = draw(st.integers(1, 2)) if n_out is None else n_out
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.uniform(-3, 3, (m, n_in))
    params = {"W1": rng.uniform(-3, 3, (n_in, n_hidden)), "b1": rng.uniform(-2, 2, n_hidden),
              "W2": rng.uniform(-3, 3, (n_hidden, n_out)), "b2": rng.uniform(-2, 2, n_out)}  # fmt: skip
    Y = (rng.random((m, n_out)) < 0.5).astype(np.float64)
    return X, Y, params


# ----------------------------------------------------------------------------- init_params


@settings(max_examples=10)
@given(n_in=st.integers(1, 4), n_hidden=st.integers(1, 6), n_out=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_init_params_matches_reference(student, reference, n_in, n_hidden, n_out, seed):
    """init_params draws W1 then W2 from default_rng(seed).standard_normal, with zero biases."""
    call = f"init_params({n_in}, {n_hidden}, {n_out}, seed={seed})"
    got = _params(student.xor.init_params(n_in, n_hidden, n_out, seed), n_in, n_hidden, n_out, call=call)
    want = reference.xor.init_params(n_in, n_hidden, n_out, seed)
    for k in KEYS:
        expect_close(got[k], want[k], call=f"{call}[{k!r}]", rtol=1e-12, atol=0,
                     hint="rng = np.random.default_rng(seed); draw W1 first, then W2, with rng.standard_normal; biases are zeros.")


# ----------------------------------------------------------------------------- forward


@settings(max_examples=15)
@given(net=networks(), as_list=st.booleans())
def test_forward_matches_reference(student, reference, net, as_list):
    """forward returns A2 = sigmoid(tanh(X W1 + b1) W2 + b2) and the cache Z1, A1, Z2, A2, on any small network."""
    X, _, params = net
    m, n_in, n_hidden, n_out = X.shape[0], X.shape[1], params["W1"].shape[1], params["W2"].shape[1]
    call = "forward(X, params)"
    got = student.xor.forward(X.tolist() if as_list else X, params)
    A2_want, cache_want = reference.xor.forward(X, params)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {show(got)}, expected a pair (A2, cache)", "End with: return A2, cache.")
    A2, cache = got
    hint = "Z1 = X @ W1 + b1, A1 = tanh(Z1), Z2 = A1 @ W2 + b2, A2 = sigmoid(Z2)."
    expect_close(A2, A2_want, call=f"{call}[0] (A2)", rtol=1e-9, atol=1e-12, hint=hint)
    if not isinstance(cache, dict) or any(k not in cache for k in ("Z1", "A1", "Z2", "A2")):
        fail(f"{call}[1] (the cache) is {show(cache)}, expected a dict with keys 'Z1', 'A1', 'Z2', 'A2'",
             "backward needs the intermediate arrays: return them in a dict.")
    for k, shape in (("Z1", (m, n_hidden)), ("A1", (m, n_hidden)), ("Z2", (m, n_out)), ("A2", (m, n_out))):
        expect_close(cache[k], cache_want[k], call=f"{call}[1][{k!r}]", rtol=1e-9, atol=1e-12, hint=hint)


# ----------------------------------------------------------------------------- bce_loss


@st.composite
def predictions(draw):
    """(A, Y): probabilities strictly inside (0, 1), away from the clipping, and 0/1 targets of the same shape."""
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(1e-4, 1 - 1e-4, shape), (rng.random(shape) < 0.5).astype(np.float64)


@settings(max_examples=15)
@given(pair=predictions())
def test_bce_loss_matches_reference(student, reference, pair):
    """bce_loss is the mean binary cross-entropy over every entry, for predictions strictly between 0 and 1."""
    A, Y = pair
    got = student.xor.bce_loss(A, Y)
    expect_close(got, reference.xor.bce_loss(A, Y), call="bce_loss(A, Y)", rtol=1e-9, atol=1e-12,
                 hint="-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)): the mean over every entry, as one float.")


def test_bce_loss_is_finite_at_zero_and_one(student):
    """bce_loss stays finite, without numpy warnings, when a prediction is exactly 0 or 1."""
    hint = "Clip A into [1e-12, 1 - 1e-12] before taking logs: log(0) is -inf, and 0 * log(0) is nan."
    A_wrong = np.array([[0.0], [1.0], [1.0], [0.0]])
    Y = np.array([[1.0], [0.0], [1.0], [0.0]])
    call = "bce_loss(A=[[0], [1], [1], [0]], Y=[[1], [0], [1], [0]])"
    got, warnings = student.xor.bce_loss.with_warnings(A_wrong, Y)
    value = as_array(got, call=call, hint=hint)
    expect_true(value.size == 1 and bool(np.isfinite(value).all()), f"{call} returned {show(got)}, expected a finite number", hint)
    expect_true(not warnings, f"{call} emitted a numpy warning: {warnings[0] if warnings else ''}", hint)
    expect_true(float(value) > 1.0, f"{call} returned {float(value)!r}: two answers are certainly wrong, so the loss must be large", hint)
    call = "bce_loss(A=Y, Y=[[1], [0], [1], [0]]) (perfect answers)"
    got, warnings = student.xor.bce_loss.with_warnings(Y, Y)
    value = as_array(got, call=call, hint=hint)
    expect_true(value.size == 1 and bool(np.isfinite(value).all()), f"{call} returned {show(got)}, expected a finite number", hint)
    expect_true(not warnings, f"{call} emitted a numpy warning: {warnings[0] if warnings else ''}", hint)
    expect_true(0 <= float(value) < 1e-3, f"{call} returned {float(value)!r}, expected (almost) 0", hint)


# ----------------------------------------------------------------------------- backward


@settings(max_examples=15)
@given(net=networks(n_out=1))
def test_backward_matches_reference(student, reference, net):
    """backward returns the gradients of bce_loss with respect to W1, b1, W2, b2, like the reference."""
    X, Y, params = net
    n_in, n_hidden = X.shape[1], params["W1"].shape[1]
    _, cache = reference.xor.forward(X, params)
    call = "backward(X, Y, params, cache)"
    value, after = student.xor.backward.with_inputs(X, Y, params, cache)
    got = _params(value, n_in, n_hidden, 1, call=call, keys=GRAD_KEYS)
    want = reference.xor.backward(X, Y, params, cache)
    for k in GRAD_KEYS:
        expect_close(got[k], want[k], call=f"{call}[{k!r}]", rtol=1e-7, atol=1e-12,
                     hint=BACKWARD_HINT)
    for name, before, now in zip(("params", "cache"), (params, cache), after[2:]):
        for k in before:
            expect_close(now.get(k) if isinstance(now, dict) else now, before[k], rtol=0, atol=0,
                         call=f"{name}[{k!r}] after calling {call}",
                         hint="backward must not change its arguments: compute new arrays (dZ2 = A2 - Y), never A2 -= Y.")



@settings(max_examples=10)
@given(net=networks(n_out=2))
def test_backward_with_two_outputs(student, reference, net):
    """backward also matches the reference when the network has two output units (dZ2 @ W2.T is a matrix product)."""
    X, Y, params = net
    m, n_in, n_hidden = X.shape[0], X.shape[1], params["W1"].shape[1]
    _, cache = reference.xor.forward(X, params)
    call = f"backward(X, Y, params, cache) on {m} row(s) of a {n_in}-{n_hidden}-2 network (two outputs)"
    hint = ("With several outputs dZ1 = (dZ2 @ W2.T) * (1 - A1**2) needs the matrix product (m, n_out) @ "
            "(n_out, n_hidden), not *; and dZ2 = (A2 - Y) / Y.size, the loss being the mean over every entry.")
    try:
        value = student.xor.backward(X, Y, params, cache)
    except StudentRaised as err:
        fail(f"{call}: {err.message}; here dZ2 is ({m}, 2) and W2.T is (2, {n_hidden})", hint)
    got = _params(value, n_in, n_hidden, 2, call=call, keys=GRAD_KEYS)
    want = reference.xor.backward(X, Y, params, cache)
    for k in GRAD_KEYS:
        expect_close(got[k], want[k], call=f"{call}[{k!r}]", rtol=1e-7, atol=1e-12, hint=hint)

def _numerical_gradient(xor, X, Y, params, key, h=1e-5):
    grad = np.zeros_like(params[key])
    for idx in np.ndindex(grad.shape):
        values = []
        for step in (h, -h):
            p = {k: v.copy() for k, v in params.items()}
            p[key][idx] += step
            values.append(xor.bce_loss(xor.forward(X, p)[0], Y))
        grad[idx] = (values[0] - values[1]) / (2 * h)
    return grad


def _gradient_check_cases(xor):
    rng = np.random.default_rng(2024)
    cases = [("XOR, init_params(2, 4, 1, seed=1)", X2, XOR, xor.init_params(2, 4, 1, 1))]
    params = {"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 1)), "b2": rng.normal(size=1)}
    Y = (rng.random((6, 1)) < 0.5).astype(float)
    cases.append(("6 random rows, a random 3-5-1 network", rng.normal(size=(6, 3)), Y, params))
    return cases


def test_backward_passes_gradient_check(student, reference):
    """backward agrees with centred finite differences of the loss (relative error below 1e-6)."""
    xor = reference.module("xor")
    for name, X, Y, params in _gradient_check_cases(xor):
        n_in, n_hidden = params["W1"].shape
        _, cache = xor.forward(X, params)
        call = f"backward(X, Y, params, cache) on {name}"
        got = _params(student.xor.backward(X, Y, params, cache), n_in, n_hidden, 1, call=call, keys=GRAD_KEYS)
        for k in KEYS:
            numeric = _numerical_gradient(xor, X, Y, params, k)
            analytic = got["d" + k]
            rel = float(np.linalg.norm(analytic - numeric) / max(1e-8, np.linalg.norm(analytic) + np.linalg.norm(numeric)))
            expect_true(
                rel < 1e-6,
                f"{call}['d{k}'] disagrees with a numerical gradient check: relative error {rel:.3g} (it should be "
                f"below 1e-6); you returned {show(analytic)}, the finite differences give {show(numeric)}",
                "Check the sign (the gradient points uphill), the 1 / Y.size of the mean, and the tanh derivative 1 - A1**2.",
            )


# ----------------------------------------------------------------------------- train


def _evaluate(xor, X, Y, params):
    """(accuracy, loss) of a trained network, computed here with the reference forward pass."""
    A2, _ = xor.forward(X, params)
    return float(np.mean((A2[:, 0] > 0.5) == (Y[:, 0] > 0.5))), float(xor.bce_loss(A2, Y))


def _check_training(student, reference, X, Y, *, seed, epochs, name):
    """Train the student's network and the reference from the same seed; the student must do as well."""
    xor = reference.module("xor")
    n_in = X.shape[1]
    call = f"train(X, Y, n_hidden=4, lr=1.0, epochs={epochs}, seed={seed}) on {name}"
    got = student.xor.train(X, Y, n_hidden=4, lr=1.0, epochs=epochs, seed=seed)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {show(got)}, expected a pair (params, losses)", "End with: return params, losses.")
    params = _params(got[0], n_in, 4, 1, call=f"{call}[0]", hint=TRAIN_HINT)
    losses = as_array(got[1], call=f"{call}[1] (losses)", hint="losses is a list with one float per epoch.")
    expect_true(losses.shape == (epochs,),
                f"{call}[1] (losses) has shape {losses.shape}: expected one loss per epoch, {epochs} in all",
                "Append the loss once per epoch.")
    expect_true(bool(np.isfinite(losses).all()), f"{call}[1] (losses) holds non-finite values: {show(losses)}",
                "Use your clipped bce_loss for the losses.")
    ref_params, ref_losses = reference.xor.train(X, Y, n_hidden=4, lr=1.0, epochs=epochs, seed=seed)
    acc, loss = _evaluate(xor, X, Y, params)
    ref_acc, ref_loss = _evaluate(xor, X, Y, ref_params)
    if acc < ref_acc or loss > 1.5 * ref_loss + 0.01:
        fail(f"{call}: your trained network gets {acc:.0%} of the rows right with loss {loss:.4f}; "
             f"from the same seed the reference gets {ref_acc:.0%} with loss {ref_loss:.4f}", TRAIN_HINT)
    return params, losses, ref_params, ref_losses


def test_train_learns_xor(student, reference, record):
    """train learns XOR (100% right, small loss) from several seeds, as the reference does; one loss per epoch."""
    xor = reference.module("xor")
    for seed in XOR_SEEDS:
        params, losses, ref_params, ref_losses = _check_training(student, reference, X2, XOR, seed=seed,
                                                                 epochs=TABLE_EPOCHS, name="XOR")
        if seed == XOR_SEEDS[0]:
            xs = np.linspace(-0.5, 1.5, 41)
            grid = np.array([[x, y] for y in xs for x in xs])
            record("losses", {"student": losses, "reference": ref_losses})
            record("boundary", {
                "xs": xs, "ys": xs,
                "student": xor.forward(grid, params)[0][:, 0].reshape(len(xs), len(xs)),
                "reference": xor.forward(grid, ref_params)[0][:, 0].reshape(len(xs), len(xs)),
                "X": X2, "Y": XOR[:, 0],
            })  # fmt: skip


TABLES = {"AND": ([0, 0, 0, 1], 3), "OR": ([0, 1, 1, 1], 4), "NAND": ([1, 1, 1, 0], 5), "XNOR": ([1, 0, 0, 1], 6)}


def test_train_learns_tables_it_was_never_shown(student, reference):
    """train learns AND, OR, NAND and XNOR from their truth tables: the weights are learned, not written in."""
    for name, (table, seed) in TABLES.items():
        Y = np.array(table, dtype=float)[:, None]
        _check_training(student, reference, X2, Y, seed=seed, epochs=TABLE_EPOCHS, name=f"the {name} table {table}")


PARITY3 = [0, 1, 1, 0, 1, 0, 0, 1]


# Each example trains a network: a few are enough to rule out hard-coded answers.
@settings(max_examples=3)
@given(table=st.lists(st.integers(0, 1), min_size=8, max_size=8), seed=st.integers(0, 3))
@example(table=PARITY3, seed=0)
def test_train_learns_random_truth_tables(student, reference, table, seed):
    """train learns 3-input truth tables (3-bit parity and random ones) as well as the reference does."""
    Y = np.array(table, dtype=float)[:, None]
    _check_training(student, reference, X3, Y, seed=seed, epochs=RANDOM_TABLE_EPOCHS,
                    name=f"the 3-input table {table} (rows 000, 001, ..., 111)")



# From the same start, gradient descent takes the same steps for everyone: the losses must follow the reference's.
PATH_EPOCHS = 20
PATH_CASES = (("XOR", X2, XOR, 0.5, 1), ("the AND table [0, 0, 0, 1]", X2, np.array([[0.0], [0.0], [0.0], [1.0]]), 2.0, 3))


def test_train_losses_follow_the_reference(student, reference):
    """From the same seed, train's losses equal the reference's epoch by epoch, for learning rates other than 1."""
    for name, X, Y, lr, seed in PATH_CASES:
        call = f"train(X, Y, n_hidden=3, lr={lr}, epochs={PATH_EPOCHS}, seed={seed}) on {name}"
        got = student.xor.train(X, Y, n_hidden=3, lr=lr, epochs=PATH_EPOCHS, seed=seed)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"{call} returned {show(got)}, expected a pair (params, losses)", "End with: return params, losses.")
        losses = as_array(got[1], call=f"{call}[1] (losses)", hint="losses is a list with one float per epoch.")
        expect_true(losses.shape == (PATH_EPOCHS,),
                    f"{call}[1] (losses) has shape {losses.shape}: expected one loss per epoch, {PATH_EPOCHS} in all",
                    "Append the loss once per epoch.")
        # One epoch more than asked: losses recorded after each step (rather than before) are accepted too.
        ref = np.asarray(reference.xor.train(X, Y, n_hidden=3, lr=lr, epochs=PATH_EPOCHS + 1, seed=seed)[1])
        before, after = ref[:-1], ref[1:]
        close = np.isclose(losses, before, rtol=1e-6, atol=1e-12)
        if close.all() or np.allclose(losses, after, rtol=1e-6, atol=1e-12):
            continue
        k = int(np.argmin(close))
        fail(f"{call}[1] (losses): losses[{k}] is {float(losses[k])!r}, expected {float(before[k])!r}; from the same "
             f"seed gradient descent takes the same steps, so the losses are the reference's {show(before)}",
             f"Step every weight by the learning rate you were given, W = W - lr * dW (lr={lr} takes "
             f"{'half' if lr < 1 else 'twice'} the step of lr=1), and record bce_loss once per epoch, before the step; "
             "compute all four gradients from one forward pass before updating any weight.")

# ----------------------------------------------------------------------------- predict


def test_predict_thresholds_at_one_half(student, reference):
    """predict gives 1.0 where the output probability is above 0.5 and 0.0 below, as an (m,) array."""
    params = {"W1": np.array([[1.0]]), "b1": np.array([0.0]), "W2": np.array([[1.0]]), "b2": np.array([0.0])}
    X = np.array([[-2.0], [-0.3], [-1e-3], [1e-3], [0.3], [2.0]])
    call = "predict(X=[[-2], [-0.3], [-0.001], [0.001], [0.3], [2]], params) with output sigmoid(tanh(x))"
    got = student.xor.predict(X, params)
    expect_equal(got, reference.xor.predict(X, params), call=call,
                 hint="Threshold the probability A2 at 0.5 (A2 > 0.5), and return a 1-d array of length m.")
