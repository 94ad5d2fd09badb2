"""Grading a class on a Dask cluster (autograder.classes.distributed), tested on a LocalCluster.

The cluster runs in this process (``processes=False``, one worker, one
thread) to keep the test fast; the code path is the one a real cluster
takes: the course and each submission travel as bytes, the worker writes
them to its own temporary folders and sends back plain dicts.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import grade, load_course
from autograder.classes.batch import grade_class
from autograder.errors import AutograderError
from autograder.writers.canonical import read_report
from tests.test_batch import EXPECTED, SUBMISSIONS, make_course

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ("alice", "bob", "carol", "dave_syntax")


@pytest.fixture(scope="module")
def cluster():
    # Dask's worker profiler calls sys._current_frames() every 10 ms; on CPython 3.11 that can deadlock
    # with the garbage collector (python/cpython#106883, dask/distributed#8616). The worker runs in this
    # process (processes=False), so a test run can hang: profiling off, as docs/performance.md advises.
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _class(root: Path, students: tuple[str, ...] = STUDENTS) -> Path:
    for student in students:
        (root / student).mkdir(parents=True)
        (root / student / "mini.py").write_text(SUBMISSIONS[student])
    return root


def test_a_class_graded_on_dask_gets_the_same_reports_as_on_one_machine(cluster, tmp_path):
    from autograder.classes import distributed as ag_dask

    course = load_course(make_course(tmp_path / "course"))
    klass = _class(tmp_path / "class")
    out = tmp_path / "out"
    summary = grade_class(klass, out, course, dask=cluster, stream=io.StringIO())
    assert sorted(summary.graded) == sorted(STUDENTS) and summary.failed == []
    reports = {s: read_report(out / f"{s}.json") for s in STUDENTS}
    assert {s: r.score for s, r in reports.items()} == {s: EXPECTED[s] for s in STUDENTS}
    for student in ("alice", "bob"):
        assert reports[student].without_timing() == grade(klass / student, course).without_timing()
    # The worker graded from its own copy of the course, not from this folder.
    copies = list(ag_dask._COURSES.values())
    assert copies and all(course.root not in (c, *c.parents) and c != course.root for c in copies)
    rows = (out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + len(STUDENTS)

    again = grade_class(klass, out, course, dask=cluster, stream=io.StringIO())
    assert again.graded == [] and sorted(again.skipped) == sorted(STUDENTS)  # resume works the same way


def test_the_course_bundle_holds_what_grading_needs_and_nothing_outside(tmp_path):
    from autograder.classes.distributed import bundle_course

    course = load_course(make_course(tmp_path / "course"))
    (course.root / "tests" / "grading" / "__pycache__").mkdir()
    (course.root / "tests" / "grading" / "__pycache__" / "x.pyc").write_bytes(b"junk")
    bundle = bundle_course(course)
    assert set(bundle.files) == {"course.yaml", "solutions/mini.py", "tests/grading/test_mini.py",
                                 "tests/grading/conftest.py"}  # fmt: skip
    assert bundle.suite_hash == course.suite_hash()

    outside = tmp_path / "elsewhere"
    (outside / "grading").mkdir(parents=True)
    yaml = (course.root / "course.yaml").read_text().replace("tests: tests/grading", f"tests: {outside / 'grading'}")
    (outside / "grading" / "test_mini.py").write_text((course.tests_dir / "test_mini.py").read_text())
    (course.root / "course.yaml").write_text(yaml)
    with pytest.raises(AutograderError, match="outside the course folder"):
        bundle_course(load_course(course.root / "course.yaml"))


def test_the_workers_replay_the_artefact_the_course_bundle_carries(cluster, tmp_path):
    """A course with a calibration artefact sends it along: each worker replays it instead of calibrating,
    and the reports are the ones a worker that calibrated gives."""
    from autograder.classes import distributed as ag_dask
    from autograder.grading.calibration import write_artefact

    course = load_course(make_course(tmp_path / "course"))
    write_artefact(course)
    bundle = ag_dask.bundle_course(course)
    assert [n for n in bundle.files if n.startswith(".autograder-cache/calibration-")]
    klass = _class(tmp_path / "class", ("alice", "bob", "carol"))
    summary = grade_class(klass, tmp_path / "out", course, dask=cluster, stream=io.StringIO())
    assert sorted(summary.graded) == ["alice", "bob", "carol"]
    graders = [g for key, g in ag_dask._GRADERS.items() if key[0] == bundle.key]
    assert graders and all(g.from_artefact for g in graders)
    for student in ("alice", "bob", "carol"):
        got = read_report(tmp_path / "out" / f"{student}.json").without_timing()
        assert got == grade(klass / student, course, replay=False).without_timing(), student


def test_dask_is_not_imported_to_grade_on_one_machine():
    code = (
        "import sys, autograder.classes.batch, autograder.classes.jobs, autograder.cli, autograder.commands.grade\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')], 'dask imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_command_line_takes_a_scheduler_address(cluster, tmp_path, capsys):
    from autograder.cli import main

    course_yaml = make_course(tmp_path / "course")
    klass = _class(tmp_path / "class", ("alice", "bob"))
    out = tmp_path / "out"
    address = cluster.scheduler.address
    code = main(["grade", str(klass), "--out", str(out), "--dask", address, "--course", str(course_yaml)])
    assert code == 0, capsys.readouterr().err
    assert f"the Dask cluster at {address}" in capsys.readouterr().err
    assert read_report(out / "alice.json").score == EXPECTED["alice"]


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the deadlock is CPython 3.11's")
def test_a_grading_task_stops_the_workers_profiler_on_python_3_11(monkeypatch):
    """Dask's profiler can deadlock CPython 3.11 with the garbage collector (python/cpython#106883):
    the first grading task on a worker stops it."""
    from autograder.classes import distributed as ag_dask

    stopped = []

    class Callback:
        def stop(self) -> None:
            stopped.append(True)

    class Worker:
        periodic_callbacks = {"profile": Callback(), "heartbeat": object()}

    monkeypatch.setattr(distributed, "get_worker", lambda: Worker())
    ag_dask._no_profiler_on_311()
    assert stopped == [True]
