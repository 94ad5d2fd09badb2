"""Parts 1-3 of the benchmark: the boundary, the reference against the in-process floor, a synthetic class.

Each part is a function returning plain data; ``bench/run.py`` runs each in a
fresh process (``python bench/engine.py PART JSON_ARGS``) so one part's
imports and caches never flatter the next one.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

__all__ = ["boundary", "reference_vs_floor", "synthetic_class", "grade_configs", "before_baseline"]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))]


# ----------------------------------------------------------------------------- part 1: the boundary


def boundary(calls: int = 2000, starts: int = 10) -> dict[str, Any]:
    """Round trip of a 1,000-element float64 array through the sandbox, and worker start-up, per level."""
    import numpy as np

    from autograder.sandbox import SandboxLimits, StudentSession, available_levels

    files = {"m.py": b"def echo(x):\n    return x\n"}
    x = np.random.default_rng(0).random(1000)
    out: dict[str, Any] = {}
    for level in available_levels():
        start_times = []
        for _ in range(starts):
            t0 = time.perf_counter()
            s = StudentSession(files, level=level, limits=SandboxLimits())
            s.m.echo(1.0)
            start_times.append(time.perf_counter() - t0)
            s.close()
        s = StudentSession(files, level=level, limits=SandboxLimits())
        for _ in range(100):
            s.m.echo(x)
        times = []
        s.begin_test()  # as in grading, where every call happens inside a hidden test
        for _ in range(calls):
            t0 = time.perf_counter()
            y = s.m.echo(x)
            times.append(time.perf_counter() - t0)
        s.end_test()
        assert np.array_equal(y, x)
        s.close()
        out[level] = {
            "median_us": statistics.median(times) * 1e6,
            "p95_us": pct(times, 0.95) * 1e6,
            "start_ms": statistics.median(start_times) * 1e3,
        }
    return out


# ----------------------------------------------------------------------------- part 2: reference vs floor


def reference_vs_floor(course_path: str, reps: int = 3, copies: int = 8) -> dict[str, Any]:
    """Grade the reference through the sandbox, and the same tests in-process; per-submission seconds.

    single: one submission per pytest session (``grade``), the session's own
    start counted in ``wall``; ``duration`` is the report's (first test to last).
    batch: ``copies`` reference copies after a calibration (replay on), against
    the floor grading the same copies in one session (hypothesis each time).
    """
    from floor import in_process_students

    from autograder import grade, grade_many, load_course
    from autograder.classes.jobs import Grader
    from autograder.submission import load_submission

    course = load_course(course_path)
    ref = course.reference_dir
    grade(ref, course)  # warm: imports, the reference modules
    res: dict[str, list[float]] = {k: [] for k in ("engine_wall", "engine_dur", "floor_wall", "floor_dur",
                                                    "engine_batch", "floor_batch")}  # fmt: skip
    for _ in range(reps):
        t0 = time.perf_counter()
        r = grade(ref, course)
        res["engine_wall"].append(time.perf_counter() - t0)
        res["engine_dur"].append(r.duration)
        assert r.score == r.max_score, "the reference must get full marks through the sandbox"
        with in_process_students(ref):
            t0 = time.perf_counter()
            r = grade(ref, course)
            res["floor_wall"].append(time.perf_counter() - t0)
            res["floor_dur"].append(r.duration)
        assert r.score == r.max_score, "the reference must get full marks in-process"
    grader = Grader(course)
    t0 = time.perf_counter()
    grader.calibrate()
    calibration = time.perf_counter() - t0
    subs = [load_submission(ref, label=f"copy{i}") for i in range(copies)]
    for _ in range(reps):
        reports = grader.grade(subs)
        res["engine_batch"] += [r.duration for r in reports.values()]
        with in_process_students(ref):
            reports = grade_many(subs, course)
        res["floor_batch"] += [r.duration for r in reports.values()]
    summary = {k: statistics.median(v) for k, v in res.items()}
    summary["calibration_s"] = calibration
    summary["replayed_tests"] = grader.book.replayed if grader.book else 0
    summary["fallbacks"] = grader.book.fallbacks if grader.book else 0
    summary["isolation"] = grader.level
    summary["tests"] = sum(len(e.tests) for e in course.exercises)
    return summary


# ----------------------------------------------------------------------------- part 3: a synthetic class

ADVERSARIAL = {
    "loop": ("activations", {"sigmoid": "def sigmoid(z):\n    while True:\n        pass\n"}),
    "memory_bomb": ("activations", {"tanh": "def tanh(z):\n    blob = bytearray(8 * 1024 ** 3)\n    return blob\n"}),
    "exit_at_import": ("neuron", None),
    "print_flood": ("activations", {"relu": "def relu(z):\n    print('x' * 1_000_000)\n    return z * (z > 0)\n"}),
}


def synthetic_class(folder: str, n: int, adversarial_share: float = 0.02, correct_share: float = 0.4) -> dict[str, Any]:
    """N full-unit submissions: reference copies and correct variants, catalogue mistakes, adversarial ones."""
    from tests.catalogue import all_mistakes, all_variants, build, replace_functions

    root = Path(folder)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    variants, mistakes = all_variants(), all_mistakes()
    n_adv = max(min(2, n), round(n * adversarial_share))
    n_ok = round(n * correct_share)
    kinds = list(ADVERSARIAL)
    plan: list[tuple[str, Any]] = [("adversarial", kinds[i % len(kinds)]) for i in range(n_adv)]
    plan += [("correct", variants[i % len(variants)] if i % 3 else None) for i in range(n_ok)]
    plan += [("mistake", mistakes[(i * 7) % len(mistakes)]) for i in range(n - len(plan))]
    counts: dict[str, int] = {}
    for i, (kind, entry) in enumerate(plan):
        name = entry if isinstance(entry, str) else (entry.id if entry is not None else "reference")
        sub = root / f"s{i:04d}_{kind}_{name}"
        if kind == "adversarial":
            build(sub)
            module, functions = ADVERSARIAL[entry]
            path = sub / f"{module}.py"
            if functions is None:
                path.write_text("import os\nos._exit(3)\n" + path.read_text())
            else:
                path.write_text(replace_functions(path.read_text(), functions))
        else:
            build(sub, entry)
        counts[kind] = counts.get(kind, 0) + 1
    return {"n": n, "counts": counts}


class _RssSampler:
    """Peak RSS of each job's process tree (the job and the sandbox workers under it), polled."""

    def __init__(self, interval: float = 0.25) -> None:
        from peers.procutil import descendants, rss_kb

        self._descendants, self._rss = descendants, rss_kb
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _jobs(self) -> list[int]:
        me = os.getpid()
        out = []
        for pid in self._descendants(me):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if b"autograder.classes.jobs" in fh.read():
                        out.append(pid)
            except OSError:
                continue
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            for job in self._jobs():
                tree = self._rss(job) + sum(self._rss(p) for p in self._descendants(job))
                self.peaks[job] = max(self.peaks.get(job, 0), tree)
            self._stop.wait(self.interval)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def grade_configs(class_dir: str, course_path: str, configs: list[dict[str, Any]], work: str) -> list[dict[str, Any]]:
    """Grade the class once per config ({"jobs": n, "replay": bool}); wall, rate, per-submission, memory."""
    from autograder import load_course
    from autograder.classes.batch import grade_class

    course = load_course(course_path)
    results = []
    for cfg in configs:
        out = Path(work) / f"out_j{cfg['jobs']}_{'replay' if cfg['replay'] else 'plain'}"
        shutil.rmtree(out, ignore_errors=True)
        durations: list[float] = []
        scores: dict[str, tuple[float, float]] = {}

        def on_report(r: Any) -> None:  # called within this iteration only
            durations.append(r.duration)  # noqa: B023
            scores[r.submission] = (r.score, r.max_score)  # noqa: B023

        with _RssSampler() as sampler:
            t0 = time.perf_counter()
            summary = grade_class(class_dir, out, course, jobs=cfg["jobs"], replay=cfg["replay"],
                                  stream=io.StringIO(), on_report=on_report)  # fmt: skip
            wall = time.perf_counter() - t0
        correct = [s for s in scores if "_correct_" in s]
        results.append({
            **cfg,
            "n": len(scores),
            "wall_s": wall,
            "per_min": 60 * len(scores) / wall,
            "median_s": statistics.median(durations),
            "p95_s": pct(durations, 0.95),
            "peak_job_mb": max(sampler.peaks.values(), default=0) / 1024,
            "jobs_seen": len(sampler.peaks),
            "correct_full": sum(scores[s][0] == scores[s][1] for s in correct),
            "correct_total": len(correct),
            "failed": len(summary.failed),
            "calibration_s": [c.get("seconds") for c in summary.calibration],
        })  # fmt: skip
    return results


def before_baseline(class_dir: str, course_path: str, k: int) -> dict[str, Any]:
    """Before this issue: one ``autograder grade SUB`` process per submission, one after another (k of them)."""
    subs = sorted(p for p in Path(class_dir).iterdir() if p.is_dir() and "_adversarial_" not in p.name)[:k]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    walls = []
    for sub in subs:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(sub), "--course", course_path, "--quiet"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # fmt: skip
        walls.append(time.perf_counter() - t0)
    return {"k": len(walls), "median_s": statistics.median(walls), "total_s": sum(walls)}


def peer_engine(**kwargs: Any) -> dict[str, Any]:
    from peers_bench import engine_on_peer_assignment

    kwargs["work"] = Path(kwargs["work"])
    kwargs["jobs_list"] = tuple(kwargs["jobs_list"])
    return engine_on_peer_assignment(**kwargs)


def peer_floor(**kwargs: Any) -> dict[str, Any]:
    from peers_bench import peer_floor as run

    return run(**kwargs)


# ----------------------------------------------------------------------------- the machine's own scaling


def _spin(n: int) -> None:
    s = 0
    for i in range(n):
        s += i * i % 7


def machine_scaling(n: int = 20_000_000, reps: int = 3) -> dict[str, Any]:
    """How much faster two processes get through a pure-Python loop than one, on this machine, now.

    The ceiling for any "1 -> 2 jobs" ratio measured in the same run: on virtual
    CPUs that share a physical core or a busy host it is well below 2.
    """
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    ratios = []
    for _ in range(reps):
        walls = []
        for k in (1, 2):
            procs = [ctx.Process(target=_spin, args=(n,)) for _ in range(k)]
            t0 = time.perf_counter()
            for p in procs:
                p.start()
            for p in procs:
                p.join()
            walls.append(time.perf_counter() - t0)
        ratios.append(2 * walls[0] / walls[1])
    return {"ratio": statistics.median(ratios), "ratios": ratios}


# ----------------------------------------------------------------------------- part 5: one submission


def _cold(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stdout[-2000:]}")
    return wall


def single_cold(
    course_path: str, peer_course_path: str, submission: str, peer_submission: str, isolation: str, reps: int = 3
) -> dict[str, Any]:
    """Cold ``autograder grade DIR`` processes, one per submission: with the calibration artefact
    (made first, untimed) and without it (``AUTOGRADER_CALIBRATION=0``: hypothesis, as before),
    interleaved so both see the same load; plus the bare ``import autograder.cli``."""
    from autograder import load_course
    from autograder.grading.calibration import ensure_artefact

    for path in (course_path, peer_course_path):
        ensure_artefact(load_course(path), isolation=isolation)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    off = {**env, "AUTOGRADER_CALIBRATION": "0"}

    def grade(sub: str, course: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            sub,
            "--course",
            course,
            "--isolation",
            isolation,
            "--quiet",
        ]

    runs: dict[str, list[float]] = {k: [] for k in ("unit", "unit_before", "peer", "peer_before", "import")}
    for _ in range(reps):
        runs["unit"].append(_cold(grade(submission, course_path), env))
        runs["unit_before"].append(_cold(grade(submission, course_path), off))
        runs["peer"].append(_cold(grade(peer_submission, peer_course_path), env))
        runs["peer_before"].append(_cold(grade(peer_submission, peer_course_path), off))
        runs["import"].append(_cold([sys.executable, "-c", "import autograder.cli"], env))
    return {"isolation": isolation, "reps": reps, **{k: statistics.median(v) for k, v in runs.items()},
            "best": {k: min(v) for k, v in runs.items()}}  # fmt: skip


def replay_floor(course_path: str, submission: str, reps: int = 3) -> dict[str, Any]:
    """One submission graded with the artefact (hidden tests' duration, sandboxed) against the replay
    floor: the same test bodies on the same recorded inputs, in-process, no pytest, no hypothesis."""
    from floor import capture_tests, run_replay_floor

    from autograder import load_course
    from autograder.grading.calibration import ensure_artefact, load_book
    from autograder.grading.grade import grade_many
    from autograder.grading.reference import ReferenceModules
    from autograder.grading.replay import ReplayPlugin
    from autograder.submission import load_submission

    course = load_course(course_path)
    path, _ = ensure_artefact(course)
    book = load_book(course, path)
    assert book is not None, "the calibration artefact did not load"
    tests = capture_tests(course, Path(submission))
    engine, floor, engine_memo, floor_memo = [], [], [], []
    for _ in range(reps + 1):  # the first pass warms imports and the zygote
        sub = load_submission(Path(submission))
        report = grade_many([sub], course, plugins=[ReplayPlugin(book, recording=False)])[sub.label]
        engine.append(report.duration)
        floor.append(run_replay_floor(course, tests, book))
        # As `autograder grade` runs: the reference's answers come from the artefact, in both.
        reference = ReferenceModules(course.reference_dir)
        reference.preload(book.memo)
        sub = load_submission(Path(submission))
        plugins = [ReplayPlugin(book, recording=False)]
        engine_memo.append(grade_many([sub], course, plugins=plugins, reference=reference)[sub.label].duration)
        floor_memo.append(run_replay_floor(course, tests, book, memo=True))
    assert report.score == report.max_score, "the benchmark submission should pass every test"
    engine, floor, engine_memo, floor_memo = engine[1:], floor[1:], engine_memo[1:], floor_memo[1:]
    return {"engine_s": statistics.median(engine), "floor_s": statistics.median(floor),
            "engine_memo_s": statistics.median(engine_memo), "floor_memo_s": statistics.median(floor_memo),
            "isolation": report.isolation,
            "tests": len(tests), "replayed_tests": sum(1 for r in book.tests.values() if r.replayable),
            "examples": sum(len(r.kwargs) for r in book.tests.values() if r.replayable)}  # fmt: skip


PARTS: dict[str, Callable[..., Any]] = {
    "single_cold": single_cold,
    "replay_floor": replay_floor,
    "machine_scaling": machine_scaling,
    "peer_engine": peer_engine,
    "peer_floor": peer_floor,
    "boundary": boundary,
    "reference_vs_floor": reference_vs_floor,
    "synthetic_class": synthetic_class,
    "grade_configs": grade_configs,
    "before_baseline": before_baseline,
}

if __name__ == "__main__":
    part, args = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    print(json.dumps(PARTS[part](**args)))
