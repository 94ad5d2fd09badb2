"""Hidden tests for lesson 6, spiking: the leaky integrate-and-fire neuron and its firing rate.

The voltage trace is compared with the reference on random currents and
parameters; the rest are properties every correct simulation has: no spikes
below threshold, a reset after every spike, the interspike interval of
theory, integer spike steps, and a firing rate that grows with the current.
Inputs whose voltage lands within 1e-12 V of the threshold are skipped:
there, rounding alone decides whether a correct simulation spikes.
"""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograder.testing import as_array, expect_close, expect_equal, expect_shape, expect_true, fail, show

DEFAULTS = {"dt": 1e-3, "tau": 20e-3, "v_rest": -60e-3, "v_reset": -70e-3, "v_thresh": -50e-3, "r": 100e6}
EULER_HINT = "For t >= 1: v[t] = v[t-1] + dt / tau * (v_rest - v[t-1] + r * current[t]); then check the threshold."


def _describe(current, params):
    text = f"lif_simulate(current={show(np.asarray(current))}"
    extra = ", ".join(f"{k}={v:g}" for k, v in params.items())
    return text + (f", {extra})" if extra else ")")


def _simulate(student, current, params=None, *, call=None, inputs=False):
    """The student's (v, spikes) as arrays, after checking it is a pair; optionally the current after the call."""
    params = params or {}
    call = call or _describe(current, params)
    if inputs:
        got, after = student.spiking.lif_simulate.with_inputs(current, **params)
    else:
        got, after = student.spiking.lif_simulate(current, **params), None
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{call} returned {show(got)}, expected a pair (v, spikes)", "End with: return v, spikes.")
    v = as_array(got[0], call=f"{call}[0] (v)", hint="v is a float array with one voltage per time step.")
    spikes = as_array(got[1], call=f"{call}[1] (spikes)", hint="spikes is an array of the step numbers t with a spike.")
    if spikes.ndim != 1:
        fail(f"{call} returned as element [1] (spikes) an array of shape {spikes.shape}, expected a 1-d array of step numbers",
             "Collect the steps in a list and return np.array(steps, dtype=int).")
    return v, spikes, after


def _pre_reset(current, dt, tau, v_rest, v_reset, v_thresh, r):
    """The voltages just before the threshold check (trusted re-computation, to avoid exact ties)."""
    v, out = v_rest, []
    for t in range(1, len(current)):
        v = v + dt / tau * (v_rest - v + r * current[t])
        out.append(v)
        if v >= v_thresh:
            v = v_reset
    return np.array(out)


RESET_HINT = "When v[t] >= v_thresh: record t and set v[t] = v_reset in that same step t, not at the next step."


def _explain_spike_step(v, v_want, spikes, spikes_want, call, p):
    """If the trace first differs at a step where the reference or the student spiked, say so (not the Euler hint)."""
    v = np.asarray(v, dtype=float)
    if v.shape != np.shape(v_want):
        return
    off = ~np.isclose(v, v_want, rtol=1e-9, atol=1e-12)
    if not off.any():
        return
    k = int(np.argmax(off))
    if k in set(np.asarray(spikes_want).tolist()):
        fail(f"{call} returned as element [0] (v) a trace that differs first at step {k}: the reference spiked "
             f"there and reset to v_reset = {p['v_reset']:g}, so v[{k}] = {show(v_want[k])}; you returned "
             f"v[{k}] = {show(v[k])}", RESET_HINT)
    if k in set(np.asarray(spikes).tolist()):
        fail(f"{call} returned as element [0] (v) a trace with a spike at step {k}, but the reference's "
             f"v[{k}] = {show(v_want[k])} stays below v_thresh = {p['v_thresh']:g} there; you returned v[{k}] = {show(v[k])}",
             "Spike only when the new v[t] (after the Euler step of step t) reaches v_thresh.")


@st.composite
def simulations(draw, *, max_len=80):
    """(current, params): a constant, stepped or noisy current, with default or random neuron parameters."""
    T = draw(st.integers(1, max_len))
    kind = draw(st.sampled_from(["constant", "steps", "noise"]))
    custom = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    low, high = -0.2e-9, 1.0e-9
    if kind == "constant":
        current = np.full(T, rng.uniform(low, high))
    elif kind == "steps":
        edges = np.sort(rng.integers(0, T + 1, 3))
        levels = rng.uniform(low, high, 4)
        current = np.concatenate([np.full(n, lv) for n, lv in zip(np.diff([0, *edges, T]), levels)])
    else:
        current = rng.uniform(low, high, T)
    params = {}
    if custom:
        v_rest = rng.uniform(-75e-3, -55e-3)
        params = {"dt": rng.uniform(0.2e-3, 2e-3), "tau": rng.uniform(5e-3, 50e-3), "v_rest": v_rest,
                  "v_reset": v_rest - rng.uniform(0, 15e-3), "v_thresh": v_rest + rng.uniform(5e-3, 25e-3),
                  "r": rng.uniform(50e6, 200e6)}  # fmt: skip
    return current, params


@settings(max_examples=20)
@given(sim=simulations(), as_list=st.booleans())
def test_lif_matches_reference_on_random_currents(student, reference, sim, as_list):
    """The voltage trace and spike steps match the reference for random currents and parameters."""
    current, params = sim
    full = {**DEFAULTS, **params}
    assume(np.all(np.abs(_pre_reset(current, **full) - full["v_thresh"]) > 1e-12))
    call = _describe(current, params)
    v, spikes, after = _simulate(student, current.tolist() if as_list else current, params, call=call, inputs=True)
    v_want, spikes_want = reference.spiking.lif_simulate(current, **params)
    _explain_spike_step(v, v_want, spikes, spikes_want, call, full)
    expect_close(v, v_want, call=f"{call}[0] (v)", rtol=1e-9, atol=1e-12, hint=EULER_HINT)
    expect_equal(spikes, spikes_want, call=f"{call}[1] (spikes)",
                 hint="Record step t when v[t] >= v_thresh (after the Euler step of that same t), then reset v[t].")
    expect_close(after[0], current, call="the current after calling lif_simulate(current)", rtol=0, atol=0,
                 hint="Do not write into the current you were given.")


STEP = np.concatenate([np.zeros(50), np.full(250, 0.25e-9)])


def test_lif_step_current_trace(student, reference, record):
    """A current switched on after 50 ms: v has one value per step, starts at v_rest and follows the reference."""
    call = "lif_simulate(current) with current = 0 for 50 steps, then 0.25 nA for 250 steps"
    v, spikes, _ = _simulate(student, STEP, call=call)
    v_want, spikes_want = reference.spiking.lif_simulate(STEP)
    v = expect_shape(v, (len(STEP),), call=f"{call}[0] (v)",
                     hint="v has exactly one value per step, the same length as current, with v[0] = v_rest.")
    record("trace", {"dt": DEFAULTS["dt"], "current": STEP, "student_v": v.astype(float), "reference_v": v_want,
                     "student_spikes": spikes.astype(float), "reference_spikes": spikes_want,
                     "v_thresh": DEFAULTS["v_thresh"]})  # fmt: skip
    expect_true(abs(float(v[0]) - DEFAULTS["v_rest"]) < 1e-12, f"{call}: v[0] is {v[0]!r}, expected v_rest = -0.06",
                "The neuron starts at rest: v[0] = v_rest; the first Euler step gives v[1].")
    expect_close(v, v_want, call=f"{call}[0] (v)", rtol=1e-9, atol=1e-12, hint=EULER_HINT)
    expect_equal(spikes, spikes_want, call=f"{call}[1] (spikes)", hint=EULER_HINT)


BELOW_THRESHOLD = [
    ("np.full(300, -0.5e-9) (a negative current)", np.full(300, -0.5e-9)),
    ("np.full(300, 0.099e-9) (v_inf = -50.1 mV, just below v_thresh)", np.full(300, 0.099e-9)),
    *((f"np.random.default_rng({k}).uniform(-0.5e-9, 0.099e-9, 200)", np.random.default_rng(k).uniform(-0.5e-9, 0.099e-9, 200))
      for k in range(3)),
]  # fmt: skip


def test_lif_no_spikes_below_threshold(student):
    """Without current, or with v_inf = v_rest + R*I below v_thresh, the neuron never spikes."""
    hint = "Spike only when v[t] >= v_thresh (not v_rest or v_reset)."
    call = "lif_simulate(np.zeros(100))"
    v, spikes, _ = _simulate(student, np.zeros(100), call=call)
    expect_true(spikes.size == 0, f"{call} spiked at steps {spikes[:10].tolist()}: with no input the voltage stays at "
                "v_rest = -60 mV and never reaches v_thresh = -50 mV", hint)
    expect_close(v, np.full(100, DEFAULTS["v_rest"]), call=f"{call}[0] (v)", rtol=0, atol=1e-12,
                 hint="With no current, v stays exactly at v_rest.")
    for text, current in BELOW_THRESHOLD:
        call = f"lif_simulate({text})"
        v, spikes, _ = _simulate(student, current, call=call)
        expect_true(spikes.size == 0, f"{call} spiked at steps {spikes[:10].tolist()}; below threshold "
                    "(v_inf = v_rest + R*I < v_thresh) there are no spikes", hint)
        expect_true(v.size == 0 or float(np.max(v)) < DEFAULTS["v_thresh"],
                    f"{call}: v reached {float(np.max(v))!r} V, at or above v_thresh = -0.05", EULER_HINT)


@settings(max_examples=10)
@given(i=st.floats(min_value=0.15e-9, max_value=2e-9))
def test_lif_interspike_interval_matches_theory(student, i):
    """At a constant current the spikes come every tau*ln((v_inf - v_reset)/(v_inf - v_thresh)) seconds, within one step."""
    p = DEFAULTS
    T = 400
    call = f"lif_simulate(np.full({T}, {i:.6g}))"
    _, spikes, _ = _simulate(student, np.full(T, i), call=call)
    v_inf = p["v_rest"] + p["r"] * i
    isi = p["tau"] * np.log((v_inf - p["v_reset"]) / (v_inf - p["v_thresh"]))
    hint = "After a spike v restarts from v_reset (not v_rest), and climbs towards v_inf = v_rest + R*I."
    expect_true(spikes.size >= 2, f"{call} spiked {spikes.size} time(s) in {T} steps; theory says every {isi * 1e3:.2f} ms",
                hint)
    intervals = np.diff(spikes.astype(float)) * p["dt"]
    worst = float(np.max(np.abs(intervals - isi)))
    expect_true(worst <= p["dt"] + 1e-9,
                f"{call}: the intervals between spikes are {show(intervals * 1e3)} ms; theory says "
                f"tau*ln((v_inf - v_reset)/(v_inf - v_thresh)) = {isi * 1e3:.3f} ms, within one step (1 ms)", hint)


def test_lif_resets_after_each_spike(student):
    """At every spike step v is v_reset, and v never stays at or above the threshold."""
    call = "lif_simulate(np.full(100, 0.5e-9))"
    v, spikes, _ = _simulate(student, np.full(100, 0.5e-9), call=call)
    expect_true(spikes.size > 0, f"{call} did not spike, although v_inf = -10 mV is far above v_thresh = -50 mV",
                EULER_HINT)
    hint = "When v[t] >= v_thresh: record t, then set v[t] = v_reset, so the next step starts from the reset voltage."
    idx = spikes.astype(int)
    if np.any((idx < 0) | (idx >= v.size)):
        fail(f"{call}: spike steps {show(spikes)} are not valid indices of v (length {v.size})", hint)
    bad = np.abs(v[idx] - DEFAULTS["v_reset"]) > 1e-12
    if bad.any():
        s = int(idx[np.argmax(bad)])
        fail(f"{call}: v[{s}] = {v[s]!r} at the spike at step {s}, expected v_reset = -0.07", hint)
    expect_true(float(np.max(v)) < DEFAULTS["v_thresh"],
                f"{call}: v reached {float(np.max(v))!r} V; after each spike it must drop back to v_reset", hint)


def _whole_numbers(raw) -> bool:
    """spikes as the spec allows it: an integer numpy array (empty too), or a list of ints (an empty list too)."""
    if isinstance(raw, (list, tuple)):
        return all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in raw)
    return np.asarray(raw).dtype.kind in "iu"


def test_lif_spike_indices_are_integers(student, reference):
    """spikes holds integer step numbers (not times in seconds), also when there are none (its values: other tests)."""
    current = np.full(50, 0.5e-9)
    call = "lif_simulate(np.full(50, 0.5e-9))"
    _, spikes, _ = _simulate(student, current, call=call)
    _, want = reference.spiking.lif_simulate(current)
    expect_true(spikes.dtype.kind in "iu", f"{call}[1] (spikes) is {show(spikes)}: spike steps are whole numbers, "
                f"expected an integer array such as {show(want)}", "Return np.array(steps, dtype=int): step numbers, not times.")
    call = "lif_simulate(np.zeros(20))"
    got = student.spiking.lif_simulate(np.zeros(20))
    raw = got[1] if isinstance(got, (tuple, list)) and len(got) == 2 else got
    expect_true(_whole_numbers(raw), f"{call}[1] (spikes) is {show(raw)}: with no spike it must still be an integer "
                f"array, empty, such as {show(np.array([], dtype=np.int64))} (or an empty list)",
                "np.array([]) is a float array: return np.array(steps, dtype=int), which stays integer when empty.")


# Every number is a short binary fraction, so each step of Euler's rule, in any order of the arithmetic, is exact:
# v[1] = v_rest + dt/tau * r * current[1] = -1/16 + (1/32) * (1/2) = -3/64 = v_thresh exactly.
TIE = {"dt": 2.0**-10, "tau": 2.0**-5, "v_rest": -(2.0**-4), "v_reset": -5 * 2.0**-6, "v_thresh": -3 * 2.0**-6, "r": 2.0**27}
TIE_CURRENT = np.array([0.0, 2.0**-28, 0.0, 0.0])


def test_lif_spikes_when_v_reaches_the_threshold_exactly(student, reference):
    """A voltage that lands exactly on v_thresh is a spike (the rule is v[t] >= v_thresh), followed by the reset."""
    call = ("lif_simulate(current=[0, 2**-28, 0, 0], dt=2**-10, tau=2**-5, v_rest=-2**-4, v_reset=-5 * 2**-6, "
            "v_thresh=-3 * 2**-6, r=2**27)")
    v, spikes, _ = _simulate(student, TIE_CURRENT, TIE, call=call)
    v_want, spikes_want = reference.spiking.lif_simulate(TIE_CURRENT, **TIE)
    hint = "Reaching the threshold is enough: spike when v[t] >= v_thresh (not >), then set v[t] = v_reset."
    if spikes.tolist() != spikes_want.tolist():
        fail(f"{call}[1] (spikes) is {show(spikes)}, expected {show(spikes_want)}: v[1] = -1/16 + (1/32) * (1/2) = -3/64 "
             "lands exactly on v_thresh (every number here is exact in binary, so nothing is rounded), and a voltage "
             "that reaches the threshold fires", hint)
    expect_close(v, v_want, call=f"{call}[0] (v)", rtol=1e-12, atol=1e-15, hint=hint)


RATE_CASES = [(0.0, 2.0, {}), (0.05e-9, 2.0, {}), (0.2e-9, 2.0, {}), (0.25e-9, 2.0, {}), (0.5e-9, 2.0, {}),
              (1e-9, 2.0, {}), (0.3e-9, 0.5, {"dt": 0.5e-3}), (0.4e-9, 1.0, {"tau": 10e-3}), (0.3e-9, 1.5, {}),
              (0.6e-9, 0.3, {})]  # fmt: skip


def test_firing_rate_matches_reference(student, reference):
    """firing_rate is the number of spikes divided by the duration (exactly) for several currents, durations and dt.

    A simulation one step shorter or longer (int instead of round, np.arange) is accepted: the rate may be the
    spike count of round(duration / dt) - 1, + 0 or + 1 steps, each divided by the duration.
    """
    for i, duration, params in RATE_CASES:
        extra = "".join(f", {k}={v:g}" for k, v in params.items())
        call = f"firing_rate({i:g}, duration={duration:g}{extra})"
        got = as_array(student.spiking.firing_rate(i, duration, **params), call=call, hint="Return one float: spikes per second.")
        if got.size != 1:
            fail(f"{call} returned {show(got)}, expected one number (spikes per second)", "Return len(spikes) / duration.")
        steps = int(round(duration / params.get("dt", DEFAULTS["dt"])))
        counts = [len(reference.spiking.lif_simulate(np.full(n, float(i)), **params)[1]) for n in (steps, steps - 1, steps + 1)]
        value = float(got.reshape(-1)[0])
        expect_true(any(abs(value - c / duration) <= 1e-9 * max(1.0, c / duration) for c in counts),
                    f"{call} returned {value!r}, expected {counts[0] / duration:g} spikes per second "
                    f"({counts[0]} spikes in {duration:g} s)",
                    "Simulate round(duration / dt) steps of the constant current, then divide the number of spikes "
                    "by duration in seconds, with / (not // , which rounds down).")


@settings(max_examples=8)
# Currents within 1e-13 A of the threshold current (v_inf = v_thresh) are left out: there rounding decides.
@given(currents=st.lists(st.floats(min_value=-0.2e-9, max_value=3e-9).filter(lambda i: abs(i - 0.1e-9) > 1e-13),
                         min_size=2, max_size=5))
def test_firing_rate_is_monotone_in_current(student, currents):
    """More current never means fewer spikes per second, and below threshold the rate is 0."""
    currents = sorted(currents)
    rates = []
    for i in currents:
        call = f"firing_rate({i:.6g}, duration=0.5)"
        got = as_array(student.spiking.firing_rate(i, 0.5), call=call, hint="Return one float: spikes per second.")
        if got.size != 1 or not np.isfinite(got).all() or float(got) < 0:
            fail(f"{call} returned {show(got)}, expected one number >= 0 (spikes per second)", "Return len(spikes) / duration.")
        rates.append(float(got))
        if DEFAULTS["v_rest"] + DEFAULTS["r"] * i < DEFAULTS["v_thresh"] - 1e-9:
            expect_true(rates[-1] == 0, f"{call} returned {rates[-1]!r}, but v_inf = v_rest + R*I is below v_thresh: "
                        "the neuron never fires", "Below threshold there are no spikes, so the rate is 0.")
    for k in range(1, len(rates)):
        expect_true(rates[k] >= rates[k - 1],
                    f"firing_rate gave {rates[k - 1]!r} spikes/s at {currents[k - 1]:.6g} A but only {rates[k]!r} "
                    f"at the larger current {currents[k]:.6g} A: more current must never mean fewer spikes",
                    "The rate is the number of spikes divided by the duration: count spikes, do not average intervals.")
