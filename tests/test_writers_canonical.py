"""The canonical JSON report: valid against docs/schema/report.schema.json, strict JSON, read back intact."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import jsonschema
import pytest

from autograder.writers._common import final_score
from autograder.writers.canonical import ReportFileError, read_report, to_json, write_report
from tests.report_samples import ROOT, graded, synthetic_report

SCHEMA = json.loads((ROOT / "docs" / "schema" / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def reports():
    return graded()


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_graded_report_validates(reports):
    assert {"reference", "stubs"} <= set(reports) and len(reports) >= 3
    for label, report in reports.items():
        errors = sorted(VALIDATOR.iter_errors(json.loads(to_json(report))), key=str)
        assert not errors, f"{label}: {errors[0].message} at {list(errors[0].path)}"


def test_synthetic_report_with_every_status_and_visibility_validates():
    VALIDATOR.validate(json.loads(to_json(synthetic_report())))


def test_the_schema_rejects_what_is_not_a_report(reports):
    good = json.loads(to_json(reports["reference"]))
    bad_status = json.loads(json.dumps(good))
    bad_status["exercises"][0]["tests"][0]["status"] = "ok"
    unknown_field = dict(good, grade="A")
    missing = {k: v for k, v in good.items() if k != "suite_hash"}
    for doc in (bad_status, unknown_field, missing):
        assert not VALIDATOR.is_valid(doc)


def test_non_finite_plot_data_is_written_as_null_so_the_file_stays_strict_json(tmp_path):
    report = replace(
        synthetic_report(), artifacts={"xor": {"losses": {"student": [1.0, math.nan, math.inf], "reference": [1.0]}}}
    )
    text = to_json(report)
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["artifacts"]["xor"]["losses"]["student"] == [1.0, None, None]
    VALIDATOR.validate(data)


def test_round_trip_keeps_everything(tmp_path, reports):
    mistake = next(label for label in reports if label not in ("reference", "stubs"))
    for report in (synthetic_report(), reports[mistake], reports["stubs"]):
        path = write_report(report, tmp_path / f"{report.submission}.json")
        back = read_report(path)
        assert back.to_dict() == json.loads(to_json(report))
        assert final_score(back) == final_score(report) and back.tests == report.tests


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"submission": "x"}', "missing score, max_score, exercises"),
        ('{"submission": "x", "score": "high", "max_score": 1, "exercises": []}', "'score' must be a number"),
        (
            '{"submission": "x", "score": 1, "max_score": 1, "exercises": [{"id": "a", "tests": [{"name": "t"}]}]}',
            "exercises[0].tests[0] is missing exercise, status, score, max_score",
        ),
    ],
)
def test_a_broken_file_is_named_with_what_is_wrong(tmp_path, content, expected):
    path = tmp_path / "alice.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportFileError) as info:
        read_report(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_writing_is_atomic_no_temporary_file_is_left(tmp_path):
    write_report(synthetic_report(), tmp_path / "r.json")
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
