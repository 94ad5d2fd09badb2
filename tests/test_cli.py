"""The CLI entry point: main(argv) -> int, exit statuses, and errors that say what to fix."""

from __future__ import annotations

import json

import pytest

from autograder.cli import COMMANDS, build_parser, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([name, "--help"])
    assert done.value.code == 0
    assert f"autograder {name}" in capsys.readouterr().out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert "autograder" in capsys.readouterr().out


def test_grade_reference_exits_zero_and_writes_json(course, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["grade", str(course.reference_dir), "--course", str(course.path), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["score"] == data["max_score"] == course.max_score
    assert "total" in capsys.readouterr().out


def test_low_score_is_not_an_error_but_fail_under_is(course, root, capsys):
    stubs = str(course.exercises_dir)
    assert main(["grade", stubs, "--course", str(course.path), "--quiet"]) == 0
    assert main(["grade", stubs, "--course", str(course.path), "--quiet", "--fail-under", "50"]) == 1
    assert "below --fail-under" in capsys.readouterr().err


def test_broken_course_yaml_exits_two_naming_the_file(tmp_path, course, capsys):
    bad = tmp_path / "course.yaml"
    bad.write_text("course: x\nreference: solutions\ntests: tests\nexercises: {}\n")
    assert main(["grade", str(course.reference_dir), "--course", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "error" in err


def test_missing_submission_exits_two(course, tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nobody"), "--course", str(course.path)]) == 2
    assert "no such submission folder" in capsys.readouterr().err
