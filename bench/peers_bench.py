"""Part 4 of the benchmark: the peer assignment graded by nbgrader, Otter-Grader and this engine, side by side.

The peers run exactly as in /work/shared/peer-bench (its scripts are copied to
bench/peers/, which adds only a way to scale the batch): each tool in its own
virtual environment built here with pinned versions, HOME and TMPDIR inside
the work folder, ``nbgrader autograde`` with a 10 s cell timeout, ``otter run``
once per submission with an external 10 s watchdog (it has no timeout).

This engine grades the same 20 submissions (bench/peer_course: the same six
tests, the property with 100 examples) with isolation on. Per-submission
numbers are batch wall time divided by the batch size, for every tool.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
COURSE = HERE / "peer_course" / "course.yaml"
ROOT = HERE.parent

PINS = {
    "numpy": "numpy==2.4.6",
    "hypothesis": "hypothesis==6.170.17",
    "nbgrader": "nbgrader==0.9.6",
    "otter": "otter-grader==7.0.0",
    "ipykernel": "ipykernel==7.4.0",
}
VENVS = {
    "nbg": [PINS["nbgrader"], PINS["ipykernel"], PINS["hypothesis"], PINS["numpy"]],
    "otter": [PINS["otter"], PINS["ipykernel"], PINS["hypothesis"], PINS["numpy"]],
}

__all__ = ["engine_on_peer_assignment", "ensure_venvs", "peer_floor", "run_peers"]


def cache_dir() -> Path:
    return Path(os.environ.get("AG_BENCH_CACHE", Path.home() / ".cache" / "neurons-bench"))


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ensure_venvs(python: str = "python3.11") -> dict[str, Path]:
    """The peers' virtual environments (built once, then reused), with their pip freeze."""
    out = {}
    for name, specs in VENVS.items():
        venv = cache_dir() / "venvs" / name
        py = venv / "bin" / "python"
        stamp = venv / ".specs"
        if not py.exists() or not stamp.exists() or stamp.read_text() != "\n".join(specs):
            _log(f"building the {name} virtual environment: pip install {' '.join(specs)}")
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([python, "-m", "venv", str(venv)], check=True)
            with open(cache_dir() / f"pip-{name}.log", "w") as log:
                subprocess.run([str(py), "-m", "pip", "install", "-q", *specs], check=True, stdout=log, stderr=log)
            stamp.write_text("\n".join(specs))
        out[name] = venv
    return out


def _env(work: Path, venv: Path, batch: int) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(key, None)
    (work / "home").mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(work / "home"), TMPDIR=str(work / "tmp"), PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
               PEER_BATCH=str(batch))  # fmt: skip
    return env


def _timed(argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    t0 = time.perf_counter()
    with open(log, "ab") as fh:
        subprocess.run(argv, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - t0


def run_peers(work: Path, batch: int, reps: int) -> dict[str, Any]:
    """nbgrader autograde and otter run on ``batch`` terminating submissions; walls per rep."""
    venvs = ensure_venvs()
    work.mkdir(parents=True, exist_ok=True)
    log = work / "peers.log"
    results: dict[str, Any] = {"batch": batch, "versions": {}}
    for name, venv in venvs.items():
        freeze = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True)
        results["versions"][name] = freeze.stdout

    # nbgrader: a course folder, the released notebook, the submitted notebooks, then autograde.
    nbg = work / "nbg_course"
    shutil.rmtree(nbg, ignore_errors=True)
    env = _env(work, venvs["nbg"], batch)
    py = str(venvs["nbg"] / "bin" / "python")
    _timed([py, str(PEERS / "build_nbgrader.py"), str(nbg), "source"], cwd=work, env=env, log=log)
    _timed(["nbgrader", "generate_assignment", "ps1"], cwd=nbg, env=env, log=log)
    _timed([py, str(PEERS / "build_nbgrader.py"), str(nbg), "submitted"], cwd=work, env=env, log=log)
    walls = []
    for rep in range(reps + 1):  # the first pass warms the disk cache and is not counted
        _log(f"nbgrader autograde, {batch} submissions, pass {rep}/{reps}")
        wall = _timed(["nbgrader", "autograde", "ps1", "--force"], cwd=nbg, env=env, log=log)
        if rep:
            walls.append(wall)
    results["nbgrader_walls"] = walls

    # otter: tests, autograder.zip, then `otter run` per submission under a 10 s watchdog.
    ot = work / "otter_work"
    shutil.rmtree(ot, ignore_errors=True)
    env = _env(work, venvs["otter"], batch)
    py = str(venvs["otter"] / "bin" / "python")
    _timed([py, str(PEERS / "build_otter.py"), str(ot)], cwd=work, env=env, log=log)
    _timed(["otter", "generate", "-t", "tests", "-o", "autograder.zip"], cwd=ot, env=env, log=log)
    walls, scores = [], []
    for rep in range(reps + 1):
        _log(f"otter run x {batch}, pass {rep}/{reps}")
        out = work / f"otter_batch_{rep}.json"
        wall = _timed([py, str(PEERS / "run_batch.py"), "otter", str(ot), str(out), "10"], cwd=ot, env=env, log=log)
        if rep:
            walls.append(wall)
            rows = json.loads(out.read_text())["rows"]
            scores = [(r["submission"], r["score"], r["timed_out"]) for r in rows]
    results["otter_walls"] = walls
    results["otter_scores"] = scores
    return results


def peer_class(folder: Path, batch: int, *, loop_only: bool = False) -> Path:
    """The peer submissions as a class folder: <student>/ps1.py."""
    sys.path.insert(0, str(PEERS))
    try:
        import assignment
    finally:
        sys.path.remove(str(PEERS))
    subs = {"l01_infinite_loop": assignment.SUBMISSIONS["l01_infinite_loop"]} if loop_only else assignment.batch(batch)
    shutil.rmtree(folder, ignore_errors=True)
    for student, source in subs.items():
        (folder / student).mkdir(parents=True)
        (folder / student / "ps1.py").write_text(source)
    return folder


def expected_scores(names: list[str]) -> dict[str, int]:
    sys.path.insert(0, str(PEERS))
    try:
        import assignment
    finally:
        sys.path.remove(str(PEERS))
    return {n: assignment.EXPECTED_SCORE[assignment.base_name(n)] for n in names}


def engine_on_peer_assignment(work: Path, batch: int, reps: int, jobs_list: tuple[int, ...]) -> dict[str, Any]:
    """This engine on the same batch (grade_class, isolation auto), and the loop submission alone."""
    from autograder import load_course
    from autograder.classes.batch import grade_class
    from autograder.writers.canonical import read_report

    course = load_course(COURSE)
    klass = peer_class(work / "class", batch)
    res: dict[str, Any] = {"batch": batch}
    for jobs in jobs_list:
        walls = []
        for rep in range(reps):
            out = work / f"out_j{jobs}_{rep}"
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            grade_class(klass, out, course, jobs=jobs, stream=io.StringIO())
            walls.append(time.perf_counter() - t0)
        res[f"walls_j{jobs}"] = walls
        reports = {p.stem: read_report(p) for p in out.glob("*.json")}
        want = expected_scores(sorted(reports))
        res[f"grades_ok_j{jobs}"] = sum(reports[n].score == want[n] for n in reports)
        res["isolation"] = next(iter(reports.values())).isolation
    loop = peer_class(work / "loop_class", 0, loop_only=True)
    out = work / "out_loop"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    grade_class(loop, out, course, jobs=1, replay=False, stream=io.StringIO())
    res["loop_wall"] = time.perf_counter() - t0
    report = read_report(out / "l01_infinite_loop.json")
    res["loop_duration"] = report.duration
    res["loop_score"] = report.score
    res["loop_timeouts"] = sum(t.status == "timeout" for t in report.tests)
    res["call_timeout"] = course.limits.call_timeout
    return res


def peer_floor(reps: int) -> dict[str, Any]:
    """The peer harness's own in-process floor (exec each submission, run the six test bodies), ms/submission."""
    values = []
    for _ in range(reps):
        done = subprocess.run([sys.executable, str(PEERS / "inprocess_floor.py")], capture_output=True, text=True,
                              check=True)  # fmt: skip
        # "... in-process: 1.234 s (65.0 ms/submission); grades matching expected: 19/19"
        text = done.stdout
        values.append(float(text.split("(")[1].split(" ms/submission")[0]))
        matching = text.rsplit(":", 1)[1].strip()
    return {"ms_per_submission": values, "grades": matching}


if __name__ == "__main__":  # build the venvs ahead of a run: python bench/peers_bench.py
    print({k: str(v) for k, v in ensure_venvs().items()})
