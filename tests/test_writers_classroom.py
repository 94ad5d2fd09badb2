"""GitHub Classroom: the runner result the grading reporter decodes, and the Points line."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest

from autograder.writers import View
from autograder.writers.classroom import RESULT_FIELDS, TEST_FIELDS, classroom_result, emit_classroom, points_line
from tests.report_samples import graded, synthetic_report

# The runner result as classroom-resources/autograding-*-grader write it and the grading reporter reads it.
TEST_TYPES = {"name": str, "status": str, "score": (int, float), "message": str, "test_code": str, "filename": str,
              "line_no": int, "duration": (int, float)}  # fmt: skip


@pytest.fixture(scope="module")
def reports():
    return graded()


def reporter_totals(result: dict) -> tuple[float, float]:
    """What the grading reporter computes: the sum of the tests' scores, and max_score."""
    return sum(t["score"] for t in result["tests"]), result["max_score"]


def check_result(result: dict) -> None:
    assert set(result) == set(RESULT_FIELDS)
    assert result["version"] == 1 and result["status"] in ("pass", "fail", "error")
    assert isinstance(result["max_score"], (int, float)) and result["max_score"] > 0
    for t in result["tests"]:
        assert set(t) == set(TEST_FIELDS) == set(TEST_TYPES)
        for key, value in t.items():
            assert isinstance(value, TEST_TYPES[key]), key
        assert t["status"] in ("pass", "fail", "error") and t["test_code"] == ""


def test_graded_reports_give_results_the_reporter_totals_correctly(reports):
    for label, report in reports.items():
        result = classroom_result(report)
        check_result(result)
        points, maximum = reporter_totals(result)
        assert points == pytest.approx(report.score) and maximum == report.max_score, label
    assert classroom_result(reports["reference"])["status"] == "pass"
    stubs = classroom_result(reports["stubs"])
    assert stubs["status"] == "fail" and {t["status"] for t in stubs["tests"]} == {"error"}


def test_hidden_tests_become_one_entry_without_names_or_messages():
    report = synthetic_report(late=False)
    result = classroom_result(report, View())
    text = json.dumps(result)
    for secret in ("test_secret_edge_case", "SECRET-HIDDEN-MESSAGE", "test_hidden_passed", "AFTER-DUE-MESSAGE",
                   "test_after_deadline", "PUBLISHED-MESSAGE"):  # fmt: skip
        assert secret not in text
    names = [t["name"] for t in result["tests"]]
    assert "activations: 1 hidden test" in names and "xor: 1 hidden test" in names
    hidden = next(t for t in result["tests"] if t["name"] == "activations: 1 hidden test")
    assert hidden["status"] == "fail" and hidden["score"] == 0 and "0/2 points" in hidden["message"]
    assert reporter_totals(result)[0] == pytest.approx(report.score)


def test_after_the_deadline_after_due_date_tests_are_shown():
    result = classroom_result(synthetic_report(late=False), View(after_due=True))
    assert any(t["name"] == "cat.test_after_deadline" and "AFTER-DUE-MESSAGE" in t["message"] for t in result["tests"])
    assert "SECRET-HIDDEN-MESSAGE" not in json.dumps(result)


def test_late_penalty_is_a_negative_entry_so_the_sum_is_the_final_score():
    report = synthetic_report(late=True)
    result = classroom_result(report, View.everything())
    late = [t for t in result["tests"] if t["name"] == "late penalty"]
    assert len(late) == 1 and late[0]["score"] < 0
    assert reporter_totals(result)[0] == pytest.approx(report.final_score)
    assert points_line(report) == f"Points {report.final_score:g}/{report.max_score:g}"


def test_messages_cannot_inject_workflow_commands_or_fake_points():
    result = classroom_result(synthetic_report(late=False), View())
    relu = next(t for t in result["tests"] if t["name"] == "activations.test_relu")
    for line in re.split(r"[\r\n]", relu["message"]):
        assert not line.lstrip().startswith("::") and not re.match(r"\s*points\b", line, re.IGNORECASE), line
    assert "pwned" in relu["message"]  # shown, defused


def test_emit_prints_points_and_appends_step_outputs(tmp_path):
    report = synthetic_report(late=True)
    out_file = tmp_path / "github_output"
    out_file.write_text("earlier=1\n")
    stdout = io.StringIO()
    result = emit_classroom(report, View(), stdout=stdout, github_output=out_file)
    assert re.fullmatch(r"Points \d+(\.\d+)?/\d+(\.\d+)?\n", stdout.getvalue())
    lines = out_file.read_text().splitlines()
    assert lines[0] == "earlier=1"  # appended, not overwritten
    outputs = dict(line.split("=", 1) for line in lines)
    assert json.loads(base64.b64decode(outputs["result"])) == result
    assert outputs["points"] == points_line(report).split(" ", 1)[1]


def test_without_github_output_nothing_is_written(monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.chdir(tmp_path)
    emit_classroom(synthetic_report(), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []
