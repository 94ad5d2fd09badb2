"""Lesson 3 - Logic gates: what one neuron can compute, and what it cannot (XOR).

The oldest artificial neuron (McCulloch and Pitts, 1943; Rosenblatt's
perceptron, 1958) uses the crudest non-linearity there is, a threshold, the
way a real neuron fires only once its voltage crosses a threshold:

    step(z) = 1 if z > 0 else 0        (at exactly z = 0 it does not fire)

A step neuron with two inputs in {0, 1} outputs step(x1 w1 + x2 w2 + b).
The set of inputs where it fires is one side of the straight line
x1 w1 + x2 w2 + b = 0, so choosing w and b means drawing a line through the
unit square:

- AND fires only at (1, 1):      w = (1, 1),   b = -1.5
- OR fires unless both are 0:    w = (1, 1),   b = -0.5
- NAND and NOR are their opposites: flip every sign.

XOR fires at (0, 1) and (1, 0) but not at (0, 0) or (1, 1). No straight
line separates those two pairs, so no single neuron computes XOR: it is
not *linearly separable*. Two layers can: XOR(a, b) = AND(OR(a, b), NAND(a, b)),
a 2-2-1 network whose hidden neurons are OR and NAND and whose output
neuron is AND:

    H = step(X @ W1 + b1)      W1 (2, 2), b1 (2,): the OR and NAND columns
    y = step(H @ W2 + b2)      W2 (2, 1), b2 (1,): the AND neuron

Instead of choosing weights by hand, the perceptron *learns* them from
examples. Start from w = 0, b = 0 and visit the samples in order; for each,
predict p = step(x . w + b) and nudge the weights by the error:

    w += lr * (y - p) * x
    b += lr * (y - p)

A correct prediction changes nothing (y - p = 0). One pass over all the
samples is an epoch; stop after the first epoch without a single mistake.
If a line separating the classes exists, this is guaranteed to happen
(the perceptron convergence theorem). On XOR it never happens: the
perceptron keeps going until it runs out of epochs.
"""

import numpy as np

GATES = ("AND", "OR", "NAND", "NOR")


def step(z):
    """The threshold activation: 1.0 where z > 0, else 0.0 (so step(0) == 0).

    z: a scalar, list or array of any shape (ints too). Returns floats of z's
    shape (float64 for integer input; float32 input may stay float32).
    """
    # YOUR CODE HERE
    raise NotImplementedError('step: The threshold activation: 1.0 where z > 0, else 0.0 (so step(0) == 0)')


def gate(name):
    """Weights (w, b) of one step neuron computing the gate ``name``.

    name: "AND", "OR", "NAND" or "NOR". Returns w, a float array of shape (2,),
    and b, a float, such that step(X @ w + b) is the gate's truth table for
    the four rows of X = [[0, 0], [0, 1], [1, 0], [1, 1]].
    """
    # YOUR CODE HERE
    raise NotImplementedError('gate: draw a line that separates the inputs where the gate fires; e.g. AND: w = (1, 1), b between -2 and -1')


def perceptron_fit(X, y, lr=1.0, max_epochs=100):
    """Learn (w, b) for a step neuron with the perceptron rule.

    X: shape (m, n), one sample per row; y: shape (m,), labels 0 or 1; both
    may be int or float arrays or plain lists (convert them to floats first);
    lr: the learning rate; max_epochs: the most passes over the data.
    Start from w = zeros(n), b = 0.0; visit the samples in the given order;
    for each, p = step(x . w + b), then w += lr * (y - p) * x and
    b += lr * (y - p). Stop after the first epoch without a mistake.
    Returns (w, b, epochs): w floats of shape (n,), b a float, epochs an int,
    the number of epochs run (the mistake-free epoch counts; max_epochs when
    it never converges). Does not modify X or y.
    """
    # YOUR CODE HERE
    raise NotImplementedError('perceptron_fit: Learn (w, b) for a step neuron with the perceptron rule')


def xor_network():
    """Hand-wired weights of a 2-2-1 step network that computes XOR.

    Returns a dict of float arrays {"W1": (2, 2), "b1": (2,), "W2": (2, 1),
    "b2": (1,)} such that step(step(X @ W1 + b1) @ W2 + b2) is XOR for the four
    rows of X in {0, 1}^2. Hint: XOR(a, b) = AND(OR(a, b), NAND(a, b)).
    """
    # YOUR CODE HERE
    raise NotImplementedError('xor_network: hidden neuron 1 = OR, hidden neuron 2 = NAND (weights in the columns of W1); output neuron = AND')


def xor_predict(X, params):
    """The 2-2-1 step network's output: step(step(X @ W1 + b1) @ W2 + b2).

    X: shape (m, 2) (m may be 0); params: a dict like ``xor_network()``'s.
    Returns the m outputs, 0.0 or 1.0, as an array of shape (m,), not (m, 1).
    """
    # YOUR CODE HERE
    raise NotImplementedError("xor_predict: The 2-2-1 step network's output: step(step(X @ W1 + b1) @ W2 + b2)")
