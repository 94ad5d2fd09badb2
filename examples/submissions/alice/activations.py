"""Lesson 1 - Activations: the non-linearity that makes a neuron a neuron.

An artificial neuron adds up its weighted inputs plus a bias, z = w.x + b,
and then passes z through a non-linear function sigma(z), the activation.
That last step is the key part: without it, a network of many layers is
still just one linear function (lesson 2 shows why).

Three activations matter in this unit:

- sigmoid(z) = 1 / (1 + e^-z) squashes any number into (0, 1). Its
  derivative is sigmoid(z) * (1 - sigmoid(z)): easy math, which is why
  introductions to neural networks use it.
- tanh(z) squashes into (-1, 1) and is centred on 0; its derivative is
  1 - tanh(z)^2. It is a stretched sigmoid: tanh(z) = 2 sigmoid(2z) - 1.
- relu(z) = max(0, z) is what most modern networks use: cheap, and its
  gradient does not vanish for positive z. Its derivative is 1 for z > 0
  and 0 for z < 0; at z = 0 we use 0.

Numbers on a computer are finite. e^z overflows float64 once z is above
about 709, so the textbook formula 1 / (1 + e^-z) breaks for z below -709.
A stable sigmoid only ever computes e to a non-positive power.

Every function here works element by element on a scalar, a list or an
array of any shape, and returns floats of the same shape.
"""

import numpy as np


def _as_float(z):
    """The input as a float array (float32 stays float32; ints become float64)."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), element by element, without overflow.

    Accepts a scalar, list or array of any shape (ints too); returns floats of the same shape.
    """
    z = _as_float(z)
    # e^-|z| is always in (0, 1], so nothing overflows; pick the algebraically
    # equal form that uses it on each side of zero.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(z):
    """The hyperbolic tangent, element by element; returns floats of the input's shape."""
    return np.tanh(_as_float(z))


def relu(z):
    """max(0, z) element by element; returns floats of the input's shape."""
    z = _as_float(z)
    return np.maximum(z, 0).astype(z.dtype)


def sigmoid_grad(z):
    """d sigmoid / dz = sigmoid(z) * (1 - sigmoid(z)), element by element."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh_grad(z):
    """d tanh / dz = 1 - tanh(z)^2, element by element."""
    t = tanh(z)
    return 1 - t * t


def relu_grad(z):
    """d relu / dz: 1.0 where z > 0, else 0.0 (we choose 0 at z = 0)."""
    z = _as_float(z)
    return (z > 0).astype(z.dtype)
