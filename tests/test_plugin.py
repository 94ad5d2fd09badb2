"""The pytest plugin: per-test settings from course.yaml (outcomes and messages: test_outcomes.py)."""

from __future__ import annotations

import dataclasses

from autograder import grade_many
from autograder.submission import load_submission


def test_max_examples_from_course_yaml_works_for_many_submissions_in_one_session(course):
    ex = course.exercise("activations")
    tests = (dataclasses.replace(ex.tests[0], max_examples=3),) + ex.tests[1:]
    exercises = tuple(dataclasses.replace(e, tests=tests) if e.id == "activations" else e for e in course.exercises)
    custom = dataclasses.replace(course, exercises=exercises)
    reports = grade_many([load_submission(course.reference_dir, label=x) for x in ("one", "two")], custom)
    assert [r.score for r in reports.values()] == [course.max_score] * 2
