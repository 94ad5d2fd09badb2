"""The six hidden tests of bench/peers/assignment.py, one for one, through the sandbox.

Each test checks what the peer harness's test body checks (same inputs, same
tolerances); only the calls go to ``student.ps1`` instead of names in the
notebook's namespace.
"""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import expect_true


def test_sigmoid_zero(student):
    got = float(student.ps1.sigmoid(0.0))
    expect_true(abs(got - 0.5) < 1e-12, f"sigmoid(0.0) returned {got}, expected 0.5")


def test_sigmoid_stable(student):
    out = np.asarray(student.ps1.sigmoid(np.array([-1000.0, 1000.0])))
    expect_true(not np.any(np.isnan(out)), f"sigmoid([-1000, 1000]) produced nan: {out}")
    expect_true(np.allclose(out, [0.0, 1.0]), f"sigmoid([-1000, 1000]) returned {out}, expected [0, 1]")


def test_relu_values(student):
    got = student.ps1.relu(np.array([-2.0, -0.5, 0.0, 3.0]))
    expect_true(np.array_equal(got, [0.0, 0.0, 0.0, 3.0]), f"relu([-2, -0.5, 0, 3]) returned {got}")


def test_neuron_value(student):
    x = np.array([1.0, 2.0, 3.0])
    w = np.array([0.5, -0.25, 0.1])
    got = float(student.ps1.neuron(x, w, 0.2))
    expect_true(np.isclose(got, 1.0 / (1.0 + np.exp(-0.5))), f"neuron(x, w, 0.2) returned {got}")


def test_batch_shapes(student):
    X = np.random.default_rng(0).normal(size=(8, 3))
    w = np.array([0.5, -0.25, 0.1])
    expect_true(np.shape(student.ps1.sigmoid(X)) == (8, 3), "sigmoid(X) changed the shape (8, 3)")
    expect_true(np.shape(student.ps1.relu(X)) == (8, 3), "relu(X) changed the shape (8, 3)")
    expect_true(np.shape(student.ps1.neuron(X, w, 0.2)) == (8,), "neuron(X, w, b) is not of shape (8,)")


@given(v=st.floats(min_value=-100.0, max_value=100.0, allow_nan=False))
def test_sigmoid_symmetry_property(student, v):
    a = float(student.ps1.sigmoid(-v))
    b = float(student.ps1.sigmoid(v))
    expect_true(math.isclose(a, 1.0 - b, abs_tol=1e-9), f"sigmoid(-{v}) = {a} but 1 - sigmoid({v}) = {1 - b}")
