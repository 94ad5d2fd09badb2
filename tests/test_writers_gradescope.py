"""Gradescope results.json: the fields Gradescope reads, the final score, visibility passed through."""

from __future__ import annotations

import json

import pytest

from autograder.writers.gradescope import TEST_FIELDS, TOP_FIELDS, gradescope_results, write_gradescope
from tests.report_samples import graded, synthetic_report

# Gradescope's specification: allowed keys and their types.
TOP_TYPES = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
             "stdout_visibility": str, "extra_data": dict, "tests": list, "visibility": str,
             "test_output_format": str, "test_name_format": str, "leaderboard": list}  # fmt: skip
TEST_TYPES = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
              "number": str, "output": str, "output_format": str, "tags": list, "visibility": str,
              "extra_data": dict}  # fmt: skip
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def reports():
    return graded()


def check_document(doc: dict) -> None:
    """What Gradescope accepts: known keys, right types, allowed enum values."""
    assert set(doc) <= set(TOP_TYPES), set(doc) - set(TOP_TYPES)
    for key, value in doc.items():
        assert isinstance(value, TOP_TYPES[key]), key
    assert doc["output_format"] in FORMATS and doc["stdout_visibility"] in VISIBILITIES
    for t in doc["tests"]:
        assert set(t) <= set(TEST_TYPES), set(t) - set(TEST_TYPES)
        for key, value in t.items():
            assert isinstance(value, TEST_TYPES[key]), key
        assert t["status"] in ("passed", "failed") and t["visibility"] in VISIBILITIES
        assert t["output_format"] in FORMATS and 0 <= t["score"] <= t["max_score"]


def test_declared_field_lists_are_gradescope_fields():
    assert set(TOP_FIELDS) <= set(TOP_TYPES) and set(TEST_FIELDS) <= set(TEST_TYPES)


def test_graded_reports_give_valid_documents_whose_tests_add_up(reports):
    for label, report in reports.items():
        doc = gradescope_results(report)
        check_document(doc)
        assert len(doc["tests"]) == len(report.tests)
        assert sum(t["score"] for t in doc["tests"]) == pytest.approx(report.score), label
        assert sum(t["max_score"] for t in doc["tests"]) == pytest.approx(report.max_score), label
    assert all(t["status"] == "passed" for t in gradescope_results(reports["reference"])["tests"])
    assert all(
        t["status"] == "failed" and "not implemented" in t["output"]
        for t in gradescope_results(reports["stubs"])["tests"]
    )


def test_failed_test_output_has_message_and_hint_but_never_test_source(reports):
    mistake = next(label for label in reports if label not in ("reference", "stubs"))
    doc = gradescope_results(reports[mistake])
    failed = [t for t in doc["tests"] if t["status"] == "failed"]
    assert failed
    for t in failed:
        assert "**Hint:**" in t["output"] and "```" in t["output"]
        assert "def test_" not in t["output"] and "student." not in t["output"] and "reference." not in t["output"]


def test_late_penalty_sets_the_top_level_score_and_is_explained():
    report = synthetic_report(late=True)
    doc = gradescope_results(report)
    assert doc["score"] == pytest.approx(report.final_score) and report.final_score < report.score
    assert "20% was applied" in doc["output"]
    assert doc["extra_data"]["raw_score"] == report.score and doc["extra_data"]["late_penalty_percent"] == 20.0


def test_visibility_is_passed_through_for_gradescope_to_enforce_and_never_leaks_into_the_summary():
    doc = gradescope_results(synthetic_report())
    by_name = {t["name"]: t for t in doc["tests"]}
    assert by_name["activations.test_secret_edge_case"]["visibility"] == "hidden"
    assert by_name["cat.test_after_deadline"]["visibility"] == "after_due_date"
    assert by_name["spiking.test_published"]["visibility"] == "after_published"
    for secret in ("SECRET-HIDDEN-MESSAGE", "AFTER-DUE-MESSAGE", "PUBLISHED-MESSAGE", "test_secret_edge_case"):
        assert secret not in doc["output"]


def test_numbers_order_tests_by_exercise():
    numbers = [t["number"] for t in gradescope_results(synthetic_report())["tests"]]
    assert numbers[:4] == ["1.1", "1.2", "1.3", "2.1"]


def test_student_output_cannot_break_out_of_its_code_block(tmp_path):
    path = write_gradescope(synthetic_report(), tmp_path / "results.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    output = doc["output"]
    fence_line = next(line for line in output.splitlines() if line.startswith("```"))
    ticks = fence_line[: len(fence_line) - len(fence_line.lstrip("`"))]
    assert len(ticks) > 3  # longer than the ``` the student printed
    check_document(doc)
