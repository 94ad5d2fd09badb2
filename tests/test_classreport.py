"""Reading a class's reports together: broken files named, gradebook columns, Canvas layout, hardest tests."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from autograder.classes.classreport import canvas_rows, gradebook_csv, gradebook_rows, load_results, write_csv
from autograder.config import GradebookColumns
from autograder.errors import AutograderError
from autograder.writers.canonical import write_report
from tests.report_samples import graded


@pytest.fixture(scope="module")
def reports():
    return graded()


@pytest.fixture
def results_dir(tmp_path, reports):
    for label, report in reports.items():
        write_report(report, tmp_path / f"{label}.json")
    late = reports["reference"].with_late_penalty("2026-12-20T10:00:00+00:00", 20.0)
    write_report(late, tmp_path / "late_larry.json")
    (tmp_path / "broken.json").write_text('{"submission": "x", "score": ')
    (tmp_path / "notes.txt").write_text("not a report")
    (tmp_path / ".hidden.json").write_text("{}")
    return tmp_path


def test_broken_files_are_named_and_every_other_student_is_kept(results_dir, reports, course):
    results = load_results(results_dir, course)
    assert sorted(s.student for s in results.students) == sorted([*reports, "late_larry"])
    assert len(results.unreadable) == 1 and "broken.json" in results.unreadable[0]
    assert "not valid JSON" in results.unreadable[0]
    assert results.warnings == ()


def test_gradebook_has_the_configured_columns_and_one_row_per_student(results_dir, reports, course):
    columns = GradebookColumns(student="Username", total="Raw", late_penalty="Late %", final="Neurons (4711)",
                               exercise_prefix="Neurons: ")  # fmt: skip
    rows = gradebook_rows(load_results(results_dir, course), columns)
    assert rows[0] == ["Username", *[f"Neurons: {e.id}" for e in course.exercises], "Raw", "Late %", "Neurons (4711)"]
    by_student = {r[0]: r for r in rows[1:]}
    assert len(by_student) == len(reports) + 1
    ref = by_student["reference"]
    assert float(ref[-1]) == course.max_score and ref[-2] == "0"
    larry = by_student["late_larry"]
    assert (
        float(larry[-3]) == course.max_score
        and larry[-2] == "20"
        and float(larry[-1]) == pytest.approx(course.max_score * 0.8)
    )
    stubs = by_student["stubs"]
    assert all(float(x) == 0 for x in stubs[1:])


def test_csv_round_trips_through_the_csv_module(results_dir, course, tmp_path):
    rows = gradebook_rows(load_results(results_dir, course), course.gradebook)
    path = write_csv(rows, tmp_path / "out" / "gradebook.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == rows


def test_canvas_layout_puts_the_student_columns_canvas_requires_first(results_dir, course):
    rows = canvas_rows(load_results(results_dir, course), GradebookColumns(final="Neurons 3.1 (123456)"))
    header = rows[0]
    # Canvas's importer: Student, ID, SIS User ID, SIS Login ID, Section, then assignments.
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] and header[5:] == [
        "Neurons 3.1 (123456)"
    ]
    larry = next(r for r in rows if r[0] == "late_larry")
    assert larry[3] == "late_larry" and float(larry[5]) == pytest.approx(course.max_score * 0.8)


def test_names_that_look_like_formulas_stay_text(tmp_path, reports, course):
    write_report(reports["reference"], tmp_path / "=HYPERLINK(1).json")
    rows = gradebook_rows(load_results(tmp_path, course))
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert "'=HYPERLINK" in gradebook_csv(canvas_rows(load_results(tmp_path, course)))


def test_tests_are_sorted_hardest_first(results_dir, course):
    stats = load_results(results_dir, course).test_stats()
    counts = [s.not_passed for s in stats]
    assert counts == sorted(counts, reverse=True)
    hardest = stats[0]
    assert hardest.not_passed >= 1 and hardest.example  # at least one mistake
    assert sum(hardest.statuses.values()) == hardest.graded
    assert all(s.not_attempted == 1 for s in stats)  # the stubs attempted nothing: counted apart, not as failures
    assert {(s.exercise, s.name) for s in stats} == {(t.exercise, t.name) for e in course.exercises for t in e.tests}


def test_reports_from_a_different_suite_are_flagged(tmp_path, reports, course):
    for name in ("a", "b"):
        write_report(reports["reference"], tmp_path / f"{name}.json")
    write_report(replace(reports["reference"], suite_hash="ffffffffffffffff"), tmp_path / "odd.json")
    results = load_results(tmp_path, course)
    assert len(results.warnings) == 1 and "odd" in results.warnings[0] and "different suite" in results.warnings[0]


def test_without_a_course_exercises_come_from_the_reports(results_dir, course):
    results = load_results(results_dir)
    assert [e.id for e in results.exercises] == [e.id for e in course.exercises]
    assert results.course == course.name


def test_a_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(AutograderError, match="no such results folder"):
        load_results(tmp_path / "nope")


def test_summary_numbers(results_dir, course):
    s = load_results(results_dir, course).summary()
    assert s["students"] == 5 and s["late"] == 1 and s["full_marks"] == 1 and s["min"] == 0 and s["max"] == 100
