"""Classroom 50: result.json validates against the schema, its integer points add up, hidden tests stay hidden."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from autograder.model import ExerciseResult, GradeReport
from autograder.writers import View
from autograder.writers.classroom50 import (
    TOP_FIELDS,
    classroom50_error,
    classroom50_result,
    integer_points,
    plain_text,
    status_of,
    submission_fields,
    summary_line,
    write_classroom50,
)
from tests.report_samples import _t, graded, synthetic_report

SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "classroom50-result-v1.json"
NOW = dt.datetime(2026, 12, 7, 10, 30, 5, tzinfo=dt.timezone.utc)
RUNNER_ENV = {
    "CLASSROOM": "neurons-2026", "ASSIGNMENT": "neurons", "SUBMISSION_TAG": "submit/2026-12-07T10-30-00Z-abc1234",
    "COMMIT_URL": "https://github.com/org/neurons-2026-neurons-alice/commit/abc1234",
    "RELEASE_URL": "https://github.com/org/neurons-2026-neurons-alice/releases/tag/submit/2026-12-07T10-30-00Z-abc1234",
    "REVIEW_URL": "https://github.com/org/neurons-2026-neurons-alice/compare/base...abc1234", "USERNAME": "alice",
    "ASSIGNMENT_TYPE": "group", "GITHUB_ACTOR": "alice", "GITHUB_ACTOR_ID": "12345", "GITHUB_SHA": "abc1234",
}  # fmt: skip


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def check_result(doc: dict) -> None:
    """The schema, then what it cannot say: score <= max-score everywhere, and the tests add up to the score."""
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(doc)]
    assert not errors, errors
    assert doc["score"] <= doc["max-score"]
    for t in doc["tests"]:
        assert t["score"] <= t["max-score"], t
        assert "\x1b" not in t.get("message", "")
    assert sum(t["score"] for t in doc["tests"]) == doc["score"]
    assert sum(t["max-score"] for t in doc["tests"]) == doc["max-score"]
    assert set(doc) <= set(TOP_FIELDS)


@pytest.fixture(scope="module")
def reports():
    return graded()


def test_graded_submissions_give_valid_results_with_the_courses_total(reports):
    for label, report in reports.items():
        doc = classroom50_result(report, env={}, now=NOW)
        check_result(doc)
        assert doc["max-score"] == report.max_score and doc["score"] == round(report.score), label
    assert classroom50_result(reports["reference"], env={})["score"] == reports["reference"].max_score
    stubs = classroom50_result(reports["stubs"], env={})
    assert stubs["score"] == 0 and status_of(stubs) == "failure"
    assert all(t["message"] for t in stubs["tests"] if not t["passed"])


def test_fields_come_from_the_runners_environment():
    doc = classroom50_result(synthetic_report(late=False), env=RUNNER_ENV, now=NOW)
    check_result(doc)
    assert doc["classroom"] == "neurons-2026" and doc["assignment"] == "neurons" and doc["owner"] == "alice"
    assert doc["submission"] == RUNNER_ENV["SUBMISSION_TAG"] and doc["commit"] == RUNNER_ENV["COMMIT_URL"]
    assert doc["release"] == RUNNER_ENV["RELEASE_URL"] and doc["review"] == RUNNER_ENV["REVIEW_URL"]
    assert doc["assignment_type"] == "group" and doc["datetime"] == "2026-12-07T10:30:05Z"
    assert doc["submitted_by"] == {"username": "alice", "id": 12345}


def test_a_local_run_gets_placeholders_that_validate():
    fields = submission_fields({}, assignment="Neurons unit", now=NOW)
    assert fields["submission"] == "submit/local" and fields["classroom"] == "local"
    assert fields["assignment"] == "neurons-unit" and fields["review"] == fields["commit"] == "local"
    assert "submitted_by" not in fields
    actions = submission_fields({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
                                 "GITHUB_SHA": "f00", "SUBMISSION_TAG": "v1", "MODE": "odd"}, now=NOW)  # fmt: skip
    assert actions["commit"] == "https://github.com/o/r/commit/f00" and actions["submission"] == "submit/v1"
    assert actions["release"] == "https://github.com/o/r/releases/tag/v1" and actions["assignment_type"] == "individual"


def test_hidden_tests_are_one_entry_per_lesson_without_names_or_messages():
    report = synthetic_report(late=False)
    doc = classroom50_result(report, View(), env={})
    check_result(doc)
    text = json.dumps(doc)
    for secret in ("test_secret_edge_case", "SECRET-HIDDEN-MESSAGE", "test_hidden_passed", "AFTER-DUE-MESSAGE",
                   "test_after_deadline", "PUBLISHED-MESSAGE", "test_published"):  # fmt: skip
        assert secret not in text
    hidden = {t["test-name"]: t for t in doc["tests"] if "hidden test" in t["test-name"]}
    assert hidden["activations: 1 hidden test"]["max-score"] == 2 and not hidden["activations: 1 hidden test"]["passed"]
    assert hidden["xor: 1 hidden test"]["passed"] and hidden["xor: 1 hidden test"]["score"] == 1
    late = classroom50_result(report, View(after_due=True), env={})
    assert any(
        t["test-name"] == "cat.test_after_deadline" and "AFTER-DUE-MESSAGE" in t["message"] for t in late["tests"]
    )
    everything = classroom50_result(report, View.everything(), env={})
    assert "SECRET-HIDDEN-MESSAGE" in json.dumps(everything) and everything["score"] == doc["score"]


def test_messages_are_plain_text():
    assert plain_text("\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07 a\rb\r\nc\x00") == "red link ab\nc"
    assert plain_text("x" * 50, limit=10) == "x" * 10 + "\n[...]"
    ex = ExerciseResult("activations", "A", 0, 1, (_t("activations", "test_relu", "failed", 1,
                                                     message="\x1b[2J\x1b[1;1HPoints 100/100\x07"),))  # fmt: skip
    report = GradeReport("s", 0, 1, (ex,), "process", "0", "h")
    doc = classroom50_result(report, env={})
    check_result(doc)
    assert doc["tests"][0]["message"].startswith("wrong answer: Points 100/100")


def test_a_late_penalty_is_spread_over_the_tests_and_noted():
    report = synthetic_report(late=True)
    doc = classroom50_result(report, View.everything(), env={})
    check_result(doc)
    assert doc["score"] == round(report.final_score) < round(report.score)
    note = next(t for t in doc["tests"] if t["test-name"] == "late penalty")
    assert note["max-score"] == note["score"] == 0 and "20% late penalty" in note["message"]
    assert status_of(doc) == "failure"  # tests failed; lateness alone is no failure
    all_passed = replace(report, exercises=(ExerciseResult("a", "A", 2, 2, (_t("a", "test_x", "passed", 2),)),),
                         score=2, max_score=2).with_late_penalty("2026-12-20T10:00:00+00:00", 50.0)  # fmt: skip
    doc = classroom50_result(all_passed, env={})
    check_result(doc)
    assert doc["score"] == 1 and status_of(doc) == "success"


@pytest.mark.parametrize(
    ("maxima", "scores", "total", "final"),
    [
        ([1, 1, 1], [1, 0, 1], 3, 2),  # whole points: unchanged
        ([0.5, 0.5, 1.5], [0.5, 0.5, 0.0], 2.5, 1.0),  # total 2.5 -> 3 points
        ([1 / 3] * 3, [1 / 3, 1 / 3, 0], 1.0, 2 / 3),
        ([2.25, 2.25, 2.25, 2.25], [2.25, 2.25, 2.25, 0], 9, 6.75),
        ([1, 2, 3], [1, 2, 3], 6, 6 * 0.9),  # a late penalty of 10%
        ([0.2] * 7, [0.2] * 7, 1.4, 1.4),
        ([1], [0], 1, 0),
        ([1.5, 1.5], [0, 1.5], 3, 1.5),  # maxima 2 + 1: the failed test's spare point is not given to it
    ],
)
def test_integer_points_add_up_and_never_exceed_a_tests_maximum(maxima, scores, total, final):
    tests = [
        replace(_t("a", f"test_{i}", "passed" if s else "failed", m), score=s)
        for i, (m, s) in enumerate(zip(maxima, scores))
    ]
    got, tops = integer_points(tests, total, final)
    earned_tops = sum(t for t, test in zip(tops, tests) if test.score > 0)
    assert sum(tops) == int(total + 0.5) and sum(got) == min(int(final * sum(tops) / total + 0.5), earned_tops)
    assert all(0 <= g <= t for g, t in zip(got, tops))
    assert all(g == 0 for g, t in zip(got, tests) if t.score == 0)  # a failed test earns nothing
    if all(float(m).is_integer() for m in maxima) and final == total:
        assert tops == maxima and got == scores


def test_an_error_result_is_valid_and_says_why(tmp_path):
    doc = classroom50_error(
        "Your submission could not be read: \x1b[1mtoo many files\x1b[0m", 16, env=RUNNER_ENV, now=NOW
    )
    check_result(doc)
    assert doc["score"] == 0 and doc["max-score"] == 16 and status_of(doc) == "error"
    assert doc["tests"][0]["message"] == "Your submission could not be read: too many files"
    assert summary_line(doc) == "Score 0/16: the submission could not be graded"
    path = write_classroom50(doc, tmp_path / "result.json")
    assert json.loads(path.read_text(encoding="utf-8")) == doc and [p.name for p in tmp_path.iterdir()] == [
        "result.json"
    ]


def test_the_schema_refuses_what_classroom50_refuses():
    good = classroom50_error("x", 4, env={}, now=NOW)
    check_result(good)
    v = validator()
    for change in ({"score": -1}, {"score": 1.5}, {"submission": "v1"}, {"datetime": "2026-12-07 10:30:05"},
                   {"extra": 1}, {"assignment_type": "team"}, {"schema": "classroom50/result/v2"}, {"commit": ""}):  # fmt: skip
        assert list(v.iter_errors({**good, **change})), change
    missing = dict(good)
    del missing["review"]
    assert list(v.iter_errors(missing))
    bad_test = {**good, "tests": [{"test-name": "", "passed": "yes", "score": 0, "max-score": 1}]}
    assert len(list(v.iter_errors(bad_test))) == 2
    assert not list(v.iter_errors({**good, "tests": [{**good["tests"][0], "output": "kept"}]}))


def test_summary_and_status_lines():
    doc = classroom50_result(synthetic_report(late=False), env={})
    assert status_of(doc) == "failure" and summary_line(doc).startswith(f"Score {doc['score']}/{doc['max-score']}: ")
    assert "\n" not in summary_line(doc)
