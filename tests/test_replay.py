"""Example replay (autograder.grading.replay): a batch reuses hypothesis's inputs and changes no grade.

The property that matters: a submission graded in a batch (calibrated on the
reference, then replayed) gets exactly the report it gets when graded alone,
passing or failing. The fast tests use small courses written to a temporary
folder; the slow one walks the real catalogue of correct variants and
mistakes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import grade, load_course
from autograder.classes.jobs import Grader
from autograder.submission import load_submission
from tests.test_batch import REFERENCE, SUBMISSIONS, make_course

MUTATING_TESTS = '''\
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.testing import expect_close


@given(xs=st.lists(st.integers(-100, 100), min_size=1, max_size=4))
def test_total(student, xs):
    """The test appends to its own input after the call: replay must not see that."""
    got = student.mini.total(xs)
    xs.append(1000)
    expect_close(float(got), float(sum(xs) - 1000), call=f"total({xs[:-1]})")


@given(x=st.integers(-5, 5))
def test_inverse(student, x):
    """Inputs rejected by assume() are replayed as rejected."""
    assume(x != 0)
    expect_close(float(student.mini.inverse(x)), 1.0 / x, call=f"inverse({x})")
'''


def _submission(tmp_path: Path, name: str, source: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "mini.py").write_text(source)
    return load_submission(folder)


def test_replayed_grades_equal_hypothesis_grades_and_replay_is_used_in_a_fresh_process():
    """Runs the test below in its own interpreter.

    Its last assertion (the fallback's message carries hypothesis's minimal example) depends on
    hypothesis's process-wide state, which other test files in a shared xdist worker can leave
    changed; a fresh interpreter checks the property itself, with every assertion kept.
    """
    if os.environ.get("AG_REPLAY_ISOLATED"):
        pytest.skip("already in the isolated process")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"{__file__}::test_replayed_grades_equal_hypothesis_grades_and_replay_is_used",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
        ],
        cwd=str(Path(__file__).resolve().parents[1]),
        capture_output=True,
        text=True,
        env={**os.environ, "AG_REPLAY_ISOLATED": "1"},
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_replayed_grades_equal_hypothesis_grades_and_replay_is_used(tmp_path):
    if not os.environ.get("AG_REPLAY_ISOLATED"):
        pytest.skip("runs in a fresh process, through the test above")
    course = load_course(make_course(tmp_path / "course"))
    grader = Grader(course)
    calibration = grader.calibrate()
    assert calibration.score == calibration.max_score
    assert grader.book is not None
    recorded = {k.split("::")[-1]: len(r.kwargs) for k, r in grader.book.tests.items() if r.replayable}
    assert set(recorded) == {"test_double_matches_reference", "test_double_is_additive"}
    assert all(n >= 10 for n in recorded.values())

    subs = [_submission(tmp_path, s, SUBMISSIONS[s]) for s in ("alice", "bob", "carol")]
    batch = grader.grade(subs)
    assert grader.book.replayed >= 4  # alice's two, carol's two; bob's additive test
    assert grader.book.fallbacks == 1  # bob's wrong double: hypothesis ran, to shrink and explain
    for sub in subs:
        alone = grade(tmp_path / sub.label, course)
        assert batch[sub.label].without_timing() == alone.without_timing(), sub.label
    assert "Smallest failing input" in batch["bob"].exercise("mini").tests[0].message


def test_replay_survives_tests_that_mutate_their_input_and_assume(tmp_path):
    root = tmp_path / "course"
    make_course(root)
    (root / "tests" / "grading" / "test_mini.py").write_text(MUTATING_TESTS)
    (root / "solutions" / "mini.py").write_text(
        "def total(xs):\n    return float(sum(xs))\n\n\ndef inverse(x):\n    return 1.0 / x\n"
    )
    yaml = (root / "course.yaml").read_text()
    head = yaml.split("exercises:\n  mini:")[0]
    (root / "course.yaml").write_text(
        head + "exercises:\n  mini:\n    title: t\n    tests:\n      test_total: 1\n      test_inverse: 1\n"
    )
    course = load_course(root / "course.yaml")
    grader = Grader(course)
    grader.calibrate()
    assert all(r.replayable for r in grader.book.tests.values())
    assert any(not v for r in grader.book.tests.values() for v in r.valid)  # some inputs were rejected
    source = (root / "solutions" / "mini.py").read_text()
    subs = [_submission(tmp_path, f"s{i}", source) for i in range(3)]
    reports = grader.grade(subs)
    assert all(r.score == 2 for r in reports.values())
    assert grader.book.fallbacks == 0 and grader.book.replayed == 6


def test_a_stub_stops_at_once_under_replay_as_under_hypothesis(tmp_path):
    course = load_course(make_course(tmp_path / "course"))
    grader = Grader(course)
    stub = _submission(
        tmp_path,
        "stub",
        "def double(x):\n    raise NotImplementedError\n\n\ndef half(x):\n    raise NotImplementedError\n",
    )
    report = grader.grade([stub])["stub"]
    assert report.without_timing() == grade(tmp_path / "stub", course).without_timing()
    assert all("not implemented yet" in t.message for t in report.tests)


def test_a_test_the_reference_fails_is_not_replayed(tmp_path):
    """If the reference fails a test, nothing is recorded for it: every submission runs hypothesis there."""
    root = tmp_path / "course"
    make_course(root)
    (root / "solutions" / "mini.py").write_text(REFERENCE.replace("2.0 * x", "2.0 * x + 1.0"))
    course = load_course(root / "course.yaml")
    grader = Grader(course)
    cal = grader.calibrate()
    assert cal.score < cal.max_score
    key = next(k for k in grader.book.tests if k.endswith("test_double_is_additive"))
    assert not grader.book.tests[key].replayable


@pytest.mark.slow
def test_the_catalogue_grades_the_same_in_a_batch_as_alone(tmp_path, course):
    """Every correct variant and a sample of mistakes of the real unit: batch report == single report."""
    from tests.catalogue import all_mistakes, all_variants, build

    entries = list(all_variants()) + list(all_mistakes())[::4]
    folders = [build(tmp_path / e.id, e) for e in entries]
    grader = Grader(course)
    grader.calibrate()
    batch = grader.grade([load_submission(f) for f in folders])
    for folder in folders:
        alone = grade(folder, course)
        assert batch[folder.name].without_timing() == alone.without_timing(), folder.name
