"""Single source of truth for the benchmark assignment.

Copied from /work/shared/peer-bench (the peer harness), with one addition:
``batch()`` scales the terminating submissions to a batch of N (env
``PEER_BATCH``), as issue 7 measures peers on a batch of 100.

The assignment: implement, with numpy,
    sigmoid(x)        numerically stable logistic function, elementwise
    relu(x)
    neuron(x, w, b)   sigmoid(w . x + b); x may be a single vector (d,) or a batch (n, d)

6 hidden tests (1 point each), 20 student submissions with known expected scores.
Every tool-specific builder (pytest, nbgrader, otter) reads from here.
"""

import textwrap

ASSIGNMENT = "ps1"

# --------------------------------------------------------------------------
# reference solution + student template
# --------------------------------------------------------------------------
SOLUTION = '''\
import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def relu(x):
    return np.maximum(0, x)

def neuron(x, w, b):
    return sigmoid(np.asarray(x) @ np.asarray(w) + b)
'''

TEMPLATE = '''\
import numpy as np

def sigmoid(x):
    raise NotImplementedError()

def relu(x):
    raise NotImplementedError()

def neuron(x, w, b):
    raise NotImplementedError()
'''

# --------------------------------------------------------------------------
# hidden tests: (name, body).  A body is plain top-level python that uses the
# names np, sigmoid, relu, neuron and raises (AssertionError or anything) on
# failure.  Builders wrap it as a pytest function / nbgrader test cell / otter
# test_case.
# --------------------------------------------------------------------------
TESTS = [
    ("sigmoid_zero", '''\
assert abs(float(sigmoid(0.0)) - 0.5) < 1e-12
'''),
    ("sigmoid_stable", '''\
out = np.asarray(sigmoid(np.array([-1000.0, 1000.0])))
assert not np.any(np.isnan(out)), "sigmoid produced nan"
assert np.allclose(out, [0.0, 1.0])
'''),
    ("relu_values", '''\
assert np.array_equal(relu(np.array([-2.0, -0.5, 0.0, 3.0])), [0.0, 0.0, 0.0, 3.0])
'''),
    ("neuron_value", '''\
x = np.array([1.0, 2.0, 3.0]); w = np.array([0.5, -0.25, 0.1]); b = 0.2
assert np.isclose(float(neuron(x, w, b)), 1.0 / (1.0 + np.exp(-0.5)))
'''),
    ("batch_shapes", '''\
X = np.random.default_rng(0).normal(size=(8, 3)); w = np.array([0.5, -0.25, 0.1])
assert np.shape(sigmoid(X)) == (8, 3)
assert np.shape(relu(X)) == (8, 3)
assert np.shape(neuron(X, w, 0.2)) == (8,)
'''),
    ("sigmoid_symmetry_property", '''\
import math
from hypothesis import given, settings, strategies as st

@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(st.floats(min_value=-100.0, max_value=100.0, allow_nan=False))
def _prop(v):
    assert math.isclose(float(sigmoid(-v)), 1.0 - float(sigmoid(v)), abs_tol=1e-9)

_prop()
'''),
]

# --------------------------------------------------------------------------
# the 20 submissions
# --------------------------------------------------------------------------
def _src(sig, relu="np.maximum(0, x)", neuron="sigmoid(np.asarray(x) @ np.asarray(w) + b)",
         head="import numpy as np\n"):
    return (head + "\n"
            "def sigmoid(x):\n" + textwrap.indent(textwrap.dedent(sig).strip("\n"), "    ") + "\n\n"
            "def relu(x):\n    return " + relu + "\n\n"
            "def neuron(x, w, b):\n    return " + neuron + "\n")


CORRECT = {
    "c01_where_abs": _src('''
        x = np.asarray(x, dtype=float)
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))'''),
    "c02_tanh": _src("return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))",
                     relu="np.clip(x, 0, None)", neuron="sigmoid(np.dot(x, w) + b)"),
    "c03_masks": _src('''
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x)
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1.0 + ex)
        return out''', relu="np.where(x > 0, x, 0.0)"),
    "c04_logaddexp": _src("return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))",
                          relu="x * (x > 0)", neuron="sigmoid(np.einsum('...i,i->...', x, w) + b)"),
    "c05_errstate_naive": _src('''
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))'''),
    "c06_vectorize": _src('''
        f = np.vectorize(lambda v: 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v)),
                         otypes=[float])
        return f(x)''', head="import math\nimport numpy as np\n",
                          neuron="sigmoid((np.asarray(x) * w).sum(axis=-1) + b)"),
    "c07_min_abs": _src("return np.exp(np.minimum(x, 0)) / (1.0 + np.exp(-np.abs(x)))",
                        relu="np.maximum(x, 0.0)", neuron="sigmoid(np.tensordot(x, w, axes=1) + b)"),
    "c08_clip": _src("return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))",
                     relu="np.where(x < 0, 0.0, x)"),
    "c09_where_errstate": _src('''
        x = np.asarray(x, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))''',
                               neuron="sigmoid(np.inner(x, w) + b)"),
    "c10_log_form": _src("return np.exp(x - np.logaddexp(0.0, x))", relu="(np.abs(x) + x) / 2"),
}

CORRECT_SIG = ("x = np.asarray(x, dtype=float)\n"
               "return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), "
               "np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))")

BUGGY = {  # one bug each -> expected 5/6
    "b01_naive_exp_nan": _src("return np.exp(x) / (1.0 + np.exp(x))"),           # nan at +1000
    "b02_relu_wrong_sign": _src(CORRECT_SIG, relu="np.maximum(0, -x)"),
    "b03_neuron_no_bias": _src(CORRECT_SIG, neuron="sigmoid(np.asarray(x) @ np.asarray(w))"),
    "b04_tanh_wrong_scale": _src("return 0.5 * (1.0 + np.tanh(x))"),              # neuron value wrong
    "b05_neuron_sums_batch": _src(CORRECT_SIG, neuron="sigmoid(np.sum(np.asarray(x) * w) + b)"),
}

RAISING = {
    "e01_not_implemented": TEMPLATE,                                              # -> 0/6
    "e02_bad_import": "import numpyy as np\n\n" + CORRECT["c01_where_abs"].split("\n", 1)[1],  # -> 0/6
    "e03_relu_truth_value": _src(CORRECT_SIG, relu="x if x > 0 else 0"),           # ValueError on arrays -> 4/6
}

LOOP = {
    "l01_infinite_loop": _src('''
        while True:
            pass'''),                                                              # only relu test can pass
}

SYNTAX = {
    "s01_syntax_error": "import numpy as np\n\ndef sigmoid(x)\n    return 1 / (1 + np.exp(-x))\n\n"
                        "def relu(x):\n    return np.maximum(0, x)\n\n"
                        "def neuron(x, w, b):\n    return sigmoid(x @ w + b)\n",
}

SUBMISSIONS = {**CORRECT, **BUGGY, **RAISING, **LOOP, **SYNTAX}
assert len(SUBMISSIONS) == 20

# expected per-test pass/fail (same order as TESTS) for a tool that runs every test
# with a per-test timeout.
ALL = [1] * 6
EXPECTED = {k: ALL for k in CORRECT}
EXPECTED.update({
    "b01_naive_exp_nan":     [1, 0, 1, 1, 1, 1],
    "b02_relu_wrong_sign":   [1, 1, 0, 1, 1, 1],
    "b03_neuron_no_bias":    [1, 1, 1, 0, 1, 1],
    "b04_tanh_wrong_scale":  [1, 1, 1, 0, 1, 1],
    "b05_neuron_sums_batch": [1, 1, 1, 1, 0, 1],
    "e01_not_implemented":   [0] * 6,
    "e02_bad_import":        [0] * 6,
    "e03_relu_truth_value":  [1, 1, 0, 1, 0, 1],
    "l01_infinite_loop":     [0, 0, 1, 0, 0, 0],
    "s01_syntax_error":      [0] * 6,
})
EXPECTED_SCORE = {k: sum(v) for k, v in EXPECTED.items()}
MAX_SCORE = len(TESTS)


def batch(n=None):
    """{student: source}: the 20 submissions, or (n > 0) n terminating ones, the 19 cycled with suffixes."""
    import os

    n = int(os.environ.get("PEER_BATCH", "0")) if n is None else n
    if not n:
        return dict(SUBMISSIONS)
    names = [k for k in SUBMISSIONS if not k.startswith("l01")]
    out = {}
    for i in range(n):
        base = names[i % len(names)]
        out[base if i < len(names) else f"{base}_r{i // len(names)}"] = SUBMISSIONS[base]
    return out


def base_name(name):
    head, _, tail = name.rpartition("_r")
    return head if head and tail.isdigit() else name


def category(name):
    return {"c": "correct", "b": "one-bug", "e": "raises", "l": "infinite-loop",
            "s": "syntax-error"}[name[0]]


if __name__ == "__main__":
    for k, v in SUBMISSIONS.items():
        print("=" * 20, k, EXPECTED_SCORE[k])
        print(v)
