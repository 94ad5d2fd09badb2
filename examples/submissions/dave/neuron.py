"""Lesson 2 - The artificial neuron, a layer of them, and why the non-linearity matters.

A real neuron collects signals on its dendrites, "thinks" in its soma and
fires down its axon. The artificial neuron keeps only the arithmetic of
that story. It has inputs x_1 .. x_n, one weight w_i per input (how strongly
that input counts, the job a synapse does in the brain) and a bias b (how
easily it fires at all). It computes

    z = w_1 x_1 + ... + w_n x_n + b = x . w + b        (a weighted sum)
    a = sigma(z)                                       (the non-linearity)

and a is its output. sigma is one of lesson 1's activations, chosen by name:
"sigmoid", "tanh", "relu", or "identity" (no non-linearity at all: a = z).

A *layer* (a "dense" layer) is k neurons that all read the same n inputs.
Put their weight vectors side by side as the columns of a matrix W of shape
(n, k), and feed m examples at once as the rows of X, shape (m, n):

    A = sigma(X @ W + b)        shape (m, k); row i, column j is neuron j on example i

This is the same computation as the single neuron, done m * k times at
once, which is why numpy (and every deep-learning library) writes it as
one matrix product.

Why the non-linearity is the key part: take two layers *without* it,

    (X @ W1 + b1) @ W2 + b2 = X @ (W1 @ W2) + (b1 @ W2 + b2).

The right-hand side is one linear layer with W = W1 @ W2 and
b = b1 @ W2 + b2. However many linear layers you stack, they collapse into
one, and one linear layer cannot even compute XOR (lesson 3). Put a sigma
between the layers and the collapse no longer happens: that is what lets
deep networks represent complicated functions.
"""

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")


def activate(z, activation="sigmoid"):
    """Apply the activation named ``activation`` to z, element by element.

    z: a float array of any shape. activation: one of "sigmoid", "tanh",
    "relu", "identity". Returns floats of z's shape. Any other name raises
    ValueError with a message that lists the allowed names.
    """
    # hint: compare activation with each allowed name; raise ValueError(f"... use one of {ACTIVATIONS}") otherwise
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    if activation == "sigmoid":
        # Lesson 1's stable sigmoid, written through tanh: it never computes exp
        # of a large number. (Written out again so this lesson stands alone.)
        return 0.5 * (1 + np.tanh(0.5 * z))
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0).astype(z.dtype)
    if activation == "identity":
        return z
    raise ValueError(f"unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}")


def neuron(x, w, b, activation="sigmoid"):
    """One neuron: sigma(x . w + b) as a float.

    x, w: the n inputs and the n weights, shape (n,) (lists and integer arrays
    too). b: the bias, a number. activation: a name, see ``activate``.
    Returns one float (a Python float or numpy float scalar), never an array
    of shape (1,). Does not modify x or w.
    """
    # hint: z = np.dot(x, w) + b, then return float(activate(z, activation))
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    z = np.dot(x, w) + b  # the weighted sum plus the bias
    return float(activate(z, activation))


def dense(X, W, b, activation="sigmoid"):
    """A layer of k neurons applied to m examples: sigma(X @ W + b).

    X: shape (m, n), one example per row (m may be 0). W: shape (n, k), one
    neuron's weights per column. b: shape (k,), one bias per neuron.
    Returns floats of shape (m, k), even when m, n or k is 1 (do not squeeze).
    Integer input gives float64 output. Does not modify X, W or b.
    """
    X = np.asarray(X)
    W = np.asarray(W)
    b = np.asarray(b)
    # Every neuron (column of W) sees every example (row of X): one matrix product.
    return activate(X @ W + b, activation)


def collapse(W1, b1, W2, b2):
    """The single linear layer equal to two stacked linear layers.

    W1: (n, h), b1: (h,), W2: (h, k), b2: (k,). Returns (W, b) with W of shape
    (n, k) and b of shape (k,), floats, such that for every X of shape (m, n)
    X @ W + b equals (X @ W1 + b1) @ W2 + b2.
    """
    W1, b1 = np.asarray(W1, dtype=float), np.asarray(b1, dtype=float)
    W2, b2 = np.asarray(W2, dtype=float), np.asarray(b2, dtype=float)
    # Multiply out (X @ W1 + b1) @ W2 + b2 = X @ (W1 @ W2) + (b1 @ W2 + b2).
    return W1 @ W2, b1 @ W2 + b2
