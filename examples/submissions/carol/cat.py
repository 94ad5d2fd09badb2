"""Lesson 5 - "Is this a picture of a cat?": one neuron learns from examples.

We do not have a formula for a cat. Nobody can write down the rule that
turns 64 x 64 coloured dots into "cat" or "not cat". But we have many
pictures of cats, and of other things, each with the right answer. So
instead of writing the rule, we let a neuron find one.

The neuron is the one from lesson 2: it weighs every input, adds a bias and
squashes the sum with a sigmoid,

    a = sigmoid(w . x + b),

read as "the probability that x is a cat". Here the inputs x are the
picture's 64 * 64 * 3 = 12288 colour values, each scaled from 0..255 to
0..1 so that no input dominates just because of its units.

Learning means choosing w and b so the answers match the labels y. We
measure the mismatch with the cross-entropy cost (the mean over the m
pictures)

    J = -mean( y log a + (1 - y) log(1 - a) ),

and walk downhill: the gradient is remarkably simple,

    dJ/dw = X^T (a - y) / m,      dJ/db = mean(a - y),

and each step of gradient descent moves w and b a little (the learning
rate) against it. Start from w = 0, b = 0: every answer is then 0.5 and
the cost is log 2 = 0.693.

The neuron learns its training pictures almost perfectly, yet it gets
fewer of the pictures it has never seen right: with one neuron and raw
pixels, part of what it learns is the training set itself
(overfitting). Telling cats apart really well takes many neurons in
layers; that is where this unit is heading.
"""

import numpy as np


def load_dataset(source="generated", path=None, seed=0):
    """The pictures: ``(X_train, y_train, X_test, y_test)`` (given: nothing to write here).

    Images are (m, 64, 64, 3) uint8 arrays, labels (m,) arrays of 0 (not cat)
    and 1 (cat). By default 209 training and 50 test pictures are drawn by
    ``catdata.py`` (next to this file). Your teacher may hand out the classic
    files instead: ``load_dataset("hdf5", "data")`` reads train_catvnoncat.h5
    and test_catvnoncat.h5, ``load_dataset("folder", "pictures")`` reads
    pictures/cat/ and pictures/not_cat/.
    """
    import catdata  # imported here, so this module works on its own when graded

    return catdata.load(source, path, seed)


def _sigmoid(z):
    """1 / (1 + e^-z), the plain formula: enough for this lesson, whose inputs stay small.

    (It overflows, with a numpy warning, below z = -709; lesson 1's sigmoid must not.)
    """
    return 1 / (1 + np.exp(-z))


def flatten(images):
    """Turn (m, h, w, c) pictures into an (m, h*w*c) float array with values in [0, 1].

    Pictures of any size: the lesson's are 64 x 64 x 3, so (m, 12288), but
    do not write 12288 in. Row i holds picture i's values in their natural
    order (np.reshape's order: row by row, pixel by pixel, red-green-blue),
    always divided by 255, whatever the values (a very dark picture too).
    Integer (uint8) or float input; returns float64; the input is not changed.
    """
    # YOUR CODE HERE
    raise NotImplementedError('flatten: keep the first axis (one row per picture), reshape the rest into one long row, then divide by 255')


def train_logistic(X, y, lr=0.005, epochs=2000):
    """Train one sigmoid neuron by batch gradient descent; return ``(w, b, costs)``.

    X is (m, n) floats, y is (m,) of 0/1. Start from w = zeros(n), b = 0.0.
    In every epoch: compute a = sigmoid(X @ w + b) for all m pictures, the
    cost J = -mean(y log a + (1 - y) log(1 - a)), the gradients
    dw = X.T @ (a - y) / m and db = mean(a - y), then step
    w -= lr * dw, b -= lr * db. Record J (computed before that epoch's step)
    as a Python float every 100 epochs, starting with epoch 0, so
    costs[0] = log 2 and len(costs) == ceil(epochs / 100).
    Returns w as a float (n,) array, b as a float, costs as a list.
    """
    # YOUR CODE HERE
    raise NotImplementedError('train_logistic: Train one sigmoid neuron by batch gradient descent; return ``(w, b, costs)``')


def predict(X, w, b):
    """Label each row of X: 1.0 where sigmoid(X @ w + b) > 0.5 (a cat), else 0.0; returns an (m,) float array."""
    # YOUR CODE HERE
    raise NotImplementedError('predict: sigmoid(z) > 0.5 exactly when z > 0')


def accuracy(y_pred, y_true):
    """The fraction of predictions equal to the labels, a float in [0, 1]."""
    # YOUR CODE HERE
    raise NotImplementedError('accuracy: The fraction of predictions equal to the labels, a float in [0, 1]')
