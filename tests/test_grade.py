"""End-to-end: grade() on the reference, the untouched stubs and a buggy submission."""

from __future__ import annotations

import shutil

from autograder import grade


def test_reference_gets_full_marks(course):
    report = grade(course.reference_dir, course)
    assert report.score == report.max_score == course.max_score
    assert all(t.status == "passed" for t in report.tests)


def test_reference_graded_twice_gives_identical_reports(course):
    first = grade(course.reference_dir, course)
    second = grade(course.reference_dir, course)
    assert first.without_timing() == second.without_timing()


def test_untouched_stubs_get_zero_with_not_implemented_messages(course, tmp_path):
    stubs = tmp_path / "stubs"
    shutil.copytree(course.exercises_dir, stubs, ignore=shutil.ignore_patterns("*.ipynb", "test_*", "data"))
    report = grade(stubs, course)
    assert report.score == 0
    for t in report.tests:
        assert t.status == "error", t
        assert "not implemented yet" in t.message, t.message


def test_overflowing_sigmoid_loses_points_only_in_the_stability_test(course, root):
    report = grade(root / "examples" / "submissions" / "bob", course)
    failed = {t.name for t in report.tests if not t.passed and t.exercise == "activations"}
    assert failed == {"test_sigmoid_is_stable_for_extreme_inputs"}
    t = next(t for t in report.tests if t.name == "test_sigmoid_is_stable_for_extreme_inputs")
    assert "overflow" in t.message and t.hint


def test_grading_no_submissions_returns_no_reports(course):
    from autograder.grading.grade import grade_many

    assert grade_many([], course) == {}


def test_a_grading_session_formats_no_tracebacks(course, root, monkeypatch):
    """pytest's traceback of a failing test (one per failing example under hypothesis) is text nobody
    reads in a grading session: outcomes come from the exception. It is not made, and the message is."""
    from _pytest._code.code import ExceptionInfo

    made: list[str] = []
    getrepr = ExceptionInfo.getrepr
    monkeypatch.setattr(
        ExceptionInfo, "getrepr", lambda self, *a, **k: made.append(self.typename) or getrepr(self, *a, **k)
    )
    report = grade(root / "examples" / "submissions" / "bob", course, replay=False)
    failed = [t for t in report.tests if not t.passed]
    assert failed and all(t.message for t in failed)
    assert made == []


def test_a_grading_session_reads_no_installed_packages_metadata(course, monkeypatch):
    """Plugins are handed to pytest as modules: a ``-p NAME`` would have it read every installed
    package's entry points to find NAME, in every session (a batch job runs one per chunk)."""
    import importlib.metadata

    read: list[int] = []
    distributions = importlib.metadata.distributions
    monkeypatch.setattr(importlib.metadata, "distributions", lambda *a, **k: read.append(1) or distributions(*a, **k))
    report = grade(course.reference_dir, course)
    assert report.score == report.max_score
    assert read == []
