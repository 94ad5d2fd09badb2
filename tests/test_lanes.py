"""Lanes (autograder.grading.lanes): a submission's tests in two halves, each with a fresh sandbox session.

One submission graded alone runs its two lanes at once (a forked grading process runs the second) where
the machine has two cores; everywhere else they run in turn. Every test here grades the same submission
both ways and asks for the same report: nothing a lane leaves behind reaches the other, the output reads
the same, and a timeout (the one outcome that depends on speed) makes the lanes run again in turn.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from autograder import grade, load_course
from autograder.grading import lanes
from autograder.grading.run import GradingRun
from autograder.sandbox import affinity
from tests.test_batch import CONFTEST

ROOT = Path(__file__).resolve().parent.parent


def course_yaml(**sandbox: int) -> str:
    """Two exercises of two tests each: one lane each."""
    tests = {"first": ["test_count_starts_at_one", "test_double"], "second": ["test_count_is_fresh", "test_triple"]}
    return yaml.safe_dump({
        "schema_version": 1, "course": "Two lanes", "unit": "0",
        "reference": "solutions", "tests": "tests/grading", "exercises_dir": "exercises",
        "sandbox": {"call_timeout": 2, "test_timeout": 20, "memory_mb": 512, "output_kb": 1, **sandbox},
        "hypothesis": {"max_examples": 10},
        "exercises": {ex: {"title": f"The {ex} lane", "tests": dict.fromkeys(names, 1)} for ex, names in tests.items()},
    }, sort_keys=False)  # fmt: skip


HIDDEN = '''\
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import expect_close, expect_true


def test_{count_test}(student):
    """{count_doc}"""
    expect_true(student.{module}.{count_call}() == 1, "{count_call}() should be 1 on a fresh module")


@given(x=st.integers(-100, 100))
def test_{name}(student, x):
    """{name}(x) = {factor}x."""
    expect_close(student.{module}.{name}(x), {factor} * x, call=f"{name}({{x}})")
'''
HIDDEN_FIRST = HIDDEN.format(
    module="first", count_test="count_starts_at_one", count_call="count", name="double", factor=2,
    count_doc="The first call of the lane sees a fresh module.",
)  # fmt: skip
HIDDEN_SECOND = HIDDEN.format(
    module="second", count_test="count_is_fresh", count_call="first_count", name="triple", factor=3,
    count_doc="second.py imports first.py: in its own lane, first's counter starts again.",
)  # fmt: skip

FIRST = """\
CALLS = []


def count():
    CALLS.append(1)
    print("first.count", len(CALLS))
    return len(CALLS)


def double(x):
    return 2 * x
"""

SECOND = """\
import first


def first_count():
    return first.count()


def triple(x):
    print("triple", x)
    return 3 * x
"""


def make_course(root: Path, **sandbox: int) -> Path:
    (root / "solutions").mkdir(parents=True)
    (root / "solutions" / "first.py").write_text(FIRST)
    (root / "solutions" / "second.py").write_text(SECOND)
    (root / "tests" / "grading").mkdir(parents=True)
    (root / "tests" / "grading" / "test_first.py").write_text(HIDDEN_FIRST)
    (root / "tests" / "grading" / "test_second.py").write_text(HIDDEN_SECOND)
    (root / "tests" / "grading" / "conftest.py").write_text(CONFTEST)
    (root / "exercises").mkdir()
    (root / "course.yaml").write_text(course_yaml(**sandbox))
    return root / "course.yaml"


@pytest.fixture
def two_lanes(tmp_path):
    return load_course(make_course(tmp_path / "course")), tmp_path


def _submission(folder: Path, first: str = FIRST, second: str = SECOND) -> Path:
    folder.mkdir()
    (folder / "first.py").write_text(first)
    (folder / "second.py").write_text(second)
    return folder


def _both_ways(monkeypatch, folder: Path, course) -> tuple[dict, dict, int]:
    """(report with the lanes at once, report with the lanes in turn, forks made for the first)."""
    forks = []
    real_fork = os.fork

    def counting_fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(lanes.os, "fork", counting_fork)
    at_once = grade(folder, course, replay=False).without_timing()
    monkeypatch.setenv(lanes.ENV, "0")
    in_turn = grade(folder, course, replay=False).without_timing()
    monkeypatch.delenv(lanes.ENV)
    return at_once, in_turn, len(forks)


needs_two_cores = pytest.mark.skipif(not lanes.parallel_enabled(), reason="lanes run at once only on two cores")


def test_the_units_lanes_split_at_half_of_the_hidden_tests():
    course = load_course(ROOT / "course.yaml")
    split = lanes.lanes(course)
    assert [e.id for e in course.exercises if split[e.id] == 0] == ["activations", "neuron", "gates"]
    assert [e.id for e in course.exercises if split[e.id] == 1] == ["xor", "cat", "spiking", "approximation"]
    counts = [sum(len(e.tests) for e in course.exercises if split[e.id] == lane) for lane in (0, 1)]
    assert counts[0] >= counts[1] and counts[0] - counts[1] <= max(len(e.tests) for e in course.exercises)


def test_a_course_of_one_exercise_has_one_lane(tmp_path):
    from tests.test_batch import make_course as make_mini

    course = load_course(make_mini(tmp_path / "mini"))
    assert set(lanes.lanes(course).values()) == {0}


@pytest.mark.parametrize(
    "files, cpus",
    [
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu.max": "100000 100000\n"}, 1.0),
        ({"cpu.max": "250000 100000\n"}, 2.5),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0.5),
        ({}, None),
    ],
)
def test_a_containers_cpu_quota_is_read_from_its_cgroup(tmp_path, files, cpus):
    """A container may see all of its host's cores and be allowed one: the lanes then run in turn."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert lanes.cpu_quota(tmp_path) == cpus


def test_the_output_is_the_first_lanes_then_the_seconds_cut_at_the_limit():
    assert lanes.merge_output([(1, "b\n", 0), (0, "a\n", 0)], 100) == "a\nb\n"
    cut = lanes.merge_output([(0, "x" * 60, 0), (1, "y" * 60, 5)], 100)
    assert cut == "x" * 60 + "y" * 40 + "\n[... 25 more bytes of output were not kept]"


@needs_two_cores
def test_nothing_a_lane_leaves_in_the_worker_reaches_the_other(two_lanes, monkeypatch):
    course, tmp = two_lanes
    at_once, in_turn, forks = _both_ways(monkeypatch, _submission(tmp / "alice"), course)
    assert forks == 1, "the lanes ran at once"
    assert at_once == in_turn
    assert at_once["score"] == at_once["max_score"] == 4  # the counter was fresh in each lane
    assert at_once["output"].startswith("first.count 1\n") and "triple" in at_once["output"]
    assert at_once["output"].index("first.count") < at_once["output"].index("triple")


@needs_two_cores
def test_the_output_is_cut_at_the_limit_the_same_way_both_ways(two_lanes, monkeypatch):
    course, tmp = two_lanes
    chatty = SECOND.replace('print("triple", x)', 'print("triple", x, "." * 200)')
    at_once, in_turn, forks = _both_ways(monkeypatch, _submission(tmp / "chatty", second=chatty), course)
    assert forks == 1 and at_once == in_turn
    assert "more bytes of output were not kept" in at_once["output"]
    assert len(at_once["output"].split("\n[...")[0].encode()) <= 1024


@needs_two_cores
@pytest.mark.parametrize("where", ["first", "second"])
def test_a_timeout_in_either_lane_grades_the_lanes_again_in_turn(two_lanes, monkeypatch, where):
    """A call that hangs may have hung because the lanes shared the machine: the report is the one the
    lanes in turn give (the hang costs its timeout again, never another grade)."""
    course, tmp = two_lanes
    hang = "\n\ndef double(x):\n    while True:\n        pass\n" if where == "first" else ""
    first = FIRST + hang
    second = SECOND.replace("return 3 * x", "while True:\n        pass") if where == "second" else SECOND
    at_once, in_turn, forks = _both_ways(monkeypatch, _submission(tmp / "hang", first=first, second=second), course)
    assert forks == 1 and at_once == in_turn
    statuses = {t["name"]: t["status"] for e in at_once["exercises"] for t in e["tests"]}
    assert statuses["test_double" if where == "first" else "test_triple"] == "timeout"
    assert at_once["score"] == 3


@pytest.mark.slow
@needs_two_cores
def test_a_submission_still_running_at_half_its_budget_is_graded_in_turn(tmp_path, monkeypatch):
    """The second lane sleeps ~6 s, longer than half of a 10 s budget, and no call times out: the parent
    stops waiting for it at 5 s and grades it again itself, as in a batch, with the budget the first lane
    left (both ways the submission ends well inside its budget)."""
    course = load_course(make_course(tmp_path / "course", submission_timeout=10))
    slow = SECOND.replace('print("triple", x)', "import time; time.sleep(0.6)")
    folder = _submission(tmp_path / "slow", second=slow)
    runs: list[int] = []
    real_run_items = lanes.run_items

    def counting(session, items, stop=None):
        runs.append(len(items))  # in the parent only: the child's list is its own
        return real_run_items(session, items, stop)

    monkeypatch.setattr(lanes, "run_items", counting)
    at_once, in_turn, forks = _both_ways(monkeypatch, folder, course)
    assert forks == 1 and at_once == in_turn and at_once["score"] == 4
    assert runs[:2] == [2, 2], "the parent ran its lane, then the second lane again"


@needs_two_cores
def test_a_lane_whose_process_fails_is_graded_again_by_the_parent(two_lanes, monkeypatch):
    course, tmp = two_lanes

    def broken(self, label, lane):
        raise RuntimeError("the child could not send its lane")

    monkeypatch.setattr(GradingRun, "lane_payload", broken)  # the forked child inherits it; the parent never calls it
    at_once, in_turn, forks = _both_ways(monkeypatch, _submission(tmp / "alice"), course)
    assert forks == 1 and at_once == in_turn and at_once["score"] == 4


def test_a_fork_that_fails_runs_the_lanes_in_turn(two_lanes, monkeypatch):
    course, tmp = two_lanes
    folder = _submission(tmp / "alice")
    monkeypatch.setenv(lanes.ENV, "0")
    in_turn = grade(folder, course, replay=False).without_timing()
    monkeypatch.delenv(lanes.ENV)

    def no_room() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(lanes, "parallel_enabled", lambda: True)
    monkeypatch.setattr(lanes.os, "fork", no_room)
    assert grade(folder, course, replay=False).without_timing() == in_turn


def test_a_batch_runs_the_lanes_in_turn_with_the_same_reports(two_lanes, monkeypatch):
    from autograder.grading.grade import grade_many
    from autograder.submission import load_submission

    course, tmp = two_lanes
    subs = [load_submission(_submission(tmp / name), label=name) for name in ("ann", "ben")]

    def no_fork() -> int:
        raise AssertionError("a batch never forks its grading process")

    monkeypatch.setattr(lanes.os, "fork", no_fork)
    reports = grade_many(subs, course)
    assert {r.score for r in reports.values()} == {4}
    assert reports["ann"].output == reports["ben"].output


@needs_two_cores
@pytest.mark.skipif(not affinity.pinning_enabled(), reason="AUTOGRADER_PIN=0: the OS places the workers")
def test_the_lanes_at_once_run_on_two_cores(two_lanes, monkeypatch):
    """Each lane's worker gets a core of its own, even when both lanes' threads happen to be on the
    same core when their workers start (forced here; the scheduler does it now and then)."""
    course, tmp = two_lanes
    first = "import os\n\n" + FIRST.replace(
        '    print("first.count", len(CALLS))\n', '    print("count on", sorted(os.sched_getaffinity(0)))\n'
    )
    folder = _submission(tmp / "alice", first)  # count() runs in lane 0, and in lane 1 through first_count()
    cpu = sorted(os.sched_getaffinity(0))[0]
    monkeypatch.setattr(affinity, "current_cpu", lambda: cpu)
    report = grade(folder, course, replay=False)
    lanes_cores = [line.removeprefix("count on ") for line in report.output.splitlines() if line.startswith("count on")]
    assert len(lanes_cores) == 2, report.output  # lane 0's output comes first
    assert lanes_cores[0] != lanes_cores[1] and all("," not in c for c in lanes_cores), lanes_cores
