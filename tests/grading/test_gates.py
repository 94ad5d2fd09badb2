"""Hidden tests for lesson 3, logic gates: step, gate weights, the perceptron, and a hand-wired XOR network.

Perceptron and network inputs are small whole numbers (and learning rates
powers of two), so every weighted sum is computed exactly whatever the
order of the additions: a correct perceptron takes exactly the reference's
steps, and a sum that is exactly 0 is 0 for everyone (step(0) = 0).
"""

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.errors import StudentRaised
from autograder.strategies import array_inputs, int_arrays
from autograder.testing import (as_array, expect_close, expect_correct_first, expect_equal, expect_float, expect_shape,
                                expect_true, fail, needs_correct_answer)

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TABLES = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "NAND": np.array([1.0, 1.0, 1.0, 0.0]),
    "NOR": np.array([1.0, 0.0, 0.0, 0.0]),
}
XOR = np.array([0.0, 1.0, 1.0, 0.0])
RULE_HINT = ("Start from zeros; for each sample in order p = step(x . w + b), w += lr * (y - p) * x, b += lr * (y - p); "
             "stop after the first epoch without a mistake and count it.")


def _one_number(value, *, call: str, hint: str) -> np.ndarray:
    """A bias: one number (a float, a 0-d array, or kindly also an array holding exactly one number)."""
    arr = as_array(value, call=call, hint=hint)
    if arr.size != 1:
        fail(f"{call} returned an array of shape {arr.shape}, expected one number", hint)
    return arr.reshape(())


def _step(z) -> np.ndarray:
    """The threshold, computed on the trusted side."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


# ----------------------------------------------------------------------------- step


@given(z=array_inputs())
def test_step_matches_reference(student, reference, z):
    """step(z) is 1.0 where z > 0 and 0.0 elsewhere, as floats of z's shape, for any input."""
    expect_close(student.gates.step(z), reference.gates.step(z), call="step(z)", rtol=0, atol=0,
                 hint="(z > 0) gives booleans: convert them to floats, e.g. with np.asarray(z) > 0 then .astype(float).")


def test_step_at_zero_is_zero(student):
    """step(0) is 0: a neuron exactly at its threshold does not fire."""
    z = np.array([-1.0, -0.0, 0.0, 5e-324, 1.0])
    # Values only: a dtype slip (booleans) is test_step_matches_reference's business.
    expect_close(student.gates.step(z), np.array([0.0, 0.0, 0.0, 1.0, 1.0]), call="step([-1.0, -0.0, 0.0, 5e-324, 1.0])",
                 rtol=0, atol=0, hint="Use z > 0 (strictly greater), not z >= 0.", check_dtype=False)


# ----------------------------------------------------------------------------- gates


def test_gates_compute_their_truth_tables(student):
    """gate(name) gives (w, b) such that step(X @ w + b) is the truth table of AND, OR, NAND and NOR."""
    for name, table in TABLES.items():
        got = student.gates.gate(name)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"gate({name!r}) returned {got!r}, expected a pair (w, b)", "return w, b")
        w = expect_shape(got[0], (2,), call=f"w from gate({name!r})", hint="w holds one weight per input: shape (2,).")
        b = _one_number(got[1], call=f"b from gate({name!r})", hint="b is one number, the neuron's bias.")
        out = _step(X4 @ w.astype(float) + float(b))
        expect_equal(out, table, call=f"step(X @ w + b) with (w, b) = gate({name!r}) = ({w.tolist()}, {float(b)}), "
                                      f"on X = {X4.astype(int).tolist()},",
                     hint=f"Draw a line that puts the inputs where {name} is 1 on the positive side, and mind that step(0) = 0.")


# ----------------------------------------------------------------------------- the perceptron


@st.composite
def separable(draw):
    """(X, y, lr): whole-number points labelled by a random line (none on it), and a power-of-two learning rate."""
    n = draw(st.integers(1, 3))
    w_true = draw(int_arrays(shape=(n,), min_value=-3, max_value=3).filter(lambda w: bool(w.any())))
    b_true = draw(st.integers(-3, 3))
    X = draw(int_arrays(shape=st.tuples(st.integers(1, 8), st.just(n)), min_value=-4, max_value=4))
    z = X @ w_true + b_true
    keep = z != 0  # a margin: no point lies on the separating line
    assume(keep.any())
    lr = draw(st.sampled_from([0.5, 1.0, 2.0]))
    return X[keep].astype(float), (z[keep] > 0).astype(np.int64), lr


MAX_EPOCHS = 1000  # far more than these small separable sets need (the reference checks that it converged)


def _fit(student, X, y, lr, max_epochs, call):
    got = student.gates.perceptron_fit(X, y, lr=lr, max_epochs=max_epochs)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fail(f"{call} returned {got!r}, expected a triple (w, b, epochs)", "return w, b, epochs")
    n = np.shape(X)[1]
    w = expect_float(expect_shape(got[0], (n,), call=f"w from {call}", hint="w has one weight per column of X."),
                     call=f"w from {call}")
    b = _one_number(got[1], call=f"b from {call}", hint="b is one number.")
    epochs = expect_shape(got[2], (), call=f"epochs from {call}", hint="epochs is one whole number.")
    return w, float(b), epochs


@given(data=separable())
def test_perceptron_learns_separable_data(student, reference, data):
    """On linearly separable data the perceptron stops with (w, b) that classify every training sample right."""
    X, y, lr = data
    _, _, ref_epochs = reference.gates.perceptron_fit(X, y, lr=lr, max_epochs=MAX_EPOCHS)
    assume(ref_epochs < MAX_EPOCHS)
    call = f"perceptron_fit(X, y, lr={lr}, max_epochs={MAX_EPOCHS})"
    w, b, epochs = _fit(student, X, y, lr, MAX_EPOCHS, call)
    expect_equal(_step(X @ w + b), y.astype(float), call=f"step(X @ w + b) with (w, b) from {call}",
                 hint="Keep going until an epoch makes no mistake: only then is every sample classified right.")
    expect_true(0 < float(epochs) < MAX_EPOCHS, f"{call} ran {epochs} epochs on separable data, "
                f"where the perceptron rule converges after {ref_epochs}", RULE_HINT)


INT_HINT = ("Convert first, X = np.asarray(X, dtype=float) and y likewise: integer arrays and lists are valid input, "
            "and np.zeros_like(X[0]) of integers cannot hold lr * (y - p) * x.")


@given(data=separable(), kind=st.sampled_from(["float64 arrays", "int64 arrays", "lists of ints"]))
def test_perceptron_follows_the_classic_rule(student, reference, data, kind):
    """perceptron_fit takes exactly the classic rule's steps: zero start, samples in order, stop after a clean epoch;
    X and y may be float or int64 arrays or plain lists of ints (the sums stay exact)."""
    X, y, lr = data
    w_ref, b_ref, ep_ref = reference.gates.perceptron_fit(X, y, lr=lr, max_epochs=MAX_EPOCHS)
    assume(ep_ref < MAX_EPOCHS)
    args = {"float64 arrays": (X, y), "int64 arrays": (X.astype(np.int64), y.astype(np.int64)),
            "lists of ints": (X.astype(np.int64).tolist(), y.astype(np.int64).tolist())}[kind]
    call = f"perceptron_fit(X, y, lr={lr}, max_epochs={MAX_EPOCHS})"
    hint = RULE_HINT
    if kind != "float64 arrays":
        call += f" with X = {X.astype(int).tolist()} and y = {y.astype(int).tolist()} as {kind}"
        hint = INT_HINT
    try:
        w, b, epochs = _fit(student, *args, lr, MAX_EPOCHS, call)
    except StudentRaised as err:
        fail(f"{call}: {err.message}", hint)
    expect_equal(epochs, ep_ref, call=f"the epochs count from {call}", hint=hint)
    expect_close(w, w_ref, call=f"w from {call}", rtol=0, atol=1e-9, hint=hint)
    expect_close(b, b_ref, call=f"b from {call}", rtol=0, atol=1e-9, hint=hint)


@given(order=st.permutations(range(4)), lr=st.sampled_from([0.5, 1.0, 2.0]), max_epochs=st.integers(1, 25))
def test_perceptron_never_separates_xor(student, order, lr, max_epochs):
    """On XOR (not linearly separable) the perceptron runs all max_epochs and still gets a sample wrong."""
    X, y = X4[list(order)], XOR[list(order)].astype(np.int64)
    call = f"perceptron_fit(X, y, lr={lr}, max_epochs={max_epochs}) on XOR with X = {X.astype(int).tolist()}"
    w, b, epochs = _fit(student, X, y, lr, max_epochs, call)
    expect_equal(epochs, max_epochs, call=f"the epochs count from {call}",
                 hint="No line separates XOR, so every epoch has a mistake: the loop must run until max_epochs.")
    expect_true(bool(np.any(_step(X @ w + b) != y)), f"{call} returned (w, b) = ({w.tolist()}, {b}) that classify "
                "every XOR sample right, which no single step neuron can do",
                "Return the weights the rule actually reached; a single neuron cannot compute XOR.")


# ----------------------------------------------------------------------------- XOR from gates


def _network(student):
    params = student.gates.xor_network()
    if not isinstance(params, dict):
        fail(f"xor_network() returned {params!r}, expected a dict with keys 'W1', 'b1', 'W2', 'b2'",
             'return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}')
    shapes = {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}
    missing = sorted(set(shapes) - set(params))
    if missing:
        fail(f"xor_network() returned a dict without {', '.join(missing)}", 'return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}')
    return {k: expect_shape(params[k], s, call=f"xor_network()[{k!r}]",
                            hint="A 2-2-1 network: W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,).").astype(float)
            for k, s in shapes.items()}


def test_xor_network_weights_compute_xor(student, reference):
    """xor_network()'s weights, run as a 2-2-1 network of step neurons, compute XOR."""
    params = _network(student)
    got = reference.gates.xor_predict(X4, params)
    expect_equal(got, XOR, call=f"step(step(X @ W1 + b1) @ W2 + b2) with your xor_network() weights "
                                f"{ {k: v.tolist() for k, v in params.items()} } on X = {X4.astype(int).tolist()},",
                 hint="XOR(a, b) = AND(OR(a, b), NAND(a, b)): the columns of W1 are the OR and NAND neurons, W2 and b2 the AND.")


@st.composite
def step_networks(draw):
    """(X, params): whole-number inputs and weights of a 2-2-1 network (sums of exactly 0 happen)."""
    ints = lambda shape, lo=-3, hi=3: draw(int_arrays(shape=shape, min_value=lo, max_value=hi)).astype(float)  # noqa: E731
    X = ints(st.tuples(st.integers(0, 6), st.just(2)), -2, 2)
    return X, {"W1": ints((2, 2)), "b1": ints((2,)), "W2": ints((2, 1)), "b2": ints((1,))}


@given(net=step_networks())
def test_xor_predict_matches_reference(student, reference, net):
    """xor_predict(X, params) is step(step(X @ W1 + b1) @ W2 + b2) for any weights and inputs, of shape (m,)."""
    X, params = net
    expect_equal(student.gates.xor_predict(X, params), reference.gates.xor_predict(X, params),
                 call=f"xor_predict(X, params) with X of shape {X.shape} and params "
                      f"{ {k: v.tolist() for k, v in params.items()} }",
                 hint="Apply step to both layers, use the X and params you are given, and return shape (m,), not (m, 1).")


@given(rows=st.lists(st.integers(0, 3), min_size=1, max_size=8))
def test_xor_predict_on_own_network(student, rows):
    """xor_predict(X, xor_network()) is XOR on any list of rows of the truth table."""
    params = student.gates.xor_network()
    X = X4[rows]
    got = student.gates.xor_predict(X, params)
    if np.size(got) == len(rows) and np.ndim(got) == 2:
        got = np.reshape(got, -1)  # an (m, 1) column is test_xor_predict_matches_reference's business
    expect_equal(got, XOR[rows],
                 call=f"xor_predict(X, xor_network()) with X = {X.astype(int).tolist()}",
                 hint="Compute the output from X (no fixed answer), and pass both layers through step.")


def test_inputs_are_not_modified(student, reference):
    """step, perceptron_fit and xor_predict compute the right values and leave their arguments unchanged."""
    z = np.array([-2.0, -0.5, 0.5, 3.0])  # no z = 0: step(0) has its own test
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 0.0, 0.0, 1.0])
    params = {"W1": np.array([[1.0, -1.0], [1.0, -1.0]]), "b1": np.array([-0.5, 1.5]),
              "W2": np.array([[1.0], [1.0]]), "b2": np.array([-1.5])}
    hint = "Compute into new arrays: no +=, *= or [...] = on an argument (np.asarray does not copy)."
    # Each call: first the property this test is named for, then the gate (the point needs a correct answer too).
    value, (z_after,) = student.gates.step.with_inputs(z.copy())
    expect_close(z_after, z, call="the argument z after calling step(z)", rtol=0, atol=0, hint=hint)
    expect_correct_first(value, reference.gates.step(z), call="step(z)", point="leaving z unchanged in step(z)")
    call = "perceptron_fit(X, y, 1.0, 10)"
    value, (X_after, y_after, *_) = student.gates.perceptron_fit.with_inputs(X.copy(), y.copy(), 1.0, 10)
    expect_close(X_after, X, call=f"the argument X after calling {call}", rtol=0, atol=0, hint=hint)
    expect_close(y_after, y, call=f"the argument y after calling {call}", rtol=0, atol=0, hint=hint)
    point = f"leaving X and y unchanged in {call}"
    with needs_correct_answer(point):
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            fail(f"{call} returned {value!r}, expected a triple (w, b, epochs)", "return w, b, epochs")
    for part, got_part, want_part in zip(("w", "b", "epochs"), value, reference.gates.perceptron_fit(X, y, 1.0, 10)):
        expect_correct_first(got_part, want_part, call=f"{part} from {call}", point=point)
    value, (X_after, p_after) = student.gates.xor_predict.with_inputs(X.copy(), {k: v.copy() for k, v in params.items()})
    expect_close(X_after, X, call="the argument X after calling xor_predict(X, params)", rtol=0, atol=0, hint=hint)
    for k, v in params.items():
        expect_close(p_after[k], v, call=f"params[{k!r}] after calling xor_predict(X, params)", rtol=0, atol=0, hint=hint)
    expect_correct_first(value, reference.gates.xor_predict(X, params), call="xor_predict(X, params)",
                         point="leaving X and params unchanged in xor_predict(X, params)")
