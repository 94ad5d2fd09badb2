"""Plots from recorded data: one per documented key, none (and no error) for missing or odd data."""

from __future__ import annotations

import base64
import copy

import pytest

from autograder.writers._plots import PLOTTERS, _render, exercise_plots, histogram
from tests.report_samples import artifacts

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(b64: str) -> tuple[int, int]:
    raw = base64.b64decode(b64)
    assert raw.startswith(PNG)
    return int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")


@pytest.mark.parametrize("exercise, key", sorted(PLOTTERS))
def test_every_documented_key_gives_a_real_png(exercise, key):
    plots = exercise_plots(exercise, {key: artifacts()[exercise][key]})
    assert len(plots) == 1
    width, height = png_size(plots[0].png_base64)
    assert width > 200 and height > 150 and plots[0].alt and plots[0].title


def test_missing_keys_and_unknown_exercises_give_no_plot():
    assert exercise_plots("activations", {}) == []
    assert exercise_plots("gates", {"curves": artifacts()["activations"]["curves"]}) == []


@pytest.mark.parametrize(
    "exercise, key, breaker",
    [
        ("activations", "curves", lambda d: d.pop("z")),
        ("activations", "curves", lambda d: d.update(reference={})),
        ("xor", "boundary", lambda d: d.update(student=[[1, 2], [3]], reference=None)),
        ("xor", "boundary", lambda d: d.update(xs="abc")),
        ("xor", "losses", lambda d: d.update(student=None, reference=None)),
        ("cat", "costs", lambda d: d.update(student=[[1, 2]], reference="x")),
        ("spiking", "trace", lambda d: d.pop("dt")),
        ("spiking", "trace", lambda d: d.update(student_v=None, reference_v=None)),
        ("approximation", "fit", lambda d: d.update(target=[])),
    ],
)
def test_malformed_data_gives_no_plot_and_no_error(exercise, key, breaker):
    data = copy.deepcopy(artifacts()[exercise][key])
    breaker(data)
    assert exercise_plots(exercise, {key: data}) == []


def test_partial_data_still_plots_what_is_there():
    data = copy.deepcopy(artifacts())
    del data["xor"]["boundary"]["student"]  # the student's network never produced a grid
    data["xor"]["losses"]["student"] = [1.0, None, None]  # diverged: NaN written as null
    data["spiking"]["trace"].pop("current")
    assert len(exercise_plots("xor", data["xor"])) == 2
    assert len(exercise_plots("spiking", data["spiking"])) == 1
    curves = data["activations"]["curves"]
    curves["student"] = {}
    plot = exercise_plots("activations", data["activations"])[0]
    assert "not drawn: sigmoid, tanh, relu" in plot.alt


def test_same_data_same_bytes():
    data = artifacts()["approximation"]
    first = exercise_plots("approximation", data)[0].png_base64
    _render.cache_clear()  # draw again, not from the cache
    assert exercise_plots("approximation", data)[0].png_base64 == first


def test_histogram_of_class_scores():
    plot = histogram([0, 12.5, 55, 55, 99.9, 100, 100])
    assert png_size(plot.png_base64)[0] > 200 and "7 students" in plot.alt


def test_many_spikes_stay_apart_one_thin_line_each():
    """241 spikes in 300 steps: one raster line per spike (not one thick marker bar), yours and the reference's apart."""
    from matplotlib.collections import EventCollection

    from autograder.writers._plots import spiking_figure

    steps = list(range(0, 482, 2))[:241]
    data = {"dt": 0.001, "student_v": [-0.06] * 500, "reference_v": [-0.06] * 500, "student_spikes": steps,
            "reference_spikes": steps[:200], "current": [1e-9] * 500, "v_thresh": -0.05}  # fmt: skip
    fig = spiking_figure(data)
    events = [c for ax in fig.axes for c in ax.collections if isinstance(c, EventCollection)]
    assert sorted(len(c.get_segments()) for c in events) == [200, 241]
    assert all(w <= 1.0 for c in events for w in c.get_linewidths())
    spike_row = fig.axes[1]
    assert [t.get_text() for t in spike_row.get_yticklabels()] == ["reference (200)", "yours (241)"]
    assert exercise_plots("spiking", {"trace": data})  # and it renders
