"""Submission times (command line, nbgrader timestamp.txt, git) and the late policy applied to a report."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import replace

import pytest

from autograder.config import LatePolicy
from autograder.late import LateError, apply_late_policy, git_commit_time, nbgrader_time, parse_time, submission_time
from tests.report_samples import synthetic_report

UTC = dt.timezone.utc
CET = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-12-18 23:59:00.000000 UTC", dt.datetime(2026, 12, 18, 23, 59, tzinfo=UTC)),
        ("2026-12-18 23:59:00.123456789 utc\n", dt.datetime(2026, 12, 18, 23, 59, 0, 123456, tzinfo=UTC)),
        ("\ufeff2026-12-18 23:59:00 GMT", dt.datetime(2026, 12, 18, 23, 59, tzinfo=UTC)),
        ("2026-12-18T23:59:00+01:00", dt.datetime(2026, 12, 18, 23, 59, tzinfo=CET)),
        ("2026-12-18T22:59:00Z", dt.datetime(2026, 12, 18, 22, 59, tzinfo=UTC)),
        ("2026-12-18 23:59:00 +0100", dt.datetime(2026, 12, 18, 23, 59, tzinfo=CET)),
        ("2026-12-18T23:59:00", dt.datetime(2026, 12, 18, 23, 59, tzinfo=UTC)),  # naive: UTC, as nbgrader writes
        ("2026-12-18", dt.datetime(2026, 12, 18, tzinfo=UTC)),
    ],
)
def test_parse_time_reads_iso_and_nbgrader_formats(text, expected):
    got = parse_time(text)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize("text", ["", "yesterday", "18/12/2026 23:59", "2026-13-45 99:00:00 UTC"])
def test_unreadable_times_are_errors_that_show_the_expected_format(text):
    with pytest.raises(LateError, match="2026-12-18T23:59:00"):
        parse_time(text, source="timestamp.txt")


def test_nbgrader_timestamp_file(tmp_path):
    assert nbgrader_time(tmp_path) is None
    (tmp_path / "timestamp.txt").write_text("2026-12-19 08:00:00.000000 UTC\n")
    assert nbgrader_time(tmp_path) == dt.datetime(2026, 12, 19, 8, tzinfo=UTC)
    (tmp_path / "timestamp.txt").write_text("garbage")
    with pytest.raises(LateError, match=str(tmp_path / "timestamp.txt")):
        nbgrader_time(tmp_path)


def _git(folder, *args, env=None):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_git_commit_time_of_a_student_repository(tmp_path):
    repo = tmp_path / "alice"
    repo.mkdir()
    assert git_commit_time(repo) is None  # not a repository
    _git(repo, "init", "-q")
    assert git_commit_time(repo) is None  # no commits yet
    (repo / "activations.py").write_text("x = 1\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@x", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@x", GIT_COMMITTER_DATE="2026-12-19T09:30:00+01:00",
               GIT_AUTHOR_DATE="2026-12-01T00:00:00+00:00")  # fmt: skip
    _git(repo, "add", ".", env=env)
    _git(repo, "commit", "-q", "-m", "work", env=env)
    assert git_commit_time(repo) == dt.datetime(2026, 12, 19, 9, 30, tzinfo=CET)  # committer time, not author time
    assert git_commit_time(repo, exclude=tmp_path / "alice") is None  # the course's own repository does not count
    assert git_commit_time(repo, exclude=tmp_path / "elsewhere") is not None


def test_precedence_command_line_then_timestamp_then_git(tmp_path):
    (tmp_path / "timestamp.txt").write_text("2026-12-19 08:00:00.000000 UTC")
    assert submission_time(tmp_path, "2026-12-17T12:00:00Z") == (
        dt.datetime(2026, 12, 17, 12, tzinfo=UTC),
        "command line",
    )
    assert submission_time(tmp_path) == (dt.datetime(2026, 12, 19, 8, tzinfo=UTC), "timestamp.txt")
    assert submission_time(tmp_path / "timestamp.txt")[1] == "timestamp.txt"  # a file: its folder
    empty = tmp_path / "empty"
    empty.mkdir()
    assert submission_time(empty, course_root=empty) == (None, "")
    assert submission_time(None) == (None, "")


def test_late_policy_grace_days_and_cap(course):
    # course.yaml: deadline 2026-12-18T23:59+01:00, 15 minutes grace, 10% per started day, at most 50%.
    report = synthetic_report(late=False)
    deadline = course.deadline
    cases = [
        (deadline - dt.timedelta(hours=1), 0.0),
        (deadline + dt.timedelta(minutes=15), 0.0),
        (deadline + dt.timedelta(minutes=16), 10.0),
        (deadline + dt.timedelta(days=1, minutes=15), 10.0),
        (deadline + dt.timedelta(days=1, minutes=16), 20.0),
        (deadline + dt.timedelta(days=30), 50.0),
    ]
    for submitted, penalty in cases:
        late = apply_late_policy(report, course, submitted)
        assert late.late_penalty == penalty, submitted
        assert late.final_score == pytest.approx(report.score * (1 - penalty / 100))
        assert parse_time(late.submitted_at) == submitted


def test_no_submission_time_leaves_the_report_unchanged(course):
    report = synthetic_report(late=False)
    assert apply_late_policy(report, course, None) is report


def test_a_deadline_override_wins_over_course_yaml(course):
    report = synthetic_report(late=False)
    extended = course.deadline + dt.timedelta(days=3)
    submitted = course.deadline + dt.timedelta(days=2)
    assert apply_late_policy(report, course, submitted).late_penalty == 20.0
    assert apply_late_policy(report, course, submitted, deadline=extended).late_penalty == 0.0


def test_without_a_deadline_nothing_is_late(course):
    no_deadline = replace(course, deadline=None, late=LatePolicy(penalty_per_day=10))
    late = apply_late_policy(synthetic_report(late=False), no_deadline, dt.datetime(2099, 1, 1, tzinfo=UTC))
    assert late.late_penalty == 0.0 and late.submitted_at.startswith("2099")
