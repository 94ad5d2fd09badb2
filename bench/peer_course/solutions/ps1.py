"""The peer-bench assignment (sigmoid, relu, neuron): the reference solution."""

import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def relu(x):
    return np.maximum(0, x)

def neuron(x, w, b):
    return sigmoid(np.asarray(x) @ np.asarray(w) + b)
