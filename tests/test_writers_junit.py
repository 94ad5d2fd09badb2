"""JUnit XML, read back by junitparser: one testcase per visible test, points as properties."""

from __future__ import annotations

import pytest
from junitparser import Error, Failure, JUnitXml

from autograder.writers import View
from autograder.writers.junit import junit_xml, write_junit
from tests.report_samples import graded, synthetic_report


@pytest.fixture(scope="module")
def reports():
    return graded()


def parse(tmp_path, report, view=None):
    path = write_junit(report, tmp_path / f"{report.submission}.xml", view)
    return JUnitXml.fromfile(str(path))


def case_props(case) -> dict:
    props = case._elem.find("properties")
    return {p.get("name"): p.get("value") for p in props} if props is not None else {}


def test_graded_reports_parse_with_one_case_per_test_and_points(tmp_path, reports):
    for label, report in reports.items():
        xml = parse(tmp_path, report, View.everything())
        suites = list(xml)
        assert [s.name for s in suites] == [e.id for e in report.exercises]
        cases = [c for s in suites for c in s]
        assert len(cases) == len(report.tests)
        for case, t in zip(cases, report.tests):
            assert (case.classname, case.name) == (t.exercise, t.name)
            props = case_props(case)
            assert float(props["score"]) == pytest.approx(t.score, abs=0.01)
            assert float(props["max_score"]) == pytest.approx(t.max_score, abs=0.01)
            assert case.is_passed == t.passed, (label, t.name)
        assert xml.tests == len(report.tests)
        assert xml.failures + xml.errors == sum(not t.passed for t in report.tests)


def test_failures_and_errors_carry_message_and_hint(tmp_path, reports):
    stubs = parse(tmp_path, reports["stubs"], View.everything())
    results = [r for s in stubs for c in s for r in c.result]
    assert results and all(isinstance(r, Error) for r in results)
    assert all("not implemented" in (r.message or "") for r in results)
    mistake = next(label for label in reports if label not in ("reference", "stubs"))
    failures = [r for s in parse(tmp_path, reports[mistake], View.everything()) for c in s for r in c.result]
    assert failures and all(isinstance(r, Failure) for r in failures)
    assert all("Hint:" in (r.text or "") for r in failures)


def test_student_view_aggregates_hidden_tests(tmp_path):
    xml = parse(tmp_path, synthetic_report(), View())
    names = [c.name for s in xml for c in s]
    text = (tmp_path / "synthetic.xml").read_text()
    assert "test_secret_edge_case" not in names and "SECRET-HIDDEN-MESSAGE" not in text
    assert "AFTER-DUE-MESSAGE" not in text and "PUBLISHED-MESSAGE" not in text
    activations = next(s for s in xml if s.name == "activations")
    hidden = next(c for c in activations if c.name == "hidden tests")
    assert case_props(hidden)["count"] == "1" and not hidden.is_passed
    xor = next(s for s in xml if s.name == "xor")
    assert next(c for c in xor if c.name == "hidden tests").is_passed


def test_statuses_map_to_failure_or_error(tmp_path):
    xml = parse(tmp_path, synthetic_report(), View.everything())
    kinds = {c.name: type(c.result[0]).__name__ for s in xml for c in s if c.result}
    assert kinds["test_relu"] == "Failure"
    assert kinds["test_forward"] == kinds["test_cost"] == kinds["test_lif"] == "Error"


def test_control_characters_from_student_text_do_not_break_the_xml(tmp_path):
    from dataclasses import replace

    from autograder.model import ExerciseResult

    report = synthetic_report()
    ex = report.exercises[0]
    bad = replace(ex.tests[1], message="got \x00\x1b[31mred\x07 and \ufffe")
    report = replace(
        report,
        exercises=(ExerciseResult(ex.id, ex.title, ex.score, ex.max_score, (ex.tests[0], bad, ex.tests[2])),)
        + report.exercises[1:],
    )
    xml = parse(tmp_path, report, View.everything())
    case = next(c for s in xml for c in s if c.name == "test_relu")
    assert "red" in case.result[0].text
    assert junit_xml(report).startswith('<?xml version="1.0" encoding="UTF-8"?>')
