"""The pytest plugin: per-test settings from course.yaml, outcomes, messages."""

from __future__ import annotations

import dataclasses

from autograder import grade_many
from autograder.plugin import _classify, _tidy_note
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


def test_hypothesis_notes_are_reworded_without_fixture_arguments():
    note = "Falsifying example: test_x(\n    student=<your submission>,\n    z=array([0.]),\n)"
    tidy = _tidy_note(note)
    assert tidy.startswith("Smallest failing input:") and "student=" not in tidy and "z=array([0.])" in tidy
