"""Values in messages read as plain numbers, and a part of a result is worded as such (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.testing import Mismatch, as_array, expect_close, expect_equal, expect_shape, plain_reprs, show


def message(check, *args, **kwargs) -> str:
    with pytest.raises(Mismatch) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_numpy_scalars_show_as_plain_numbers():
    text = message(expect_close, np.float64(0.5), np.float64(0.7310585786300049), call="neuron(x)")
    assert text == "neuron(x) returned 0.5 (float64), expected 0.731059 (float64)"
    assert "np." not in message(expect_close, np.float64(6.0), 5.0, call="f()")
    assert message(expect_close, 6.0, 5.0, call="f()") == "f() returned 6.0 (float64), expected 5.0 (float64)"


def test_six_equal_digits_add_the_full_values():
    text = message(expect_close, 0.1 + 1e-7, 0.1, call="f()")
    assert text.startswith("f() returned 0.1 (float64), expected 0.1 (float64) (in full: got 0.1000001")


def test_arrays_show_floats_with_a_digit_after_the_point():
    text = message(expect_close, np.array([6.0, 1.5]), np.array([5.0, 1.5]), call="f(x)")
    assert text == ("f(x) returned [6.0 1.5] (shape (2,), float64), expected [5.0 1.5] (shape (2,), float64) "
                    "(first difference at index 0: got 6.0, expected 5.0)")  # fmt: skip
    assert show([np.float64(0.5), (np.int64(1),)]) == "[0.5, (1,)]"
    assert show(np.float32(6)) == "6.0 (float32)"


def test_a_part_of_the_result_is_worded_as_one():
    call = "lif_simulate(current) with current = 0 for 50 steps, then 0.25 nA for 250 steps"
    text = message(expect_shape, np.zeros(299), (300,), call=f"{call}[0] (v)")
    assert text == f"{call} returned an array of shape (299,) as element [0] (v), expected shape (300,)"
    assert "steps[0]" not in message(expect_equal, np.array([1]), np.array([2]), call=f"{call}[1] (spikes)")
    text = message(as_array, "x", call=f"{call}[1] (spikes)")
    assert text.startswith(f"{call} returned 'x' as element [1] (spikes),")


def test_reprs_a_test_wrote_are_made_plain():
    assert plain_reprs("v[0] is np.float64(-0.06), not np.int64(3) or np.True_") == "v[0] is -0.06, not 3 or True"
    assert plain_reprs("np.str_('a') and np.float32(1.5)") == "'a' and 1.5"
