"""`autograder report RESULTS_DIR` end to end: real report files in, gradebook and summaries out."""

from __future__ import annotations

import csv
from dataclasses import replace

from autograder import load_course, model
from autograder.cli import main
from autograder.writers.canonical import write_report
from tests.report_samples import ROOT, synthetic_report


def _course_yaml(tmp_path, gradebook: str) -> str:
    text = (ROOT / "course.yaml").read_text(encoding="utf-8")
    for key in ("reference", "tests", "exercises_dir"):
        text = text.replace(f"\n{key}: ", f"\n{key}: {ROOT}/", 1)
    path = tmp_path / "course.yaml"
    path.write_text(text + "gradebook:\n" + gradebook, encoding="utf-8")
    return str(path)


def _results_dir(tmp_path, course, broken: bool):
    c = load_course(course)
    folder = tmp_path / "results"
    folder.mkdir()
    base = synthetic_report(late=False)
    # A report shaped like this course: every test of course.yaml, alternately passed and failed.
    exercises = []
    for e in c.exercises:
        tests = tuple(model.TestResult(t.name, e.id, "passed" if i % 2 else "failed", t.points if i % 2 else 0.0, t.points,
                                 "" if i % 2 else "wrong", "", t.visibility) for i, t in enumerate(e.tests))  # fmt: skip
        exercises.append(model.ExerciseResult(e.id, e.title, sum(t.score for t in tests), e.max_score, tests))
    score = sum(e.score for e in exercises)
    report = replace(base, exercises=tuple(exercises), score=score, max_score=c.max_score, artifacts={})
    write_report(report, folder / "alice.json")
    write_report(report.with_late_penalty("2027-01-01T00:00:00+00:00", 50.0), folder / "bob.json")
    if broken:
        (folder / "carol.json").write_text("{")
    return folder, score


def test_report_writes_gradebook_with_course_yaml_columns_and_summaries(tmp_path, capsys):
    course = _course_yaml(tmp_path, '  student: "Username"\n  final: "Neurons 3.1 (4711)"\n  exercise_prefix: "ex_"\n')
    folder, score = _results_dir(tmp_path, course, broken=False)
    code = main(["report", str(folder), "--course", course, "--canvas", str(tmp_path / "canvas.csv")])
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("2 students, mean")
    with open(folder / "gradebook.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Username"] for r in rows] == ["alice", "bob"]
    assert float(rows[0]["Neurons 3.1 (4711)"]) == score and float(rows[1]["Neurons 3.1 (4711)"]) == score / 2
    assert rows[1]["late_penalty_percent"] == "50" and "ex_activations" in rows[0]
    with open(tmp_path / "canvas.csv", encoding="utf-8-sig", newline="") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Neurons 3.1 (4711)"]
    assert (folder / "summary.md").read_text(encoding="utf-8").startswith("# Neurons · class summary")
    assert '<img src="data:image/png;base64,' in (folder / "summary.html").read_text(encoding="utf-8")


def test_a_broken_report_is_named_the_rest_is_written_and_the_exit_status_is_1(tmp_path, capsys):
    course = _course_yaml(tmp_path, '  student: "student"\n')
    folder, _ = _results_dir(tmp_path, course, broken=True)
    out_dir = tmp_path / "out"
    code = main(["report", str(folder), "--course", course, "--out", str(out_dir)])
    captured = capsys.readouterr()
    assert code == 1
    assert "carol.json" in captured.err and "not valid JSON" in captured.err
    with open(out_dir / "gradebook.csv", encoding="utf-8-sig", newline="") as fh:
        assert [r["student"] for r in csv.DictReader(fh)] == ["alice", "bob"]
    assert "carol.json" in (out_dir / "summary.md").read_text(encoding="utf-8")


def test_a_missing_results_folder_exits_2_naming_it(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope"), "--course", str(ROOT / "course.yaml")]) == 2
    assert "nope" in capsys.readouterr().err


def test_feedback_writes_each_students_own_view(tmp_path, capsys):
    course = _course_yaml(tmp_path, '  student: "student"\n')
    folder, _ = _results_dir(tmp_path, course, broken=False)
    code = main(["report", str(folder), "--course", course, "--feedback", str(tmp_path / "feedback")])
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "feedback").iterdir())
    assert written == ["alice.html", "alice.md", "bob.html", "bob.md"]
    bob = (tmp_path / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "50% late penalty" in bob and "## Neurons · synthetic" in bob
