"""Plots for the HTML reports, drawn with matplotlib (Agg) into PNG data: URIs.

Each plot reads data a hidden test recorded with ``record(key, value)``
(``GradeReport.artifacts[<exercise>][<key>]``; the keys are listed in
docs/architecture.md). Nothing here calls student code: the data was
gathered during grading. A key that is missing, or data that does not have
the documented shape, gives no plot and no error: a report must never fail
to render because a test recorded something odd.

Figures are made with ``matplotlib.figure.Figure`` and the Agg canvas
directly, never through pyplot, so no global backend or figure registry is
touched. PNG metadata is left out, so the same data gives the same bytes.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["PLOTTERS", "Plot", "exercise_plots", "histogram"]

STUDENT = "#1f6fd1"
REFERENCE = "#9a9a9a"
TARGET = "#444444"


@dataclass(frozen=True)
class Plot:
    title: str
    alt: str  # what the picture shows, for screen readers and broken images
    png_base64: str


def _png(fig: Figure, dpi: int = 90) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _series(values: Any) -> np.ndarray:
    """A 1-D float array; ``null`` (a NaN or infinity in the JSON report) becomes NaN."""
    arr = np.array([math.nan if v is None else v for v in values], dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("expected a non-empty list of numbers")
    return arr


def _grid(values: Any) -> np.ndarray:
    arr = np.array([[math.nan if v is None else v for v in row] for row in values], dtype=float)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError("expected a 2-D grid")
    return arr


def _style(ax: Any) -> None:
    ax.grid(True, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# ----------------------------------------------------------------------------- per key

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "sigmoid_grad", "tanh_grad", "relu_grad")


def activation_curves(data: dict[str, Any]) -> Plot:
    z = _series(data["z"])
    student, reference = data.get("student") or {}, data["reference"]
    names = [n for n in _ACTIVATIONS if n in reference] + sorted(set(reference) - set(_ACTIVATIONS))
    if not names:
        raise ValueError("no reference curves")
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(3.6 * cols, 2.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    missing = []
    for ax, name in zip(axes.flat, names):
        ax.plot(z, _series(reference[name]), color=REFERENCE, lw=4, alpha=0.7, label="reference")
        if name in student:
            ax.plot(z, _series(student[name]), color=STUDENT, lw=1.6, ls="--", label="yours")
            ax.set_title(name, fontsize=10)
        else:
            missing.append(name)
            ax.set_title(f"{name}: yours not drawn (missing or failing)", fontsize=9, color="#b3261e")
        ax.set_xlabel("z", fontsize=8)
        _style(ax)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    alt = "Your activation functions and derivatives drawn over the reference"
    if missing:
        alt += f"; not drawn: {', '.join(missing)}"
    return Plot("Activations and their derivatives", alt, _png(fig))


def xor_boundary(data: dict[str, Any]) -> Plot:
    xs, ys = _series(data["xs"]), _series(data["ys"])
    panels = [("Your network", data.get("student")), ("Reference", data.get("reference"))]
    panels = [(t, _oriented(_grid(g), xs, ys)) for t, g in panels if g is not None]
    if not panels:
        raise ValueError("no grid")
    points = np.asarray(data.get("X") or [], dtype=float).reshape(-1, 2)
    labels = np.asarray(data.get("Y") or [], dtype=float).reshape(-1)
    fig = Figure(figsize=(4.2 * len(panels), 3.8), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    axes[0].set_ylabel("x2")
    for ax, (title, grid) in zip(axes, panels):
        filled = ax.contourf(xs, ys, grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
        ax.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=1.5)
        if len(points) and len(points) == len(labels):
            ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="RdBu_r", vmin=0, vmax=1, s=90,
                       edgecolors="k", linewidths=1.5, zorder=3)  # fmt: skip
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x1")
    fig.colorbar(filled, ax=list(axes), label="predicted probability of 1", shrink=0.85)
    return Plot("XOR decision boundary", "The XOR decision boundary your network learned, beside the reference's",
                _png(fig))  # fmt: skip


def _oriented(grid: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Rows follow ys (np.meshgrid(xs, ys)); a grid given the other way round is transposed."""
    if grid.shape == (len(ys), len(xs)):
        return grid
    if grid.shape == (len(xs), len(ys)):
        return grid.T
    raise ValueError(f"grid shape {grid.shape} does not match xs and ys")


def _curves(data: dict[str, Any], title: str, ylabel: str, xlabel: str = "iteration") -> Plot:
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.subplots()
    drawn = 0
    for key, label, color, style in (("reference", "reference", REFERENCE, dict(lw=4, alpha=0.7)),
                                     ("student", "yours", STUDENT, dict(lw=1.6, ls="--"))):  # fmt: skip
        if data.get(key) is None:
            continue
        values = _series(data[key])
        ax.plot(np.arange(len(values)), values, color=color, label=label, **style)
        drawn += 1
        if not np.all(np.isfinite(values)):
            ax.text(0.98, 0.9, f"{label}: some values are NaN or infinite", transform=ax.transAxes, ha="right",
                    fontsize=8, color="#b3261e")  # fmt: skip
    if not drawn:
        raise ValueError("no curves")
    finite = np.concatenate([_series(data[k])[np.isfinite(_series(data[k]))] for k in ("student", "reference")
                             if data.get(k) is not None])  # fmt: skip
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 50:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    _style(ax)
    fig.tight_layout()
    return Plot(title, f"{title}: yours beside the reference's", _png(fig))


def xor_losses(data: dict[str, Any]) -> Plot:
    return _curves(data, "XOR training loss", "loss", "epoch")


def cat_costs(data: dict[str, Any]) -> Plot:
    return _curves(data, "Cat classifier cost", "cost", "recorded cost (in training order)")


def spiking_trace(data: dict[str, Any]) -> Plot:
    return Plot("LIF membrane potential", "Your LIF neuron's membrane potential and spikes over the reference's",
                _png(spiking_figure(data), dpi=150))  # fmt: skip  # a spike a step stays apart at 150 dpi


def spiking_figure(data: dict[str, Any]) -> Figure:
    """Membrane potentials, a spike raster (one thin line per spike, a row each for yours and the
    reference's, so hundreds of spikes stay apart) and the input current, sharing the time axis."""
    dt = float(data["dt"])
    ref_v = _series(data["reference_v"]) if data.get("reference_v") is not None else None
    stu_v = _series(data["student_v"]) if data.get("student_v") is not None else None
    if ref_v is None and stu_v is None:
        raise ValueError("no membrane trace")
    current = _series(data["current"]) if data.get("current") is not None else None
    scale, unit = (
        (1000.0, "mV") if max(np.nanmax(np.abs(v)) for v in (ref_v, stu_v) if v is not None) < 1 else (1.0, "")
    )
    fig = Figure(figsize=(8.4, 4.8 if current is not None else 3.8))
    ratios = [3, 1] + ([1] if current is not None else [])
    axes = fig.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    ax, ax_s, ax_i = axes[0], axes[1], (axes[2] if current is not None else None)
    rows: list[tuple[str, str, np.ndarray]] = []
    for v, spikes, label, color, style in (
        (ref_v, data.get("reference_spikes"), "reference", REFERENCE, dict(lw=3, alpha=0.7)),
        (stu_v, data.get("student_spikes"), "yours", STUDENT, dict(lw=1.2, ls="--")),
    ):
        if v is None:
            continue
        t = np.arange(len(v)) * dt
        ax.plot(t, v * scale, color=color, label=label, **style)
        times = _spike_times(spikes, len(v), dt)
        rows.append((f"{label} ({times.size})", color, times))
    if rows:
        ax_s.eventplot([r[2] for r in rows], lineoffsets=list(range(len(rows))), linelengths=0.8, linewidths=0.5,
                       colors=[r[1] for r in rows])  # fmt: skip
        ax_s.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
        ax_s.set_ylim(-0.6, len(rows) - 0.4)
    ax_s.set_ylabel("spikes", fontsize=8)
    ax_s.grid(False)
    if data.get("v_thresh") is not None:
        ax.axhline(float(data["v_thresh"]) * scale, color="#b3261e", ls=":", lw=1, label="threshold")
    ax.set_ylabel(f"membrane potential {unit}".strip())
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    _style(ax)
    if ax_i is not None and current is not None:
        ax_i.plot(np.arange(len(current)) * dt, current, color=TARGET, lw=1)
        ax_i.set_ylabel("input current", fontsize=8)
        _style(ax_i)
    (ax_i if ax_i is not None else ax_s).set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def _spike_times(spikes: Any, steps: int, dt: float) -> np.ndarray:
    """Spike times in seconds; whole numbers no larger than the step count are step indices."""
    if not spikes:
        return np.zeros(0)
    arr = np.asarray(spikes, dtype=float).reshape(-1)
    if np.all(arr == np.round(arr)) and arr.max() <= steps and dt < 1:
        return arr * dt
    return arr


def approximation_fit(data: dict[str, Any]) -> Plot:
    x = _series(data["x"])
    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.subplots()
    ax.plot(x, _series(data["target"]), color=REFERENCE, lw=4, alpha=0.7, label="target")
    if data.get("student") is not None:
        ax.plot(x, _series(data["student"]), color=STUDENT, lw=1.6, ls="--", label="your relu_net")
    if data.get("knots_x") is not None and data.get("knots_y") is not None:
        ax.plot(_series(data["knots_x"]), _series(data["knots_y"]), "o", color=TARGET, ms=5, label="knots")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
    _style(ax)
    fig.tight_layout()
    return Plot("ReLU network over the target", "Your relu_net drawn over the target function and its knots",
                _png(fig))  # fmt: skip


PLOTTERS: dict[tuple[str, str], Callable[[dict[str, Any]], Plot]] = {
    ("activations", "curves"): activation_curves,
    ("xor", "boundary"): xor_boundary,
    ("xor", "losses"): xor_losses,
    ("cat", "costs"): cat_costs,
    ("spiking", "trace"): spiking_trace,
    ("approximation", "fit"): approximation_fit,
}


def exercise_plots(exercise: str, artifacts: dict[str, Any]) -> list[Plot]:
    """Every plot the recorded data of ``exercise`` allows; malformed data is skipped."""
    plots: list[Plot] = []
    if not isinstance(artifacts, dict):
        return plots
    for ex, key in PLOTTERS:
        if ex != exercise or not isinstance(artifacts.get(key), dict):
            continue
        try:
            blob = json.dumps(artifacts[key], sort_keys=True, allow_nan=True)
        except (TypeError, ValueError):
            continue
        plot = _render(ex, key, blob)
        if plot is not None:
            plots.append(plot)
    return plots


@functools.lru_cache(maxsize=32)
def _render(exercise: str, key: str, blob: str) -> Plot | None:
    """One plot, drawn once per distinct data (the same report is often written for several readers)."""
    try:
        return PLOTTERS[(exercise, key)](json.loads(blob))
    except Exception:  # noqa: BLE001 - odd data must not stop the report
        return None


def histogram(percents: list[float], title: str = "Final scores") -> Plot:
    """Class score distribution in 10-point bins (0-10, ..., 90-100)."""
    fig = Figure(figsize=(6.4, 3.0))
    ax = fig.subplots()
    bins = np.linspace(0, 100, 11)
    ax.hist(np.clip(np.asarray(percents, dtype=float), 0, 100), bins=bins.tolist(), color=STUDENT, edgecolor="white")
    ax.set_xticks(bins)
    ax.set_xlabel("final score (%)")
    ax.set_ylabel("students")
    locator = ax.yaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default AutoLocator is one; other locators take no ``integer``
        locator.set_params(integer=True)
    _style(ax)
    fig.tight_layout()
    return Plot(title, f"Histogram of {len(percents)} students' final scores in 10-point bins", _png(fig))
