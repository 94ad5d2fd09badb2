"""templates/gradescope/run_autograder, run for real against a temporary folder standing in for /autograder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.platforms.gradescope import find_submission, main
from tests.report_samples import ROOT
from tests.test_writers_gradescope import check_document

SCRIPT = ROOT / "templates" / "gradescope" / "run_autograder"
SETUP = ROOT / "templates" / "gradescope" / "setup.sh"


def run_autograder(root: Path, course: Path | None = ROOT / "course.yaml", script: Path = SCRIPT,
                   pythonpath: Path = ROOT) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable, PYTHONPATH=str(pythonpath))
    env.pop("AUTOGRADER_COURSE", None)
    if course is not None:
        env["AUTOGRADER_COURSE"] = str(course)
    return subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=300)


def test_the_scripts_are_executable_bash():
    for script in (SCRIPT, SETUP):
        assert os.access(script, os.X_OK), script
        assert script.read_text().startswith("#!/usr/bin/env bash")
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0


@pytest.mark.slow
def test_the_zip_unpacked_as_gradescope_does_grades_a_late_submission_in_a_subfolder(tmp_path, capsys):
    # Build the upload, unpack it where Gradescope does (/autograder/source) and run its run_autograder.
    assert main(["--make-zip", str(tmp_path / "autograder.zip"), "--course", str(ROOT / "course.yaml")]) == 0
    with zipfile.ZipFile(tmp_path / "autograder.zip") as zf:
        names = zf.namelist()
        assert {"setup.sh", "run_autograder", "course.yaml", "pyproject.toml"} <= set(names)
        assert any(n.startswith("tests/grading/test_") for n in names) and "autograder/platforms/gradescope.py" in names
        assert not any(n.startswith(("tests/test_", "tests/golden", "examples/", ".git")) for n in names)
        zf.extractall(tmp_path / "source")
    source = tmp_path / "source"
    os.chmod(source / "run_autograder", 0o755)
    (tmp_path / "submission" / "neurons").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "submissions" / "bob" / "activations.py", tmp_path / "submission" / "neurons")
    (tmp_path / "submission" / "__MACOSX").mkdir()
    # Gradescope's due date (an extension: later than course.yaml's), submitted 2 days and 1 minute after it.
    meta = {"created_at": "2027-01-10T00:00:00.000000+00:00", "users": [{"name": "Bob"}],
            "assignment": {"due_date": "2027-01-07T23:59:00.000000+00:00", "total_points": "16.0"}}  # fmt: skip
    (tmp_path / "submission_metadata.json").write_text(json.dumps(meta))
    done = run_autograder(tmp_path, course=None, script=source / "run_autograder", pythonpath=source)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "results" / "results.json").read_text())
    check_document(doc)
    failed = [t["name"] for t in doc["tests"] if t["status"] == "failed"]
    assert "activations.test_sigmoid_is_stable_for_extreme_inputs" in failed
    raw = sum(t["score"] for t in doc["tests"])
    assert doc["extra_data"]["late_penalty_percent"] == 20.0  # 2 days 1 min late, less 15 min grace: 2 started days
    assert doc["score"] == pytest.approx(raw * 0.8)
    assert doc["extra_data"]["submitted_at"].startswith("2027-01-10T00:00:00")


def test_an_empty_submission_gets_zero_with_an_explanation(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "notes.txt").write_text("I forgot to upload")
    done = run_autograder(tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "results" / "results.json").read_text())
    check_document(doc)
    assert doc["score"] == 0 and "activations.py" in doc["output"]


def test_a_broken_course_writes_no_results_so_staff_see_an_autograder_failure(tmp_path):
    (tmp_path / "submission").mkdir()
    shutil.copy(ROOT / "examples" / "submissions" / "bob" / "activations.py", tmp_path / "submission")
    bad = tmp_path / "course.yaml"
    bad.write_text("course: [unclosed\n")
    done = run_autograder(tmp_path, course=bad)
    assert done.returncode == 2
    assert "course.yaml" in done.stderr and "nothing was graded" in done.stderr
    assert not (tmp_path / "results" / "results.json").exists()


def test_find_submission_prefers_the_top_then_the_only_subfolder_with_code(tmp_path):
    (tmp_path / "a").mkdir()
    assert find_submission(tmp_path) == tmp_path  # nothing anywhere: stay at the top
    (tmp_path / "a" / "activations.py").write_text("")
    assert find_submission(tmp_path) == tmp_path / "a"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "neuron.py").write_text("")
    assert find_submission(tmp_path) == tmp_path  # ambiguous: do not guess
    (tmp_path / "top.py").write_text("")
    assert find_submission(tmp_path) == tmp_path
