"""Outcomes (autograder.grading.outcomes): the exception a test ended with as status, message and hint."""

from __future__ import annotations

import pytest

from autograder import grade, load_course
from autograder.errors import StudentStop, StudentTimeout
from autograder.grading.outcomes import classify, failing_calls, tidy_call, tidy_note
from autograder.testing import Mismatch


class _Item:
    def get_closest_marker(self, name):
        return None


def test_classify_maps_exceptions_to_statuses_and_keeps_hints():
    status, message, hint = classify(Mismatch("got 1, expected 2", "add the bias"), _Item())
    assert (status, message, hint) == ("failed", "got 1, expected 2", "add the bias")
    status, message, hint = classify(StudentStop(StudentTimeout("f() did not return within 10 s")), _Item())
    assert status == "timeout" and "did not return" in message and hint
    status, message, _ = classify(TypeError("unsupported operand"), _Item())
    assert status == "failed" and message.startswith("your answer could not be checked")


@pytest.mark.parametrize("wording", ["Falsifying example", "Failing test case"])  # hypothesis < 6.159, >= 6.159
def test_hypothesis_notes_are_reworded_without_fixture_arguments(wording):
    note = f"{wording}: test_x(\n    student=<your submission>,\n    z=array([0.]),\n)"
    tidy = tidy_note(note)
    assert tidy == "Smallest failing input: test_x(\n    z=array([0.]),\n)"


def test_fixture_arguments_printed_over_several_lines_are_left_out_whole():
    call = (
        "test_x(\n    pictures=Pictures(\n        X=array([0]),\n    ),\n    W=array([[0, 0],\n           [0, 0]]),\n)"
    )
    assert (
        tidy_call(call, ("pictures",))
        == "Smallest failing input: test_x(\n    W=array([[0, 0],\n           [0, 0]]),\n)"
    )


SHRINKING_TESTS = """\
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import expect_equal


@given(x=st.integers(0, 1000))
def test_double_matches_reference(student, reference, record, x):
    record("seen", {"x": x})
    expect_equal(student.mini.double(x), reference.mini.double(x), call=f"double({x})")
"""


def test_a_failing_hypothesis_test_shows_the_shrunk_input_without_fixtures(tmp_path):
    """Whatever hypothesis calls its minimal example ("Falsifying example" before 6.159), students see it."""
    from tests.test_batch import make_course

    root = tmp_path / "course"
    make_course(root)
    (root / "tests" / "grading" / "test_mini.py").write_text(SHRINKING_TESTS)
    yaml = (root / "course.yaml").read_text().split("exercises:\n  mini:")[0]
    (root / "course.yaml").write_text(
        yaml + "exercises:\n  mini:\n    title: t\n    tests:\n      test_double_matches_reference: 1\n"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mini.py").write_text("def double(x):\n    return 2 * x if x < 7 else 0\n")
    result = grade(tmp_path / "sub", load_course(root / "course.yaml")).exercise("mini").tests[0]
    assert result.status == "failed"
    assert result.message.startswith("double(7) returned 0")
    assert result.message.endswith("\nSmallest failing input: test_double_matches_reference(\n    x=7,\n)")
    assert not any(f"{name}=" in result.message for name in ("student", "reference", "record"))


def test_the_failing_call_hypothesis_hands_its_pytest_plugin_comes_before_its_notes():
    class Item(_Item):
        _hypothesis_failing_examples = ("test_x(\n    student=<your submission>,\n    z=1,\n)",)

    exc = AssertionError("wrong")
    exc.__notes__ = ["Failing test case: test_x(\n    z=2,\n)"]
    assert failing_calls(exc, Item()) == ["test_x(\n    student=<your submission>,\n    z=1,\n)"]
    assert failing_calls(exc, _Item()) == ["test_x(\n    z=2,\n)"]
    assert classify(exc, Item())[1] == "wrong\nSmallest failing input: test_x(\n    z=1,\n)"


def test_hidden_tests_that_cannot_be_collected_are_a_suite_error_not_ctrl_c(tmp_path):
    """pytest says "Interrupted" for collection errors too; only a real Ctrl-C may become KeyboardInterrupt."""
    from autograder.errors import SuiteError
    from tests.test_batch import make_course

    root = tmp_path / "course"
    make_course(root)
    (root / "tests" / "grading" / "test_mini.py").write_text("def test_double_matches_reference(:\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mini.py").write_text("def double(x):\n    return 2 * x\n")
    with pytest.raises(SuiteError, match="could not run"):
        grade(tmp_path / "sub", load_course(root / "course.yaml"))
