"""course.yaml: validated once, with errors that name the file, the line, the key and the fix."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from autograder.config import LatePolicy, load_course
from autograder.errors import ConfigError


def write_course(tmp_path: Path, text: str) -> Path:
    (tmp_path / "solutions").mkdir(parents=True, exist_ok=True)
    (tmp_path / "tests").mkdir(exist_ok=True)
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """\
course: Demo
reference: solutions
tests: tests
exercises:
  activations:
    tests:
      test_a: 2
      test_b: {points: 1, visibility: hidden, hint: read the docs}
"""


def test_a_valid_course_becomes_typed_objects(tmp_path):
    course = load_course(write_course(tmp_path, BASE))
    assert course.name == "Demo"
    ex = course.exercise("activations")
    assert [t.name for t in ex.tests] == ["test_a", "test_b"]
    assert ex.max_score == 3 and course.max_score == 3
    assert course.test("activations", "test_b").visibility == "hidden"
    assert course.limits.call_timeout == 10 and course.isolation == "auto"


def test_the_bundled_course_is_valid(course):
    assert course.max_score > 0
    assert course.reference_dir.name == "solutions"


def test_unknown_key_gets_did_you_mean_and_line(tmp_path):
    path = write_course(tmp_path, BASE + "sandbox:\n  call_timout: 5\n")
    with pytest.raises(ConfigError) as err:
        load_course(path)
    text = str(err.value)
    assert str(path) in text and ":10:" in text
    assert "sandbox.call_timout" in text and "did you mean 'call_timeout'" in text


def test_wrong_type_names_key_file_and_line(tmp_path):
    path = write_course(tmp_path, BASE.replace("test_a: 2", "test_a: two"))
    with pytest.raises(ConfigError, match=r"course.yaml:7: exercises.activations.tests.test_a: must be a number"):
        load_course(path)


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda t: t.replace("reference: solutions", "reference: nowhere"), "folder .* does not exist"),
        (lambda t: t.replace("course: Demo\n", ""), "course: is required"),
        (lambda t: t.replace("visibility: hidden", "visibility: secret"), "'secret' is not allowed"),
        (lambda t: t.replace("visibility: hidden", "visibility: hiden"), "did you mean 'hidden'"),
        (lambda t: t.replace("test_a: 2", "check_a: 2"), "start with test_"),
        (lambda t: t + "deadline: 2026-12-18T23:59:00\n", "needs a time zone"),
        (lambda t: t + "deadline: tomorrow\n", "must be a date and time"),
        (lambda t: t + "sandbox:\n  memory_mb: -5\n", "must be at least 1"),
        (lambda t: t + "sandbox:\n  isolation: docker\n", "'docker' is not allowed"),
        (lambda t: t + "data:\n  source: hdf5\n", "data.path: is required"),
        (lambda t: t.replace("  activations:\n", "  activations:\n    titel: x\n"), "did you mean 'title'"),
        (lambda t: t + "exercises: {}\n", "appears twice"),
    ],
)
def test_invalid_values_are_refused_with_the_fix(tmp_path, edit, words):
    with pytest.raises(ConfigError, match=words):
        load_course(write_course(tmp_path, edit(BASE)))


def test_broken_yaml_names_the_line(tmp_path):
    path = write_course(tmp_path, BASE + "late:\n  grace_minutes: [1\n")
    with pytest.raises(ConfigError, match=r"course.yaml:\d+: not valid YAML"):
        load_course(path)


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(ConfigError, match="empty"):
        load_course(write_course(tmp_path / "empty", ""))
    (tmp_path / "none").mkdir()
    with pytest.raises(ConfigError, match="no course.yaml found"):
        load_course(tmp_path / "none")


def test_deadline_and_late_policy(tmp_path):
    course = load_course(
        write_course(
            tmp_path,
            BASE + "deadline: 2026-12-18T23:59:00+00:00\n"
            "late: {grace_minutes: 15, penalty_per_day: 10, max_penalty: 25}\n",
        )
    )
    deadline = course.deadline
    assert deadline == dt.datetime(2026, 12, 18, 23, 59, tzinfo=dt.timezone.utc)
    late = course.late
    assert late.penalty(deadline + dt.timedelta(minutes=10), deadline) == 0
    assert late.penalty(deadline + dt.timedelta(minutes=20), deadline) == 10
    assert late.penalty(deadline + dt.timedelta(days=1, minutes=20), deadline) == 20
    assert late.penalty(deadline + dt.timedelta(days=9), deadline) == 25
    assert LatePolicy().penalty(None, deadline) == 0


def test_suite_hash_changes_with_the_hidden_tests(tmp_path, root):
    work = tmp_path / "course"
    shutil.copytree(root / "solutions", work / "solutions")
    shutil.copytree(root / "tests" / "grading", work / "tests" / "grading")
    shutil.copy(root / "course.yaml", work / "course.yaml")
    before = load_course(work / "course.yaml").suite_hash()
    assert before == load_course(work / "course.yaml").suite_hash()
    with open(work / "tests" / "grading" / "test_activations.py", "a") as fh:
        fh.write("\n# changed\n")
    assert load_course(work / "course.yaml").suite_hash() != before
