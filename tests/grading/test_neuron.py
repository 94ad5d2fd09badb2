"""Hidden tests for lesson 2, the neuron: neuron, dense, collapse, and why the non-linearity matters.

Tolerances are scale-aware: a weighted sum of n products of size up to s is
only known to about n * eps * s (loops, np.dot, einsum and matmul add in
different orders), so the allowed absolute error grows with |x| @ |w| + |b|.
Every activation has slope at most 1, so the same bound holds after it.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.errors import StudentRaised
from autograder.strategies import finite_floats, float_arrays, int_arrays
from autograder.testing import (expect_close, expect_correct_first, expect_float, expect_shape, expect_true, fail,
                                needs_correct_answer, reshaped_like)

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
SUM_HINT = "z = x . w + b (the weighted sum plus the bias), then apply the named activation to z."
LAYER_HINT = "dense(X, W, b) = activation(X @ W + b): X is (m, n), W is (n, k), b is (k,), the result (m, k)."
VALUE = 100.0  # inputs and weights are drawn from [-VALUE, VALUE]


def _atol(*arrays, terms: int) -> float:
    """Absolute rounding error allowed for a sum of ``terms`` products whose sizes add up to the arrays' scale."""
    eps = max(np.finfo(np.asarray(a).dtype).eps if np.asarray(a).dtype.kind == "f" else np.finfo(float).eps for a in arrays)
    scale = max((float(np.max(np.abs(np.asarray(a, dtype=float)), initial=0.0)) for a in arrays), default=0.0)
    return max(1e-12, 8.0 * (terms + 2) * eps * scale)


def _layer_scale(X, W, b) -> np.ndarray:
    """|X| @ |W| + |b|: how large the products in X @ W + b can be."""
    X, W, b = (np.abs(np.asarray(a, dtype=float)) for a in (X, W, b))
    return X @ W + b


@st.composite
def layers(draw, *, min_m: int = 0, max_m: int = 4, max_n: int = 4, max_k: int = 3, value: float = VALUE):
    """(X, W, b): X (m, n), W (n, k), b (k,), float64 in [-value, value]."""
    m = draw(st.integers(min_m, max_m))
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, max_k))
    X = draw(float_arrays(shape=(m, n), min_value=-value, max_value=value))
    W = draw(float_arrays(shape=(n, k), min_value=-value, max_value=value))
    b = draw(float_arrays(shape=(k,), min_value=-value, max_value=value))
    return X, W, b


@st.composite
def single_neurons(draw):
    """(x, w, b): n inputs and weights (n from 1 to 6) and a bias, moderate floats."""
    n = draw(st.integers(1, 6))
    x = draw(float_arrays(shape=(n,), min_value=-VALUE, max_value=VALUE))
    w = draw(float_arrays(shape=(n,), min_value=-VALUE, max_value=VALUE))
    return x, w, draw(finite_floats(min_value=-VALUE, max_value=VALUE))


@given(inputs=single_neurons(), activation=st.sampled_from(ACTIVATIONS))
def test_neuron_matches_reference(student, reference, inputs, activation):
    """neuron(x, w, b, activation) is activation(x . w + b), returned as one float."""
    x, w, b = inputs
    want = reference.neuron.neuron(x, w, b, activation)
    got = student.neuron.neuron(x, w, b, activation)  # this test, and only this one, judges the shape (one float)
    scale = float(np.abs(x) @ np.abs(w) + abs(b))
    expect_close(got, want, call=f"neuron(x, w, b, activation={activation!r})", rtol=1e-9,
                 atol=_atol(scale, terms=x.size), hint=SUM_HINT + " Return a single float.")


@given(layer=layers(), activation=st.sampled_from(ACTIVATIONS))
def test_dense_matches_reference(student, reference, layer, activation):
    """dense(X, W, b, activation) is activation(X @ W + b), of shape (m, k)."""
    X, W, b = layer
    want = reference.neuron.dense(X, W, b, activation)
    got = reshaped_like(student.neuron.dense(X, W, b, activation), want)  # squeezing k = 1: test_dense_edge_cases
    expect_close(got, want, call=f"dense(X, W, b, activation={activation!r}) with X {X.shape}, W {W.shape}",
                 rtol=1e-9, atol=_atol(_layer_scale(X, W, b), terms=X.shape[1]), hint=LAYER_HINT)


@given(layer=layers(min_m=1, max_m=3, max_k=2), activation=st.sampled_from(ACTIVATIONS))
def test_dense_rows_equal_neuron(student, layer, activation):
    """Row i, column j of dense(X, W, b) equals neuron(X[i], W[:, j], b[j]): a layer is many neurons at once."""
    X, W, b = layer
    out = expect_shape(reshaped_like(student.neuron.dense(X, W, b, activation), np.empty((X.shape[0], W.shape[1]))),
                       (X.shape[0], W.shape[1]),
                       call=f"dense(X, W, b) with X {X.shape}, W {W.shape}", hint=LAYER_HINT)
    atol = _atol(_layer_scale(X, W, b), terms=X.shape[1])
    for i in range(X.shape[0]):
        for j in range(W.shape[1]):
            one = reshaped_like(student.neuron.neuron(X[i], W[:, j], float(b[j]), activation), out[i, j])
            expect_close(one, out[i, j], rtol=1e-9, atol=2 * atol,
                         call=f"neuron(X[{i}], W[:, {j}], b[{j}], {activation!r}) compared with "
                              f"dense(X, W, b, {activation!r})[{i}, {j}]",
                         hint="Neuron j reads column j of W; example i is row i of X. "
                              "Check which axis you sum over and that both add the bias.")


def test_dense_edge_cases(student, reference):
    """dense handles an empty batch (m = 0), one input (n = 1) and one neuron (k = 1) without squeezing."""
    cases = [
        (np.zeros((0, 3)), np.arange(6.0).reshape(3, 2) - 2.5, np.array([0.5, -1.0]), "an empty batch, X of shape (0, 3)"),
        (np.array([[1.5], [-2.0], [0.0], [4.0]]), np.array([[2.0, -1.0, 0.5]]), np.array([0.1, 0.2, -0.3]),
         "one input per example, X of shape (4, 1)"),
        (np.array([[1.0, -2.0, 3.0]]), np.array([[0.5], [0.25], [-1.0]]), np.array([2.0]),
         "one example and one neuron, X (1, 3) and W (3, 1)"),
    ]
    for X, W, b, what in cases:
        for activation in ("sigmoid", "relu"):
            expect_close(student.neuron.dense(X, W, b, activation), reference.neuron.dense(X, W, b, activation),
                         call=f"dense(X, W, b, {activation!r}) for {what}", rtol=1e-9, atol=1e-12,
                         hint="Always return shape (m, k): no np.squeeze, no .flatten(), and m = 0 must give (0, k).")
    got = reshaped_like(student.neuron.neuron([2.0], [3.0], -1.0, "relu"), 5.0)  # one float: test_neuron_matches_reference
    expect_close(got, 5.0, call="neuron([2.0], [3.0], -1.0, 'relu')", hint="With one input, z = x[0] * w[0] + b.")


@given(
    X=int_arrays(shape=st.tuples(st.integers(1, 3), st.just(2)), min_value=-5, max_value=5),
    W=int_arrays(shape=(2, 2), min_value=-5, max_value=5),
    b=int_arrays(shape=(2,), min_value=-5, max_value=5),
    activation=st.sampled_from(ACTIVATIONS),
    as_lists=st.booleans(),
)
def test_integer_and_list_inputs(student, reference, X, W, b, activation, as_lists):
    """neuron and dense accept integer arrays and plain lists, and return floats."""
    args = (X.tolist(), W.tolist(), b.tolist()) if as_lists else (X, W, b)
    kind = "lists of ints" if as_lists else "integer arrays"
    got = reshaped_like(student.neuron.dense(*args, activation), np.empty((X.shape[0], W.shape[1])))
    call = f"dense(X, W, b, {activation!r}) with {kind}"
    expect_float(got, call=call, hint="Convert with np.asarray(X, dtype=float): integer input must give float output.")
    expect_close(got, reference.neuron.dense(X, W, b, activation), call=call, hint=LAYER_HINT)
    x, w = (X[0].tolist(), W[:, 0].tolist()) if as_lists else (X[0], W[:, 0])
    one = reshaped_like(student.neuron.neuron(x, w, int(b[0]), activation), 0.0)
    expect_close(one, reference.neuron.neuron(X[0], W[:, 0], int(b[0]), activation),
                 call=f"neuron(x, w, b, {activation!r}) with {kind} and an int bias", hint=SUM_HINT)


@given(layer=layers(min_m=1, max_m=3, value=2.0), activation=st.sampled_from(ACTIVATIONS))
def test_float32_inputs(student, reference, layer, activation):
    """dense accepts float32 arrays (float32 or float64 results are both right)."""
    X, W, b = (a.astype(np.float32) for a in layer)
    want = reference.neuron.dense(X, W, b, activation)
    got = reshaped_like(student.neuron.dense(X, W, b, activation), want)
    atol = _atol(_layer_scale(X, W, b), np.float32(0), terms=X.shape[1])
    expect_close(got, want, call=f"dense(X, W, b, {activation!r}) with float32 arrays", rtol=1e-5, atol=atol,
                 hint=LAYER_HINT)


def test_unknown_activation_raises_value_error(student):
    """An unknown activation name raises ValueError, and the message lists the allowed names."""
    calls = [
        ("neuron([1.0, 2.0], [0.5, -0.5], 0.0, activation='softmax')",
         lambda: student.neuron.neuron([1.0, 2.0], [0.5, -0.5], 0.0, activation="softmax")),
        ("dense([[1.0, 2.0]], [[0.5, 1.0], [-0.5, 0.0]], [0.0, 0.0], activation='step')",
         lambda: student.neuron.dense([[1.0, 2.0]], [[0.5, 1.0], [-0.5, 0.0]], [0.0, 0.0], activation="step")),
    ]
    hint = 'raise ValueError(f"unknown activation {activation!r}; use one of sigmoid, tanh, relu, identity")'
    for call, run in calls:
        try:
            got = run()
        except StudentRaised as err:
            if err.exc_type != "ValueError":
                fail(f"{call} raised {err.exc_type}, expected ValueError", hint)
            missing = [name for name in ACTIVATIONS if name not in err.message]
            expect_true(not missing, f"{call} raised ValueError, but its message does not name the allowed "
                        f"activation(s) {', '.join(missing)}: {err.message}", hint)
        else:
            fail(f"{call} returned {got!r} instead of raising ValueError", hint)


@st.composite
def two_layers(draw):
    """(X, W1, b1, W2, b2) with X (m, n), W1 (n, h), b1 (h,), W2 (h, k), b2 (k,)."""
    m, n, h, k = (draw(st.integers(1, 4)) for _ in range(4))
    arr = lambda shape: draw(float_arrays(shape=shape, min_value=-10.0, max_value=10.0))  # noqa: E731
    return arr((m, n)), arr((n, h)), arr((h,)), arr((h, k)), arr((k,))


def _collapse_atol(W1, b1, W2, b2, X=None) -> float:
    W1, b1, W2, b2 = (np.abs(a) for a in (W1, b1, W2, b2))
    scale = np.abs(X) @ W1 @ W2 + b1 @ W2 + b2 if X is not None else np.concatenate([(W1 @ W2).ravel(), b1 @ W2 + b2])
    return _atol(scale, terms=2 * W1.shape[1] + 2)


def _collapsed(student, W1, b1, W2, b2, call):
    got = student.neuron.collapse(W1, b1, W2, b2)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {got!r}, expected a pair (W, b)", "return W, b")
    n, k = W1.shape[0], W2.shape[1]
    hint = "W has shape (n, k) like W1 @ W2, b has shape (k,) like b2."
    W = expect_float(expect_shape(got[0], (n, k), call=f"W from {call}", hint=hint), call=f"W from {call}")
    b = expect_float(expect_shape(got[1], (k,), call=f"b from {call}", hint=hint), call=f"b from {call}")
    return W, b


@given(layers2=two_layers())
def test_collapse_matches_reference(student, reference, layers2):
    """collapse(W1, b1, W2, b2) returns W = W1 @ W2 and b = b1 @ W2 + b2."""
    _, W1, b1, W2, b2 = layers2
    call = f"collapse(W1, b1, W2, b2) with W1 {W1.shape} and W2 {W2.shape}"
    W, b = _collapsed(student, W1, b1, W2, b2, call)
    W_ref, b_ref = reference.neuron.collapse(W1, b1, W2, b2)
    atol = _collapse_atol(W1, b1, W2, b2)
    hint = "Multiply out (x @ W1 + b1) @ W2 + b2: the bias of the first layer also goes through W2."
    expect_close(W, W_ref, call=f"W from {call}", rtol=1e-9, atol=atol, hint=hint)
    expect_close(b, b_ref, call=f"b from {call}", rtol=1e-9, atol=atol, hint=hint)


@given(layers2=two_layers())
def test_collapse_equals_two_linear_layers(student, layers2):
    """One layer with collapse's (W, b) gives exactly what two stacked linear layers give, for every X."""
    X, W1, b1, W2, b2 = layers2
    W, b = _collapsed(student, W1, b1, W2, b2, "collapse(W1, b1, W2, b2)")
    expect_close(X @ W + b, (X @ W1 + b1) @ W2 + b2, rtol=1e-9, atol=_collapse_atol(W1, b1, W2, b2, X),
                 call="X @ W + b with (W, b) = collapse(W1, b1, W2, b2), compared with (X @ W1 + b1) @ W2 + b2",
                 hint="Expand (X @ W1 + b1) @ W2 + b2 by distributing the product; the order of W1 and W2 matters.")


@given(layers2=two_layers())
def test_two_identity_layers_equal_one(student, reference, layers2):
    """Without a non-linearity ("identity"), two dense layers equal the one collapsed layer."""
    X, W1, b1, W2, b2 = layers2
    hidden = student.neuron.dense(X, W1, b1, "identity")
    two = student.neuron.dense(hidden, W2, b2, "identity")
    W, b = reference.neuron.collapse(W1, b1, W2, b2)
    one = student.neuron.dense(X, W, b, "identity")
    expect_close(two, one, rtol=1e-9, atol=2 * _collapse_atol(W1, b1, W2, b2, X),
                 call="dense(dense(X, W1, b1, 'identity'), W2, b2, 'identity') compared with "
                      "dense(X, W1 @ W2, b1 @ W2 + b2, 'identity')",
                 hint="With activation 'identity', dense must return X @ W + b unchanged: use the activation you are given.")


# XOR's four inputs, and a two-layer relu network that computes XOR exactly: relu(a + b) - 2 relu(a + b - 1).
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_W1, XOR_b1 = np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0])
XOR_W2, XOR_b2 = np.array([[1.0], [-2.0]]), np.array([0.0])


def test_nonlinearity_prevents_collapse(student, reference):
    """With a non-linearity between them, two layers are more than one: relu layers compute XOR, no linear layer can."""
    W, b = reference.neuron.collapse(XOR_W1, XOR_b1, XOR_W2, XOR_b2)
    linear = XOR_X @ W + b
    for activation in ("relu", "tanh", "sigmoid"):
        hidden = student.neuron.dense(XOR_X, XOR_W1, XOR_b1, activation)
        two = expect_shape(student.neuron.dense(hidden, XOR_W2, XOR_b2, "identity"), (4, 1),
                           call=f"dense(dense(X, W1, b1, {activation!r}), W2, b2, 'identity')", hint=LAYER_HINT)
        call = (f"dense(dense(X, W1, b1, {activation!r}), W2, b2, 'identity') on the XOR inputs "
                f"with W1 = {XOR_W1.tolist()}, b1 = {XOR_b1.tolist()}, W2 = {XOR_W2.tolist()}, b2 = {XOR_b2.tolist()}")
        if np.allclose(np.asarray(two, dtype=float), linear, rtol=1e-9, atol=1e-9):
            fail(f"{call} returned {np.asarray(two).ravel().tolist()}, exactly what the single collapsed linear layer "
                 f"gives: the {activation!r} non-linearity was not applied",
                 "Apply the activation to X @ W + b before returning; without it, layers collapse into one.")
        hidden_ref = reference.neuron.dense(XOR_X, XOR_W1, XOR_b1, activation)
        expect_close(two, reference.neuron.dense(hidden_ref, XOR_W2, XOR_b2, "identity"), call=call,
                     rtol=1e-9, atol=1e-12, hint=LAYER_HINT)


def test_inputs_are_not_modified(student, reference):
    """neuron, dense and collapse compute the right values and leave their arguments unchanged."""
    x, w = np.array([1.5, -2.0, 0.5]), np.array([-1.0, 0.25, 2.0])
    X, W, b = np.array([[1.0, -2.0, 3.0], [-0.5, 0.0, 2.5]]), np.array([[0.5, -1.0], [2.0, 0.0], [-1.5, 1.0]]), np.array([0.5, -0.5])
    W2, b2 = np.array([[1.0], [-2.0]]), np.array([0.25])
    calls = [
        ("neuron(x, w, b, 'relu')", "neuron", (x, w, -0.5, "relu")),
        ("dense(X, W, b, 'relu')", "dense", (X, W, b, "relu")),
        ("dense(X, W, b, 'sigmoid')", "dense", (X, W, b, "sigmoid")),
        ("collapse(W1, b1, W2, b2)", "collapse", (W, b, W2, b2)),
    ]
    for call, name, args in calls:
        value, after = getattr(student.neuron, name).with_inputs(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
        names = call[call.index("(") + 1 : call.index(")")].split(", ")
        for arg, before, now in zip(names, args, after):
            if isinstance(before, np.ndarray):
                expect_close(now, before, call=f"the argument {arg} after calling {call}", rtol=0, atol=0,
                             hint="Compute into new arrays: no +=, *= or [...] = on an argument (np.asarray does not copy).")
        # Then the gate: the point needs a correct answer too.
        want = getattr(reference.neuron, name)(*args)
        point = f"leaving the arguments of {call} unchanged"
        if name == "collapse":
            with needs_correct_answer(point):
                if not isinstance(value, (tuple, list)) or len(value) != 2:
                    fail(f"{call} returned {value!r}, expected a pair (W, b)", "return W, b")
            for part, got_part, want_part in zip(("W", "b"), value, want):
                expect_correct_first(got_part, want_part, call=f"{part} from {call}", point=point)
        else:
            expect_correct_first(value, want, call=call, point=point)
