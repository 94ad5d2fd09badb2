"""`autograder grade` with every report flag: every file written and readable by its consumer.

Grading itself is tested elsewhere (tests/test_grade.py, the Gradescope run);
here ``grade`` returns a report graded once for all the writer tests, so
this module tests the command's wiring: flags, late policy, outputs.
"""

from __future__ import annotations

import base64
import json
import shutil

import jsonschema
from junitparser import JUnitXml

from autograder.cli import main
from tests.report_samples import ROOT, graded
from tests.test_writers_gradescope import check_document


def _graded_mistake(*args, **kwargs):
    reports = graded()
    return reports[next(label for label in reports if label not in ("reference", "stubs"))]


def _must_not_grade(*args, **kwargs):
    raise AssertionError("graded although the submission time was unreadable")


def test_grade_writes_every_format_with_the_late_policy(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("autograder.grading.grade.grade", _graded_mistake)
    sub = tmp_path / "bob"
    shutil.copytree(ROOT / "examples" / "submissions" / "bob", sub)
    (sub / "timestamp.txt").write_text("2026-12-30 12:00:00.000000 UTC\n")  # overridden by --submitted-at below
    out = tmp_path / "out"
    github_output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    code = main([
        "grade", str(sub), "--course", str(ROOT / "course.yaml"), "--json", str(out / "r.json"),
        "--html", str(out / "r.html"), "--markdown", str(out / "r.md"), "--junit", str(out / "r.xml"),
        "--gradescope", str(out / "results.json"), "--classroom", "--submitted-at", "2026-12-19T23:30:00+01:00",
    ])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out

    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "docs" / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    assert report["late_penalty"] == 10.0  # 23h31m late, less 15 min grace: one started day
    assert report["submitted_at"] == "2026-12-19T23:30:00+01:00"
    assert report["final_score"] == round(report["score"] * 0.9, 6)
    assert printed.rstrip().splitlines()[-1] == f"Points {round(report['final_score'], 2):g}/{report['max_score']:g}"

    gradescope = json.loads((out / "results.json").read_text(encoding="utf-8"))
    check_document(gradescope)
    assert gradescope["score"] == report["final_score"]

    xml = JUnitXml.fromfile(str(out / "r.xml"))
    assert xml.failures >= 1 and xml.tests >= 1

    outputs = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    result = json.loads(base64.b64decode(outputs["result"]))
    assert sum(t["score"] for t in result["tests"]) == report["final_score"]

    assert "### What to fix" in (out / "r.md").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in (out / "r.html").read_text(encoding="utf-8")


def test_a_bad_submission_time_stops_before_grading_and_names_the_flag(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("autograder.grading.grade.grade", _must_not_grade)
    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "examples" / "submissions" / "bob", sub)
    code = main(["grade", str(sub), "--course", str(ROOT / "course.yaml"), "--submitted-at", "last tuesday",
                 "--json", str(tmp_path / "r.json")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "--submitted-at" in err and "2026-12-18T23:59:00+01:00" in err
    assert not (tmp_path / "r.json").exists()


def test_a_broken_timestamp_file_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("autograder.grading.grade.grade", _must_not_grade)
    sub = tmp_path / "sub"
    shutil.copytree(ROOT / "examples" / "submissions" / "bob", sub)
    (sub / "timestamp.txt").write_text("soon")
    assert main(["grade", str(sub), "--course", str(ROOT / "course.yaml")]) == 2
    assert str(sub / "timestamp.txt") in capsys.readouterr().err


def test_the_reader_view_follows_the_flags_and_the_deadline(course):
    import datetime as dt
    from argparse import Namespace

    from autograder.commands._outputs import student_view

    assert student_view(course, Namespace(show_hidden=True)).instructor
    before = student_view(course, Namespace(published=True), now=course.deadline - dt.timedelta(hours=1))
    assert before.published and not before.after_due and not before.instructor
    after = student_view(course, Namespace(), now=course.deadline + dt.timedelta(seconds=1))
    assert after.after_due and not after.published
