"""Public tests for the spiking lesson: a few fixed examples per function.

The hidden tests check much more (random currents, the interspike interval formula, rates that
grow with the current, other parameters).
"""

import numpy as np

import spiking


def test_no_current_means_rest_and_no_spikes():
    v, spikes = spiking.lif_simulate(np.zeros(50))
    assert np.shape(v) == (50,), f"v should have one value per time step (50,), got shape {np.shape(v)}"
    assert np.allclose(v, -60e-3), f"without current v should stay at v_rest = -0.06 V, got values from {np.min(v)!r} to {np.max(v)!r}"
    assert len(spikes) == 0, f"without current there should be no spikes, got {spikes!r}"


def test_first_steps_follow_the_euler_rule():
    current = np.full(4, 0.3e-9)  # 0.3 nA
    v, _ = spiking.lif_simulate(current)
    want = [-0.06, -0.0585, -0.057075, -0.05572125]  # v[t] = v[t-1] + dt/tau * (v_rest - v[t-1] + r * I)
    assert np.allclose(v, want, atol=1e-12), f"with 0.3 nA the first steps should be {want}, got {np.asarray(v).tolist()}"


def test_a_strong_current_spikes_and_resets():
    v, spikes = spiking.lif_simulate(np.full(200, 0.5e-9))
    spikes = np.asarray(spikes)
    assert spikes.dtype.kind in "iu", f"spikes should be integer step numbers, got dtype {spikes.dtype}"
    assert len(spikes) > 0, "0.5 nA drives v well above threshold: there should be spikes"
    assert np.allclose(v[spikes], -70e-3), f"v should be set to v_reset = -0.07 V at each spike step, got {v[spikes][:5].tolist()}"
    assert np.all(v < -50e-3), "v should never be left at or above the threshold -0.05 V"


def test_firing_rate():
    assert spiking.firing_rate(0.05e-9) == 0.0, "a current too weak to reach the threshold should give 0 spikes per second"
    weak, strong = spiking.firing_rate(0.25e-9), spiking.firing_rate(0.5e-9)
    assert 0 < weak < strong, f"the rate should grow with the current: got {weak!r} for 0.25 nA and {strong!r} for 0.5 nA"
    assert isinstance(weak, float), f"firing_rate should return a float, got {type(weak).__name__}"
