"""Mistakes and correct variants for lesson 6, spiking (the leaky integrate-and-fire neuron)."""

from . import Mistake, Variant

LIF_TESTS = ("test_lif_matches_reference_on_random_currents", "test_lif_step_current_trace",
             "test_lif_no_spikes_below_threshold", "test_lif_interspike_interval_matches_theory",
             "test_lif_resets_after_each_spike", "test_lif_spike_indices_are_integers",
             "test_lif_spikes_when_v_reaches_the_threshold_exactly")  # fmt: skip
RATE_TESTS = ("test_firing_rate_matches_reference", "test_firing_rate_is_monotone_in_current")
ALL = LIF_TESTS + RATE_TESTS


def _lif(
    step="v_now = v_now + dt / tau * (v_rest - v_now + r * current[t])",
    check="if v_now >= v_thresh:",
    record="spikes.append(t)",
    reset="v_now = v_reset",
):
    """lif_simulate's reference source with one line changed."""
    return f"""
        def lif_simulate(current, dt=1e-3, tau=20e-3, v_rest=-60e-3, v_reset=-70e-3, v_thresh=-50e-3, r=100e6):
            current = np.asarray(current, dtype=float).reshape(-1)
            v = np.empty(current.shape[0])
            spikes = []
            v_now = v_rest
            for t in range(current.shape[0]):
                if t > 0:
                    {step}
                    {check}
                        {record}
                        {reset}
                v[t] = v_now
            return v, np.array(spikes, dtype=int)
    """


MISTAKES = [
    Mistake(
        id="spiking_no_reset",
        module="spiking",
        description="records the spike but never resets the voltage",
        functions={"lif_simulate": _lif(reset="pass")},
        fails=("test_lif_resets_after_each_spike",),
        message="at the spike at step",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_reset_to_rest",
        module="spiking",
        description="resets to v_rest instead of v_reset, so the spikes come too fast",
        functions={"lif_simulate": _lif(reset="v_now = v_rest")},
        fails=("test_lif_interspike_interval_matches_theory", "test_lif_resets_after_each_spike"),
        message="the intervals between spikes are",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_spike_recorded_one_step_early",
        module="spiking",
        description="records the spike at t - 1, the step before the threshold was crossed",
        functions={"lif_simulate": _lif(record="spikes.append(t - 1)")},
        fails=("test_lif_matches_reference_on_random_currents", "test_lif_step_current_trace"),
        message="[1] (spikes)",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_uses_previous_current",
        module="spiking",
        description="drives step t with current[t - 1]",
        functions={"lif_simulate": _lif(step="v_now = v_now + dt / tau * (v_rest - v_now + r * current[t - 1])")},
        fails=("test_lif_matches_reference_on_random_currents", "test_lif_step_current_trace"),
        message="[0] (v)",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_v_one_too_long",
        module="spiking",
        description="stores v_rest and then one value per current: T + 1 voltages",
        functions={
            "lif_simulate": """
            def lif_simulate(current, dt=1e-3, tau=20e-3, v_rest=-60e-3, v_reset=-70e-3, v_thresh=-50e-3, r=100e6):
                current = np.asarray(current, dtype=float)
                v = [v_rest]
                spikes = []
                for t in range(len(current)):
                    v_new = v[-1] + dt / tau * (v_rest - v[-1] + r * current[t])
                    if v_new >= v_thresh:
                        spikes.append(t + 1)
                        v_new = v_reset
                    v.append(v_new)
                return np.array(v), np.array(spikes, dtype=int)
        """
        },
        fails=("test_lif_step_current_trace",),
        message="expected shape (300,)",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_threshold_strict",
        module="spiking",
        description="spikes only above the threshold (v > v_thresh): a voltage exactly at v_thresh does not fire",
        functions={"lif_simulate": _lif(check="if v_now > v_thresh:")},
        fails=("test_lif_spikes_when_v_reaches_the_threshold_exactly",),
        message="lands exactly on v_thresh",
    ),
    Mistake(
        id="spiking_threshold_compared_with_rest",
        module="spiking",
        description="spikes when v reaches v_rest instead of v_thresh",
        functions={"lif_simulate": _lif(check="if v_now >= v_rest:")},
        fails=("test_lif_no_spikes_below_threshold",),
        message="with no input the voltage stays at",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_spike_times_in_seconds",
        module="spiking",
        description="returns spike times t * dt in seconds instead of step numbers",
        functions={
            "lif_simulate": _lif(record="spikes.append(t * dt)").replace(
                "np.array(spikes, dtype=int)", "np.array(spikes)"
            )
        },
        fails=("test_lif_spike_indices_are_integers",),
        message="spike steps are whole numbers",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_rate_per_step",
        module="spiking",
        description="divides the spike count by the number of steps, not by the duration in seconds",
        functions={
            "firing_rate": """
            def firing_rate(i, duration=1.0, **params):
                dt = params.get("dt", 1e-3)
                steps = int(round(duration / dt))
                _, spikes = lif_simulate(np.full(steps, float(i)), **params)
                return len(spikes) / steps
        """
        },
        fails=("test_firing_rate_matches_reference",),
        message="spikes per second",
    ),
    Mistake(
        id="spiking_rate_is_seconds_per_spike",
        module="spiking",
        description="returns duration / spikes (seconds per spike), which falls as the current grows",
        functions={
            "firing_rate": """
            def firing_rate(i, duration=1.0, **params):
                dt = params.get("dt", 1e-3)
                _, spikes = lif_simulate(np.full(int(round(duration / dt)), float(i)), **params)
                return duration / len(spikes) if len(spikes) else 0.0
        """
        },
        fails=("test_firing_rate_is_monotone_in_current", "test_firing_rate_matches_reference"),
        message="more current must never mean fewer spikes",
    ),
]

MISTAKES += [
    Mistake(
        id="spiking_empty_spikes_float",
        module="spiking",
        description="returns np.array(spikes): integer when the neuron spiked, but float64 when the list is empty",
        functions={"lif_simulate": _lif().replace("np.array(spikes, dtype=int)", "np.array(spikes)")},
        fails=("test_lif_spike_indices_are_integers",),
        message="with no spike it must still be an integer array",
    ),
    Mistake(
        id="spiking_resets_one_step_late",
        module="spiking",
        description="records the spike at t but keeps v[t] above the threshold, resetting only at the next step",
        functions={
            "lif_simulate": """
            def lif_simulate(current, dt=1e-3, tau=20e-3, v_rest=-60e-3, v_reset=-70e-3, v_thresh=-50e-3, r=100e6):
                current = np.asarray(current, dtype=float).reshape(-1)
                v = np.empty(current.shape[0])
                spikes = []
                v_now, fired = v_rest, False
                for t in range(current.shape[0]):
                    if t > 0:
                        if fired:
                            v_now, fired = v_reset, False
                        else:
                            v_now = v_now + dt / tau * (v_rest - v_now + r * current[t])
                        if v_now >= v_thresh:
                            spikes.append(t)
                            fired = True
                    v[t] = v_now
                return v, np.array(spikes, dtype=int)
        """
        },
        fails=("test_lif_matches_reference_on_random_currents", "test_lif_resets_after_each_spike"),
        message="the reference spiked there and reset to v_reset",
        may_fail=ALL,
    ),
    Mistake(
        id="spiking_rate_floor_division",
        module="spiking",
        description="len(spikes) // duration: rounds the rate down to a whole multiple of 1 / duration",
        functions={
            "firing_rate": """
            def firing_rate(i, duration=1.0, **params):
                steps = int(round(duration / params.get("dt", 1e-3)))
                _, spikes = lif_simulate(np.full(steps, float(i)), **params)
                return len(spikes) // duration
        """
        },
        fails=("test_firing_rate_matches_reference",),
        message="returned 45.0, expected 45.5 spikes per second (91 spikes in 2 s)",
    ),
]

VARIANTS = [
    Variant(
        id="spiking_rearranged_euler_step",
        module="spiking",
        description="the Euler step written as v (1 - dt/tau) + dt/tau (v_rest + R I), with a Python list for v",
        functions={
            "lif_simulate": """
            def lif_simulate(current, dt=1e-3, tau=20e-3, v_rest=-60e-3, v_reset=-70e-3, v_thresh=-50e-3, r=100e6):
                k = dt / tau
                v = [v_rest]
                spikes = []
                for t in range(1, len(current)):
                    v_t = v[-1] * (1 - k) + k * (v_rest + r * current[t])
                    if v_t >= v_thresh:
                        spikes.append(t)
                        v_t = v_reset
                    v.append(v_t)
                return np.array(v[: len(current)], dtype=float), spikes
        """
        },
    ),
    Variant(
        id="spiking_precomputed_drive",
        module="spiking",
        description="precomputes v_inf for every step, then loops with an index array of spikes",
        functions={
            "lif_simulate": """
            def lif_simulate(current, dt=1e-3, tau=20e-3, v_rest=-60e-3, v_reset=-70e-3, v_thresh=-50e-3, r=100e6):
                v_inf = v_rest + r * np.array(current, dtype=np.float64)
                v = np.full(v_inf.shape, v_rest)
                fired = np.zeros(v_inf.shape, dtype=bool)
                for t in range(1, len(v)):
                    v[t] = v[t - 1] + dt / tau * (v_inf[t] - v[t - 1])
                    if v[t] >= v_thresh:
                        fired[t] = True
                        v[t] = v_reset
                return v, np.flatnonzero(fired)
        """
        },
    ),
    Variant(
        id="spiking_rate_arange_steps",
        module="spiking",
        description="firing_rate building the time axis with np.arange (one step more or less)",
        functions={
            "firing_rate": """
            def firing_rate(i, duration=1.0, **params):
                t = np.arange(0.0, duration, params.get("dt", 1e-3))
                v, spikes = lif_simulate(i * np.ones_like(t), **params)
                return float(np.size(spikes)) / duration
        """
        },
    ),
]
