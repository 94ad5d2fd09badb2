"""A hung or forging submission never holds a batch: the job watchdog, the Dask watchdog, and a class of 40.

The class test grades 39 copies of the sample correct submission and one
that forges its reply frames (the desync attack of tests/test_boundary.py,
as in tests/adversarial) on two jobs: the batch finishes, the 39 get exactly
the report they get when graded alone, and the forgery is a crash.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from autograder import grade, load_course
from autograder.classes.batch import grade_class
from autograder.classes.jobs import JobPool
from autograder.errors import ConfigError
from autograder.sandbox import best_level
from autograder.submission import load_submission
from autograder.writers.canonical import read_report
from tests.adversarial import ATTACKS, FUNCTION
from tests.catalogue import replace_functions
from tests.test_adversarial import dependents
from tests.test_batch import REFERENCE, make_course

ROOT = Path(__file__).resolve().parent.parent
ALICE = ROOT / "examples" / "submissions" / "alice"
SLEEPER = (
    "import time\n\n\ndef double(x):\n    time.sleep(1.5)\n    return 2.0 * x\n\n\ndef half(x):\n    return x / 2.0\n"
)


def comparable(report: Any) -> dict[str, Any]:
    d = report.without_timing()
    d["submission"] = ""
    return d


def test_submission_timeout_is_read_and_checked_like_the_other_limits(tmp_path):
    path = make_course(tmp_path / "a")
    assert load_course(path).limits.submission_timeout == 300
    path.write_text(path.read_text().replace("  memory_mb: 512\n", "  memory_mb: 512\n  submission_timeout: 90.5\n"))
    assert load_course(path).limits.submission_timeout == 90.5
    path.write_text(path.read_text().replace("submission_timeout: 90.5", "submission_timeout: 0"))
    with pytest.raises(ConfigError, match="submission_timeout"):
        load_course(path)


@pytest.mark.slow
def test_the_job_watchdog_stops_a_submission_that_holds_its_job(tmp_path):
    """A job held past the watchdog is stopped; that submission is recorded as failed, the rest are graded."""
    course = load_course(make_course(tmp_path / "course"))
    subs = []
    for label, source in (("alice", REFERENCE), ("sleeper", SLEEPER), ("alice2", REFERENCE)):
        (tmp_path / label).mkdir()
        (tmp_path / label / "mini.py").write_text(source)
        subs.append(load_submission(tmp_path / label, label=label))
    reports: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    pool = JobPool(course, jobs=1, level="process", replay=False, watchdog=6.0)
    pool.run(subs, on_report=reports.__setitem__, on_failed=failed.__setitem__)
    assert set(failed) == {"sleeper"}  # 3 tests x 15 examples x 1.5 s would hold it for minutes
    assert "longer than 6 s" in failed["sleeper"]
    assert {k: r["score"] for k, r in reports.items()} == {"alice": 4, "alice2": 4}


def test_the_dask_watchdog_stops_a_submission_and_reports_it(tmp_path):
    distributed = pytest.importorskip("distributed")
    from autograder.classes.distributed import grade_on_dask

    course = load_course(make_course(tmp_path / "course"))
    subs = []
    for label, source in (("sleeper", SLEEPER), ("alice", REFERENCE)):
        (tmp_path / label).mkdir()
        (tmp_path / label / "mini.py").write_text(source)
        subs.append(load_submission(tmp_path / label, label=label))
    reports: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        grade_on_dask(client, course, subs, on_report=reports.__setitem__, on_failed=failed.__setitem__,
                      isolation="process", trusted_code=True, replay=False, watchdog=4.0)  # fmt: skip
    assert failed == {}
    assert reports["alice"]["score"] == 4
    sleeper = [t for e in reports["sleeper"]["exercises"] for t in e["tests"]]
    stopped = [t for t in sleeper if "took longer than 4 s" in t["message"]]
    assert stopped and all(t["status"] == "timeout" for t in stopped)


@pytest.mark.slow
def test_a_class_of_40_with_a_desync_attacker_is_graded_as_if_it_were_not_there(tmp_path, course):
    forger = next(a for a in ATTACKS if a.id == "forge_one_frame")
    klass = tmp_path / "class"
    for i in range(39):
        shutil.copytree(ALICE, klass / f"student{i:02d}")
    shutil.copytree(ALICE, klass / "mallory")
    attacked = klass / "mallory" / "activations.py"
    attacked.write_text(replace_functions(attacked.read_text(), {FUNCTION: forger.source.format()}))
    out = tmp_path / "out"

    summary = grade_class(klass, out, course, jobs=2, stream=io.StringIO())

    assert summary.failed == [] and len(summary.graded) == 40
    alone = comparable(grade(ALICE, course))
    for i in range(39):
        assert comparable(read_report(out / f"student{i:02d}.json")) == alone, f"student{i:02d}"
    mallory = read_report(out / "mallory.json")
    assert mallory.isolation == best_level()
    crashed = [t for t in mallory.exercise("activations").tests if t.status == "crashed"]
    assert crashed and all("reply channel" in t.message for t in crashed)
    spared = [e for e in mallory.exercises if e.id not in dependents("activations")]
    assert spared and all(e.score == e.max_score for e in spared), [(e.id, e.score) for e in spared]
