"""The pytest plugin: per-test settings from course.yaml, outcomes, messages."""

from __future__ import annotations

import dataclasses

import pytest

from autograder import grade, grade_many, load_course
from autograder.plugin import _classify, _tidy_call, _tidy_note
from autograder.submission import load_submission
from autograder.errors import StudentStop, StudentTimeout
from autograder.testing import Mismatch


def test_max_examples_from_course_yaml_works_for_many_submissions_in_one_session(course):
    ex = course.exercise("activations")
    tests = (dataclasses.replace(ex.tests[0], max_examples=3),) + ex.tests[1:]
    exercises = tuple(dataclasses.replace(e, tests=tests) if e.id == "activations" else e for e in course.exercises)
    custom = dataclasses.replace(course, exercises=exercises)
    reports = grade_many([load_submission(course.reference_dir, label=x) for x in ("one", "two")], custom)
    assert [r.score for r in reports.values()] == [course.max_score] * 2


class _Item:
    def get_closest_marker(self, name):
        return None


def test_classify_maps_exceptions_to_statuses_and_keeps_hints():
    status, message, hint = _classify(Mismatch("got 1, expected 2", "add the bias"), _Item())
    assert (status, message, hint) == ("failed", "got 1, expected 2", "add the bias")
    status, message, hint = _classify(StudentStop(StudentTimeout("f() did not return within 10 s")), _Item())
    assert status == "timeout" and "did not return" in message and hint
    status, message, _ = _classify(TypeError("unsupported operand"), _Item())
    assert status == "failed" and message.startswith("your answer could not be checked")


@pytest.mark.parametrize("wording", ["Falsifying example", "Failing test case"])  # hypothesis < 6.159, >= 6.159
def test_hypothesis_notes_are_reworded_without_fixture_arguments(wording):
    note = f"{wording}: test_x(\n    student=<your submission>,\n    z=array([0.]),\n)"
    tidy = _tidy_note(note)
    assert tidy == "Smallest failing input: test_x(\n    z=array([0.]),\n)"


def test_fixture_arguments_printed_over_several_lines_are_left_out_whole():
    call = "test_x(\n    pictures=Pictures(\n        X=array([0]),\n    ),\n    W=array([[0, 0],\n           [0, 0]]),\n)"
    assert _tidy_call(call, ("pictures",)) == "Smallest failing input: test_x(\n    W=array([[0, 0],\n           [0, 0]]),\n)"


SHRINKING_TESTS = '''\
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import expect_equal


@given(x=st.integers(0, 1000))
def test_double_matches_reference(student, reference, record, x):
    record("seen", {"x": x})
    expect_equal(student.mini.double(x), reference.mini.double(x), call=f"double({x})")
'''


def test_a_failing_hypothesis_test_shows_the_shrunk_input_without_fixtures(tmp_path):
    """Whatever hypothesis calls its minimal example ("Falsifying example" before 6.159), students see it."""
    from tests.test_batch import make_course

    root = tmp_path / "course"
    make_course(root)
    (root / "tests" / "grading" / "test_mini.py").write_text(SHRINKING_TESTS)
    yaml = (root / "course.yaml").read_text().split("exercises:\n  mini:")[0]
    (root / "course.yaml").write_text(yaml + "exercises:\n  mini:\n    title: t\n    tests:\n      test_double_matches_reference: 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mini.py").write_text("def double(x):\n    return 2 * x if x < 7 else 0\n")
    result = grade(tmp_path / "sub", load_course(root / "course.yaml")).exercise("mini").tests[0]
    assert result.status == "failed"
    assert result.message.startswith("double(7) returned 0")
    assert result.message.endswith("\nSmallest failing input: test_double_matches_reference(\n    x=7,\n)")
    assert not any(f"{name}=" in result.message for name in ("student", "reference", "record"))
