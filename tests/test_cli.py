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


def _fake_hypothesis_plugin(tmp_path):
    """A package beside the grader that registers a hypothesis entry point (it could register
    strategies, or do anything at import), proved to load with a plain import of hypothesis:
    (environment, the file its loading writes, a course, a class folder with one submission)."""
    import os
    import subprocess
    import sys

    from tests.test_batch import REFERENCE, make_course

    site = tmp_path / "site"
    (site / "fakeplug-1.0.dist-info").mkdir(parents=True)
    (site / "fakeplug-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 1.0\n")
    (site / "fakeplug-1.0.dist-info" / "entry_points.txt").write_text("[hypothesis]\nfake = fakeplug:hook\n")
    mark = tmp_path / "loaded"
    (site / "fakeplug.py").write_text(f"def hook():\n    open({str(mark)!r}, 'w').write('loaded')\n")
    course = make_course(tmp_path / "course")
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / "mini.py").write_text(REFERENCE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("HYPOTHESIS_NO_PLUGINS", None)
    probe = subprocess.run([sys.executable, "-c", "import hypothesis"], env=env, capture_output=True, text=True)
    assert probe.returncode == 0 and mark.exists(), "the fake plugin is found by a plain import of hypothesis"
    mark.unlink()
    return env, mark, course, tmp_path / "class"


def test_hypothesis_plugins_of_other_installed_packages_never_load_when_grading(tmp_path):
    """The autograder command does not run another package's hypothesis entry point."""
    import subprocess
    import sys

    env, mark, course, klass = _fake_hypothesis_plugin(tmp_path)
    graded = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(klass / "alice"), "--course", str(course), "--quiet"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    assert not mark.exists()


def test_hypothesis_plugins_never_load_in_the_jobs_of_a_class_graded_through_the_api(tmp_path):
    """``grade_class`` called from a program that did not go through the command: its grading jobs
    do not run another package's hypothesis entry point either."""
    import subprocess
    import sys

    env, mark, course, klass = _fake_hypothesis_plugin(tmp_path)
    program = (
        "import io, sys\nfrom autograder.classes.batch import grade_class\n"
        "s = grade_class(sys.argv[1], sys.argv[2], sys.argv[3], jobs=1, stream=io.StringIO())\n"
        "assert s.students == ['alice'], s.students\n"
    )
    graded = subprocess.run(
        [sys.executable, "-c", program, str(klass), str(tmp_path / "out"), str(course)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    assert (tmp_path / "out" / "alice.json").exists()
    assert not mark.exists()


GC_PROBE = """
import gc, sys
from autograder import grade, load_course
from autograder.grading.headstart import head_start
course = load_course(sys.argv[1])
if sys.argv[3] == "head start":
    head_start(course, trusted_code=True).join()
    assert not gc.isenabled(), "start-up runs without the collector"
report = grade(sys.argv[2], course, trusted_code=True, replay=False)
assert report.score == report.max_score
print(gc.isenabled(), gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize("how, frozen", [("head start", True), ("library call", False)])
def test_the_garbage_collector_pauses_only_for_start_up_and_only_after_a_head_start(tmp_path, how, frozen):
    """``autograder grade`` pauses the collector while it starts (grading.headstart); the hidden tests run with it
    on again. A library call of grade() leaves the collector as it found it."""
    import subprocess
    import sys

    from tests.test_batch import REFERENCE, make_course

    course = make_course(tmp_path / "course")
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "mini.py").write_text(REFERENCE)
    done = subprocess.run(
        [sys.executable, "-c", GC_PROBE, str(course), str(tmp_path / "alice"), how], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", str(frozen)]
