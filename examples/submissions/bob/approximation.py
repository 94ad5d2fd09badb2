"""Lesson 7 - Magic: a layer of neurons can approximate any function.

XOR and AND are boring; the point of neurons is that enough of them,
trained appropriately, can approximate *any* function, even "is this a
picture of a cat?". This lesson shows why with nothing but ReLUs, and
without any training: we write the weights down directly.

One ReLU unit, relu(x - c), is 0 left of c and a ramp of slope 1 right of
it: a single "kink" at c. Add up several ramps with output weights and you
get a piecewise-linear curve that bends by exactly that weight at each
kink. So to draw the curve through the points (knots)
(x_0, y_0), (x_1, y_1), ..., (x_K, y_K) with x_0 < x_1 < ... < x_K:

- the slope on segment j (from x_j to x_{j+1}) is
  s_j = (y_{j+1} - y_j) / (x_{j+1} - x_j);
- hidden unit j is relu(x - x_j), one per segment (K units): W1 is a row
  of ones and b1 = -(x_0, ..., x_{K-1});
- unit 0 gives the first segment its slope, c_0 = s_0; every later unit
  changes the slope by the difference, c_j = s_j - s_{j-1} (W2 = c);
- the output bias starts the curve at the first knot: b2 = y_0.

Then for x_0 <= x <= x_K the network

    f(x) = relu(x * W1 + b1) @ W2 + b2

passes through every knot and is a straight line between neighbours: the
piecewise-linear interpolant. Any continuous function on an interval is
approximated as closely as you like by such interpolants (take more,
closer knots), and so by a wide enough one-hidden-layer ReLU network. That
is the universal approximation theorem in its simplest form. Training
(the xor and cat lessons) is how a network finds such weights by itself
when no formula is known.
"""

import numpy as np


def relu_fit(knots_x, knots_y):
    """Weights of a one-hidden-layer ReLU network through the given knots.

    knots_x: K + 1 >= 2 numbers, strictly increasing; knots_y: K + 1 numbers
    (lists or arrays, ints or floats). Returns a dict of float arrays
    {"W1": (1, K), "b1": (K,), "W2": (K, 1), "b2": (1,)}, one hidden unit per
    segment between neighbouring knots, such that relu_net(knots_x, params)
    equals knots_y and the network is linear between neighbouring knots.
    Does not modify its inputs.
    """
    # hint: unit j is relu(x - x_j) for j = 0..K-1; its output weight is the change of slope at x_j (the first one is the first slope)
    x = np.asarray(knots_x, dtype=float)
    y = np.asarray(knots_y, dtype=float)
    slopes = np.diff(y) / np.diff(x)  # the slope of each of the K segments
    # Unit 0 sets the first slope; each later unit adds the change of slope at its knot.
    changes = np.diff(slopes, prepend=0.0)
    return {
        "W1": np.ones((1, slopes.size)),
        "b1": -x[:-1],  # unit j has its kink at x_j
        "W2": changes.reshape(-1, 1),
        "b2": y[:1].copy(),  # start the curve at the first knot's height
    }


def relu_net(x, params):
    """Evaluate the network relu(x * W1 + b1) @ W2 + b2 at every element of x.

    x: a scalar, list or array of any shape (ints too, possibly empty);
    params: a dict like ``relu_fit``'s, with W1 (1, h), b1 (h,), W2 (h, 1),
    b2 (1,). Returns floats of x's shape: one network output per element.
    """
    x = np.asarray(x, dtype=float)
    W1, b1 = np.asarray(params["W1"], dtype=float), np.asarray(params["b1"], dtype=float)
    W2, b2 = np.asarray(params["W2"], dtype=float), np.asarray(params["b2"], dtype=float)
    # Give every element its own row of one input: shape x.shape + (1,).
    hidden = np.maximum(x[..., None] @ W1 + b1, 0.0)  # x.shape + (h,)
    out = hidden @ W2 + b2  # x.shape + (1,)
    return out[..., 0]  # drop the single output column: x's shape again
