"""Synthetic grade reports and plot data for the writer tests.

The hidden tests that ``record`` plot data are written separately; the
writers are built against the keys documented in docs/architecture.md, and
these samples follow that table exactly. ``synthetic_report`` gives a report
with every exercise the HTML writer knows, tests of every status and every
visibility, a late penalty and student output with hostile text in it.
"""

from __future__ import annotations

import atexit
import base64
import functools
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.model import ExerciseResult, GradeReport, TestResult

__all__ = ["GRADED_MISTAKES", "artifacts", "graded", "sample_mistakes", "synthetic_report", "tiny_png"]

ROOT = Path(__file__).resolve().parent.parent
GRADED_MISTAKES = 2  # the first mistakes of the catalogue that are graded for the format tests

HOSTILE = "</pre><script>alert('x')</script> ```\n::error::pwned\nPoints 100/100 | <b>bold</b>"


def tiny_png(seed: int) -> str:
    rng = np.random.default_rng(seed)
    fig = Figure(figsize=(0.5, 0.5))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(rng.random((8, 8, 3)))
    ax.axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=32, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode()


def artifacts() -> dict:
    """Plot data for every documented (exercise, key), shaped as in docs/architecture.md."""
    z = np.linspace(-6, 6, 61)
    sig = 1 / (1 + np.exp(-z))
    ref = {"sigmoid": sig, "tanh": np.tanh(z), "relu": np.maximum(z, 0), "sigmoid_grad": sig * (1 - sig),
           "tanh_grad": 1 - np.tanh(z) ** 2, "relu_grad": (z > 0) * 1.0}  # fmt: skip
    ref = {k: v.tolist() for k, v in ref.items()}
    student = {k: v for k, v in ref.items() if k != "tanh_grad"}
    student["relu"] = (np.maximum(z, 0) * 1.1).tolist()
    xs = np.linspace(-0.5, 1.5, 21)
    gx, gy = np.meshgrid(xs, xs)
    p = 1 / (1 + np.exp(-10 * (np.abs(gx - gy) - 0.5)))
    t = np.arange(200)
    v = -0.065 + 0.01 * (t % 50) / 50
    return _portable(
        {
            "activations": {"curves": {"z": z.tolist(), "student": student, "reference": ref}},
            "xor": {
                "boundary": {
                    "xs": xs.tolist(),
                    "ys": xs.tolist(),
                    "student": p.tolist(),
                    "reference": p.T.tolist(),
                    "X": [[0, 0], [0, 1], [1, 0], [1, 1]],
                    "Y": [0, 1, 1, 0],
                },  # fmt: skip
                "losses": {
                    "student": (np.exp(-t / 40) + 0.01).tolist(),
                    "reference": (np.exp(-t / 30) + 0.001).tolist(),
                },
            },
            "cat": {
                "costs": {"student": (0.69 * np.exp(-t / 90)).tolist(), "reference": (0.69 * np.exp(-t / 60)).tolist()},
                "wrong": [{"png_base64": tiny_png(i), "label": i % 2, "predicted": 1 - i % 2} for i in range(4)],
                "accuracy": {"student": 0.68, "reference": 0.72},
            },
            "spiking": {
                "trace": {
                    "dt": 0.001,
                    "current": [2.5e-10] * 200,
                    "student_v": v.tolist(),
                    "reference_v": (v + 0.001).tolist(),
                    "student_spikes": [49, 99, 149],
                    "reference_spikes": [0.049, 0.099, 0.149, 0.199],
                    "v_thresh": -0.055,
                }
            },  # fmt: skip
            "approximation": {
                "fit": {
                    "x": xs.tolist(),
                    "student": np.abs(xs - 0.5).tolist(),
                    "target": ((xs - 0.5) ** 2).tolist(),
                    "knots_x": [-0.5, 0.5, 1.5],
                    "knots_y": [1.0, 0.0, 1.0],
                }
            },  # fmt: skip
        }
    )


def _portable(value: Any) -> Any:
    """Floats rounded to 12 significant digits: numpy's exp differs in the last bits between CPUs
    (its SIMD kernels), and the golden files must be the same on every machine."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, list):
        return [_portable(v) for v in value]
    if isinstance(value, dict):
        return {k: _portable(v) for k, v in value.items()}
    return value


def _t(ex: str, name: str, status: str, points: float, visibility: str = "visible", message: str = "") -> TestResult:
    passed = status == "passed"
    return TestResult(
        name=name, exercise=ex, status=status, score=points if passed else 0.0, max_score=points,  # type: ignore[arg-type]
        message="" if passed else (message or f"{name[5:]}(x) returned 1.0, expected 0.5 (smallest input x = 0.0)"),
        hint="" if passed else f"hint for {name}", visibility=visibility, duration=0.01,
        description=f"checks {name[5:].replace('_', ' ')}",
    )  # fmt: skip


def synthetic_report(*, late: bool = True) -> GradeReport:
    """Every status, every visibility, every plot; a late penalty; hostile student output."""
    exercises = {
        "activations": [
            _t("activations", "test_sigmoid", "passed", 2),
            _t("activations", "test_relu", "failed", 1, message=HOSTILE),
            _t("activations", "test_secret_edge_case", "failed", 2, "hidden", message="SECRET-HIDDEN-MESSAGE"),
        ],  # fmt: skip
        "xor": [
            _t("xor", "test_learns_xor", "passed", 3),
            _t("xor", "test_forward", "timeout", 1),
            _t("xor", "test_hidden_passed", "passed", 1, "hidden"),
        ],  # fmt: skip
        "cat": [
            _t("cat", "test_cost", "error", 2),
            _t("cat", "test_after_deadline", "failed", 1, "after_due_date", message="AFTER-DUE-MESSAGE"),
        ],  # fmt: skip
        "spiking": [
            _t("spiking", "test_lif", "crashed", 2),
            _t("spiking", "test_published", "failed", 1, "after_published", message="PUBLISHED-MESSAGE"),
        ],
        "approximation": [_t("approximation", "test_fit", "passed", 2)],
    }
    results = []
    for ex, tests in exercises.items():
        results.append(ExerciseResult(id=ex, title=f"The {ex} lesson", score=sum(t.score for t in tests),
                                      max_score=sum(t.max_score for t in tests), tests=tuple(tests)))  # fmt: skip
    score = sum(e.score for e in results)
    report = GradeReport(
        submission="synthetic", score=score, max_score=sum(e.max_score for e in results), exercises=tuple(results),
        isolation="namespace", grader_version="0.0.test", suite_hash="0123456789abcdef", course="Neurons",
        started_at="2026-12-18T22:00:00+00:00", duration=1.5, output="hello from the student\n" + HOSTILE,
        problems=("activations.ipynb: cell 3 could not be read",), artifacts=artifacts(),
    )  # fmt: skip
    if late:
        report = report.with_late_penalty("2026-12-20T10:00:00+00:00", 20.0)
    return report


# Mistakes whose reports show the most (a failed test beside plots); others fill in if the catalogue changes.
PREFERRED_MISTAKES = ("xor_predict_threshold_zero", "sigmoid_naive_overflow")


def sample_mistakes() -> list:
    from tests.catalogue import all_mistakes

    catalogue = all_mistakes()
    chosen = [m for key in PREFERRED_MISTAKES for m in catalogue if m.id == key]
    chosen += [m for m in catalogue if m not in chosen]
    return chosen[:GRADED_MISTAKES]


@functools.lru_cache(maxsize=1)
def graded() -> dict[str, GradeReport]:
    """The reference, the untouched stubs and a few catalogue mistakes, graded once per test run.

    One ``grade_many`` session serves every writer test module (grading is
    the slow part), keyed by label: ``reference``, ``stubs`` and the
    mistakes' ids.
    """
    from autograder import grade_many, load_course
    from autograder.submission import load_submission
    from tests.catalogue import build

    course = load_course(ROOT / "course.yaml")
    tmp = Path(tempfile.mkdtemp(prefix="ag-report-samples-"))
    atexit.register(shutil.rmtree, tmp, True)
    stubs = tmp / "stubs"
    shutil.copytree(
        course.exercises_dir, stubs, ignore=shutil.ignore_patterns("*.ipynb", "test_*", "data", "__pycache__")
    )
    subs = [load_submission(build(tmp / "reference"), label="reference"), load_submission(stubs, label="stubs")]
    for m in sample_mistakes():
        subs.append(load_submission(build(tmp / m.id, m), label=m.id))
    return grade_many(subs, course)
