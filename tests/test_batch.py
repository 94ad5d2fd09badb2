"""Grading a whole class (autograder.classes.batch, autograder.classes.jobs): parallel, resumable, atomic, unbreakable.

The class is graded against a tiny course written into a temporary folder
(three hidden tests, short timeouts), so these tests exercise the batch
machinery in seconds and do not change when the Neurons unit grows. The
submissions are real folders: correct, buggy, incomplete, a syntax error, an
infinite loop, a memory bomb, an unreadable folder and an empty one.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import grade, load_course
from autograder.classes.batch import (
    STATE_DIR,
    find_submissions,
    grade_class,
    is_class_dir,
)
from autograder.files import write_atomic
from autograder.model import GradeReport
from autograder.submission import content_hash, load_submission
from autograder.writers.canonical import read_report

ROOT = Path(__file__).resolve().parent.parent

COURSE_YAML = """\
schema_version: 1
course: Mini
unit: "0"
reference: solutions
tests: tests/grading
exercises_dir: exercises
sandbox:
  call_timeout: 2
  test_timeout: 20
  memory_mb: 512
hypothesis:
  max_examples: 15
exercises:
  mini:
    title: A tiny exercise
    tests:
      test_double_matches_reference: 2
      test_double_is_additive: 1
      test_half: 1
"""

HIDDEN_TESTS = '''\
"""Hidden tests of the tiny course."""
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import expect_close


@given(x=st.floats(-1e6, 1e6))
def test_double_matches_reference(student, reference, x):
    """double matches the reference."""
    expect_close(student.mini.double(x), reference.mini.double(x), call=f"double({x!r})")


@given(x=st.integers(-1000, 1000), y=st.integers(-1000, 1000))
def test_double_is_additive(student, x, y):
    """double(x + y) = double(x) + double(y)."""
    expect_close(float(student.mini.double(x + y)), float(student.mini.double(x) + student.mini.double(y)),
                 call=f"double({x + y})")


def test_half(student):
    """half(3.0) is 1.5."""
    expect_close(student.mini.half(3.0), 1.5, call="half(3.0)")
'''

CONFTEST = """\
def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("autograder.grading.plugin"):
        pluginmanager.import_plugin("autograder.grading.plugin")
"""

REFERENCE = "def double(x):\n    return 2.0 * x\n\n\ndef half(x):\n    return x / 2.0\n"

SUBMISSIONS = {
    "alice": REFERENCE,  # correct
    "bob": "def double(x):\n    return 3.0 * x\n\n\ndef half(x):\n    return x / 2\n",  # buggy double
    "carol": "def double(x):\n    return x + x\n",  # correct double (another way), no half
    "dave_syntax": "def double(x)\n    return 2 * x\n",  # broken
    "eve_loop": "def double(x):\n    while True:\n        pass\n\n\ndef half(x):\n    return x / 2.0\n",  # hostile
    "frank_bomb": "blob = bytearray(8 * 1024 ** 3)\n\n\ndef double(x):\n    return 2 * x\n",  # hostile
}
EXPECTED = {"alice": 4, "bob": 2, "carol": 3, "dave_syntax": 0, "eve_loop": 1, "frank_bomb": 0,
            "grace_unreadable": 0, "henry_empty": 0}  # fmt: skip


def make_course(root: Path) -> Path:
    (root / "solutions").mkdir(parents=True)
    (root / "solutions" / "mini.py").write_text(REFERENCE)
    (root / "tests" / "grading").mkdir(parents=True)
    (root / "tests" / "grading" / "test_mini.py").write_text(HIDDEN_TESTS)
    (root / "tests" / "grading" / "conftest.py").write_text(CONFTEST)
    (root / "exercises").mkdir()
    (root / "course.yaml").write_text(COURSE_YAML)
    return root / "course.yaml"


def make_class(root: Path) -> Path:
    for student, source in SUBMISSIONS.items():
        (root / student).mkdir(parents=True)
        (root / student / "mini.py").write_text(source)
    unreadable = root / "grace_unreadable"  # more files than a submission may have: it cannot be read
    unreadable.mkdir()
    for i in range(201):
        (unreadable / f"m{i}.py").write_text("")
    (root / "henry_empty").mkdir()  # handed in nothing
    (root / ".hidden").mkdir()  # not a student
    (root / ".hidden" / "x.py").write_text("")
    return root


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    course = load_course(make_course(base / "course"))
    klass = make_class(base / "class")
    out = base / "out"
    lines: list[str] = []

    class Stream:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    summary = grade_class(klass, out, course, jobs=2, stream=Stream())  # type: ignore[arg-type]
    return course, klass, out, summary, "".join(lines)


def _reports(out: Path) -> dict[str, GradeReport]:
    return {p.stem: read_report(p) for p in sorted(out.glob("*.json"))}


# ----------------------------------------------------------------------------- the class folder


def test_a_class_folder_is_told_apart_from_a_submission(tmp_path):
    klass = make_class(tmp_path / "class")
    assert is_class_dir(klass)
    assert not is_class_dir(klass / "alice")  # has a .py itself: one submission
    assert not is_class_dir(tmp_path / "missing")
    (tmp_path / "nothing" / "a").mkdir(parents=True)
    assert not is_class_dir(tmp_path / "nothing")  # no sub-folder has code
    students = [s for s, _ in find_submissions(klass)]
    assert students == sorted([*SUBMISSIONS, "grace_unreadable", "henry_empty"])


def test_content_hash_follows_the_graded_bytes(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    (a / "mini.py").write_text(REFERENCE)
    first = content_hash(load_submission(a))
    assert content_hash(load_submission(a, label="other")) == first  # the label is not content
    (a / "notes.txt").write_text("not graded")
    assert content_hash(load_submission(a)) == first
    (a / "mini.py").write_text(REFERENCE + "# changed\n")
    assert content_hash(load_submission(a)) != first


# ----------------------------------------------------------------------------- grading a class


def test_every_student_gets_a_report_whatever_their_submission_does(mini):
    course, klass, out, summary, progress = mini
    reports = _reports(out)
    assert set(reports) == set(EXPECTED)
    assert {k: r.score for k, r in reports.items()} == EXPECTED
    assert all(r.max_score == 4 and r.suite_hash == course.suite_hash() for r in reports.values())
    assert summary.unreadable == ["grace_unreadable"] and summary.failed == []
    assert sorted(summary.graded) == sorted(set(EXPECTED) - {"grace_unreadable"})
    loop = reports["eve_loop"]
    assert {t.name: t.status for t in loop.tests} == {
        "test_double_matches_reference": "timeout",
        "test_double_is_additive": "timeout",
        "test_half": "passed",
    }
    assert "could not be read" in reports["grace_unreadable"].tests[0].message
    assert "no mini.py" in reports["henry_empty"].tests[0].message
    assert not list(out.glob(".*.tmp")) and not list((out / STATE_DIR).glob(".*.tmp"))


def test_progress_shows_done_total_rate_and_eta(mini):
    *_, progress = mini
    assert "7/7 graded" in progress and "/min" in progress and "ETA" in progress
    assert "grace_unreadable: your submission could not be read" in progress


def test_the_gradebook_has_one_row_per_student(mini):
    course, klass, out, summary, _ = mini
    rows = (out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].split(",") == ["student", "mini", "total", "late_penalty_percent", "final"]
    totals = {r.split(",")[0]: float(r.split(",")[2]) for r in rows[1:]}
    assert totals == {k: float(v) for k, v in EXPECTED.items()}


def test_batch_reports_equal_single_submission_reports(mini):
    """Replay across a batch changes no grade and no message: the same report as grading alone."""
    course, klass, out, summary, _ = mini
    reports = _reports(out)
    for student in ("alice", "bob", "carol"):
        alone = grade(klass / student, course)
        assert reports[student].without_timing() == alone.without_timing(), student


# ----------------------------------------------------------------------------- resuming


def test_a_rerun_skips_unchanged_students_and_regrades_changed_ones(mini, tmp_path):
    course, klass, out, summary, _ = mini
    out2, klass2 = tmp_path / "out", tmp_path / "class"
    shutil.copytree(out, out2)
    shutil.copytree(klass, klass2)
    before = {p.name: p.read_bytes() for p in out2.glob("*.json")}
    again = grade_class(klass2, out2, course, jobs=2, replay=False, stream=io.StringIO())
    assert again.graded == [] and sorted(again.skipped) == sorted(set(EXPECTED) - {"grace_unreadable"})
    assert {p.name: p.read_bytes() for p in out2.glob("*.json") if p.stem != "grace_unreadable"} == {
        k: v for k, v in before.items() if k != "grace_unreadable.json"
    }

    (klass2 / "bob" / "mini.py").write_text(REFERENCE)  # bob fixed his bug
    (out2 / "carol.json").unlink()  # a lost report is graded again
    third = grade_class(klass2, out2, course, jobs=1, replay=False, stream=io.StringIO())
    assert sorted(third.graded) == ["bob", "carol"]
    assert read_report(out2 / "bob.json").score == 4
    assert (out2 / "alice.json").read_bytes() == before["alice.json"]


def test_an_output_folder_inside_the_class_folder_is_not_a_student(mini, tmp_path):
    course, klass, out, summary, _ = mini
    klass2 = tmp_path / "class"
    shutil.copytree(klass / "alice", klass2 / "alice")
    shutil.copytree(out, klass2 / "reports")
    again = grade_class(klass2, klass2 / "reports", course, jobs=1, replay=False, stream=io.StringIO())
    assert again.students == ["alice"] and again.skipped == ["alice"]


def test_the_late_policy_applies_and_a_new_submission_time_regrades(tmp_path):
    course_yaml = make_course(tmp_path / "course")
    course_yaml.write_text(course_yaml.read_text().replace(
        "sandbox:", "deadline: 2026-01-01T00:00:00+00:00\nlate:\n  grace_minutes: 0\n  penalty_per_day: 10\n"
        "  max_penalty: 50\nsandbox:"))  # fmt: skip
    course = load_course(course_yaml)
    klass = tmp_path / "class"
    for student in ("alice", "bob"):
        (klass / student).mkdir(parents=True)
        (klass / student / "mini.py").write_text(REFERENCE)
    (klass / "alice" / "timestamp.txt").write_text("2026-01-02 12:00:00.000000 UTC")  # 1.5 days late
    (klass / "bob" / "timestamp.txt").write_text("2025-12-31 23:00:00.000000 UTC")
    out = tmp_path / "out"
    grade_class(klass, out, course, jobs=1, replay=False, stream=io.StringIO())
    alice, bob = read_report(out / "alice.json"), read_report(out / "bob.json")
    assert alice.late_penalty == 20 and alice.final_score == 3.2 and bob.late_penalty == 0
    rows = (out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()
    assert "alice,4,4,20,3.2" in rows
    (klass / "alice" / "timestamp.txt").write_text("2025-12-31 12:00:00.000000 UTC")  # the platform corrected it
    again = grade_class(klass, out, course, jobs=1, replay=False, stream=io.StringIO())
    assert again.graded == ["alice"] and read_report(out / "alice.json").late_penalty == 0


def test_force_regrades_everyone(mini, tmp_path):
    course, klass, out, summary, _ = mini
    out2 = tmp_path / "out"
    shutil.copytree(out, out2)
    keep = {"alice", "bob", "carol"}
    klass2 = tmp_path / "class"
    for s in keep:
        shutil.copytree(klass / s, klass2 / s)
    forced = grade_class(klass2, out2, course, jobs=1, force=True, replay=False, stream=io.StringIO())
    assert sorted(forced.graded) == sorted(keep) and forced.skipped == []
    rows = (out2 / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == sorted(keep)  # the gradebook lists this class only


def test_a_suite_change_regrades(mini, tmp_path):
    course, klass, out, summary, _ = mini
    course_dir = tmp_path / "course"
    shutil.copytree(course.root, course_dir)
    with open(course_dir / "tests" / "grading" / "test_mini.py", "a") as fh:
        fh.write("\n# a comment changes the suite hash\n")
    changed = load_course(course_dir / "course.yaml")
    assert changed.suite_hash() != course.suite_hash()
    out2, klass2 = tmp_path / "out", tmp_path / "class"
    shutil.copytree(out, out2)
    shutil.copytree(klass / "alice", klass2 / "alice")
    again = grade_class(klass2, out2, changed, jobs=1, replay=False, stream=io.StringIO())
    assert again.graded == ["alice"]
    assert read_report(out2 / "alice.json").suite_hash == changed.suite_hash()


# ----------------------------------------------------------------------------- atomic writes, Ctrl-C, crashes


def test_write_atomic_never_leaves_half_a_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    write_atomic(target, "old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


def test_ctrl_c_between_a_report_and_its_key_keeps_both(tmp_path, monkeypatch, request):
    """Ctrl-C that lands while a report is being saved waits until its key is saved too, so a re-run keeps it."""
    import autograder.classes.batch as batch

    course = load_course(make_course(tmp_path / "course"))
    klass = tmp_path / "class"
    for student in ("alice", "bob"):
        (klass / student).mkdir(parents=True)
        (klass / student / "mini.py").write_text(REFERENCE)
    sent = []

    def write_then_ctrl_c(path, data):
        written = write_atomic(path, data)
        if Path(path).name == "alice.json" and not sent:
            sent.append(path)
            os.kill(os.getpid(), signal.SIGINT)  # right after the report, before its key
        return written

    monkeypatch.setattr(batch, "write_atomic", write_then_ctrl_c)
    # Ctrl-C's usual handler, whatever an earlier test in this worker process left behind.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, before))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        grade_class(klass, out, course, jobs=1, replay=False, stream=io.StringIO())
    assert sent, "alice was never saved"
    monkeypatch.undo()
    resumed = grade_class(klass, out, course, jobs=1, replay=False, stream=io.StringIO())
    assert "alice" in resumed.skipped, "the report was saved without its key and is graded again"


@pytest.mark.slow
def test_ctrl_c_keeps_every_finished_report(tmp_path):
    base = tmp_path
    course_yaml = make_course(base / "course")
    klass = base / "class"
    for i in range(40):  # enough that Ctrl-C lands mid-run, even with warm workers (~0.1 s a submission)
        (klass / f"s{i:02d}").mkdir(parents=True)
        (klass / f"s{i:02d}" / "mini.py").write_text(REFERENCE)
    out = base / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", str(klass), "--out", str(out), "--jobs", "1",
         "--course", str(course_yaml), "--no-replay"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True,
        # As from a terminal: Ctrl-C's default action. A test runner's worker may ignore SIGINT, and an
        # ignored signal stays ignored across exec, so Python would never raise KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("s*.json")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    finished = sorted(out.glob("s*.json"))
    assert 1 <= len(finished) < 40
    for f in finished:
        assert read_report(f).score == 4  # complete, valid reports
    assert not list(out.glob(".*.tmp"))
    rows = (out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + len(finished)
    jobs = subprocess.run(["pgrep", "-f", f"autograder.classes.jobs .*{course_yaml}"], capture_output=True, text=True)
    assert jobs.stdout.strip() == "", "a job process outlived the interrupted run"
    resumed = grade_class(klass, out, load_course(course_yaml), jobs=1, replay=False, stream=io.StringIO())
    assert len(resumed.skipped) == len(finished) and len(resumed.graded) == 40 - len(finished)


def test_a_submission_that_kills_its_grading_process_does_not_stop_the_batch(tmp_path):
    """At the process level a worker can signal its parent, the job: the pool restarts it and goes on."""
    course = load_course(make_course(tmp_path / "course"))
    klass = tmp_path / "class"
    for student in ("alice", "bob"):
        (klass / student).mkdir(parents=True)
        (klass / student / "mini.py").write_text(SUBMISSIONS[student])
    (klass / "mallory").mkdir()
    (klass / "mallory" / "mini.py").write_text(
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n\n\ndef double(x):\n    return 2 * x\n"
    )
    summary = grade_class(
        klass,
        tmp_path / "out",
        course,
        jobs=1,
        isolation="process",
        trusted_code=True,
        replay=False,
        stream=io.StringIO(),
    )
    reports = _reports(tmp_path / "out")
    assert reports["alice"].score == 4 and reports["bob"].score == 2
    assert reports["mallory"].score == 0
    assert set(summary.failed) <= {"mallory"}
    if summary.failed:
        assert "could not grade this submission" in reports["mallory"].tests[0].message


def test_a_broken_suite_stops_the_batch_with_a_clear_error(tmp_path):
    course_yaml = make_course(tmp_path / "course")
    text = course_yaml.read_text().replace("test_half: 1", "test_half: 1\n      test_missing: 1")
    course_yaml.write_text(text)
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "mini.py").write_text(REFERENCE)
    from autograder.errors import AutograderError

    with pytest.raises(AutograderError, match="test_missing"):
        grade_class(klass, tmp_path / "out", load_course(course_yaml), jobs=1, stream=io.StringIO())
    assert not (tmp_path / "out" / "alice.json").exists()  # no partial grade from a broken suite


def test_reports_are_canonical_json(mini):
    course, klass, out, summary, _ = mini
    data = json.loads((out / "alice.json").read_text())
    assert data["submission"] == "alice" and data["schema_version"] == 1
    state = json.loads((out / STATE_DIR / "alice.json").read_text())
    assert state["suite_hash"] == course.suite_hash() and len(state["content_hash"]) == 24


def test_the_jobs_hide_the_output_folder_from_their_sandboxes_too(tmp_path, monkeypatch):
    """The parent hides OUT from sandbox views; the jobs start the sandboxes, so they are told to as well."""
    from autograder.classes import jobs
    from autograder.sandbox import isolation

    course = load_course(make_course(tmp_path / "course"))
    out = tmp_path / "out"
    pool = jobs.JobPool(course, jobs=1, level="namespace", hide=(out,))
    started: dict[str, list[str]] = {}

    class Proc:
        pid = 0

    def popen(argv, **kwargs):
        started["argv"] = argv
        return Proc()

    with monkeypatch.context() as m:
        m.setattr(jobs.subprocess, "Popen", popen)
        m.setattr(pool, "_give_core", lambda pid: None)
        job = pool._start()
    job.conn.close()
    job.to_job.close()
    got: dict[str, object] = {}
    monkeypatch.setattr(jobs, "_job_main", lambda *args: got.update(args=args))
    monkeypatch.setattr(jobs, "Connection", lambda fd, **kwargs: fd)  # a real one would close fds 0 and 1 here
    jobs.main(["0", "1", *started["argv"][5:]])
    assert got["args"][-1] == (out,)  # what the job's Grader and head start hide
    if "namespace" in isolation.available_levels():
        jobs.Grader(course, isolation="namespace", replay=False, hide=(out,))
        assert os.path.realpath(out) in isolation.mask_key()
