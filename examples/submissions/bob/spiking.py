"""Lesson 6 - Real neurons spike: the leaky integrate-and-fire neuron.

The neurons in our brain are not the neurons of lessons 1 to 5. A real
neuron gathers ionic current from its dendrites; its membrane voltage
rises; and when that voltage crosses a threshold the neuron fires a pulse
(a spike) down its axon and resets. The artificial neuron keeps only the
idea of "weigh the inputs, then decide". The differences, side by side:

    what                 real neuron                artificial neuron
    -------------------  -------------------------  --------------------------
    output               pulses (spikes)            real numbers
    timing               asynchronous: each neuron  synchronous: a whole layer
                         fires when it is ready     is computed at once
    non-linearity        a threshold                a function we choose
                                                    (sigmoid, tanh, ReLU)
    wires                axons                      wires in a microchip
    weights              synapses                   numbers in memory

The simplest model of a spiking neuron is the leaky integrate-and-fire
(LIF) neuron. Its voltage v leaks back towards a resting value v_rest and
is pushed up by the input current I through the membrane resistance R:

    tau dv/dt = (v_rest - v) + R I(t),

and whenever v reaches v_thresh the neuron spikes and v jumps to v_reset.
On a computer we take small time steps of dt seconds (Euler's method):

    v[t] = v[t-1] + dt / tau * (v_rest - v[t-1] + R * I[t]),

then, if v[t] >= v_thresh, record a spike at step t and set v[t] = v_reset.

Held at a constant current, v heads for v_inf = v_rest + R I. If v_inf
stays below the threshold the neuron never fires, however long we wait:
that is the threshold non-linearity. Above it, the neuron fires
regularly, every tau * ln((v_inf - v_reset) / (v_inf - v_thresh)) seconds,
and more current means more spikes per second. A real neuron encodes how
strong its input is in how often it fires (rate coding), where an
artificial one would just output a bigger number.

The numbers (Neuromatch Academy's): tau = 20 ms, v_rest = -60 mV,
v_reset = -70 mV, v_thresh = -50 mV, R = 100 MOhm, dt = 1 ms, all in SI
units here (seconds, volts, ohms, amperes: 0.25 nA is 0.25e-9).
"""

import numpy as np


def lif_simulate(current, dt=1e-3, tau=20e-3, v_rest=-60e-3, v_reset=-70e-3, v_thresh=-50e-3, r=100e6):
    current = np.asarray(current, dtype=float).reshape(-1)
    v = np.empty(current.shape[0])
    spikes = []
    v_now = v_rest
    for t in range(current.shape[0]):
        if t > 0:
            v_now = v_now + dt / tau * (v_rest - v_now + r * current[t])
            if v_now >= v_thresh:
                spikes.append(t)
                pass
        v[t] = v_now
    return v, np.array(spikes, dtype=int)


def firing_rate(i, duration=1.0, **params):
    """Spikes per second of a LIF neuron held at the constant current i for ``duration`` seconds.

    Simulate round(duration / dt) steps of the constant current (dt and the
    other lif_simulate parameters come from ``params``, with its defaults)
    and divide the number of spikes by ``duration`` (true division: 91 spikes
    in 2 s are 45.5 spikes per second). Returns a float.
    """
    dt = params.get("dt", 1e-3)
    steps = int(round(duration / dt))
    _, spikes = lif_simulate(np.full(steps, float(i)), **params)
    return len(spikes) / duration
