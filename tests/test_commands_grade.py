"""``autograder grade``: the class form (CLASS_DIR --out OUT_DIR) next to the single-submission form."""

from __future__ import annotations

import json

from autograder.cli import main
from tests.test_batch import REFERENCE, SUBMISSIONS, make_course


def _setup(tmp_path):
    course_yaml = make_course(tmp_path / "course")
    klass = tmp_path / "class"
    for student in ("alice", "bob"):
        (klass / student).mkdir(parents=True)
        (klass / student / "mini.py").write_text(SUBMISSIONS[student])
    return course_yaml, klass


def test_grading_a_class_writes_reports_and_a_gradebook(tmp_path, capsys):
    course_yaml, klass = _setup(tmp_path)
    out = tmp_path / "out"
    code = main(["grade", str(klass), "--out", str(out), "--jobs", "2", "--course", str(course_yaml)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "2 students: 2 graded, 0 up to date" in captured.out
    assert "2/2 graded" in captured.err and "ETA" in captured.err  # progress on stderr, plain text (no TTY)
    assert json.loads((out / "alice.json").read_text())["score"] == 4
    assert json.loads((out / "bob.json").read_text())["score"] == 2
    assert (out / "gradebook.csv").is_file()

    code = main(["grade", str(klass), "--out", str(out), "--course", str(course_yaml)])
    assert code == 0
    assert "0 graded, 2 up to date" in capsys.readouterr().out


def test_a_class_folder_needs_out(tmp_path, capsys):
    course_yaml, klass = _setup(tmp_path)
    assert main(["grade", str(klass), "--course", str(course_yaml)]) == 2
    assert "add --out OUT_DIR" in capsys.readouterr().err


def test_class_options_on_a_single_submission_are_refused_with_the_reason(tmp_path, capsys):
    course_yaml, klass = _setup(tmp_path)
    assert main(["grade", str(klass / "alice"), "--out", str(tmp_path / "o"), "--course", str(course_yaml)]) == 2
    err = capsys.readouterr().err
    assert "not a class folder" in err and "one sub-folder per student" in err


def test_single_submission_options_on_a_class_are_refused(tmp_path, capsys):
    course_yaml, klass = _setup(tmp_path)
    code = main(["grade", str(klass), "--out", str(tmp_path / "o"), "--json", str(tmp_path / "r.json"),
                 "--course", str(course_yaml)])  # fmt: skip
    assert code == 2
    assert "--json" in capsys.readouterr().err
    assert not (tmp_path / "o" / "alice.json").exists()


def test_the_single_submission_form_still_works(tmp_path, capsys):
    course_yaml, klass = _setup(tmp_path)
    report = tmp_path / "alice.json"
    assert main(["grade", str(klass / "alice"), "--course", str(course_yaml), "--json", str(report)]) == 0
    assert json.loads(report.read_text())["score"] == 4
    assert "alice" in capsys.readouterr().out


def test_jobs_must_be_positive(tmp_path, capsys):
    course_yaml, klass = _setup(tmp_path)
    (klass / "carol").mkdir()
    (klass / "carol" / "mini.py").write_text(REFERENCE)
    assert main(["grade", str(klass), "--out", str(tmp_path / "o"), "--jobs", "0", "--course", str(course_yaml)]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err
