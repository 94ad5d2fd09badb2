"""The Classroom 50 bundle, run the way Classroom 50's runner runs it, with no network.

The runner downloads ``CLASSROOM/autograders/ASSIGNMENT/`` and runs its ``autograder.py`` with the
student's checkout as working directory and its environment set. Here: the bundle is built for a
cut-down course (one lesson, few examples: the pipeline is under test, not the hidden tests), laid
out under a folder standing in for the Pages site, and run with this interpreter and
``PIP_NO_INDEX=1`` (the wheel installs offline; the requirements are already installed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.authoring.wheel import build_wheel
from autograder.cli import main as cli_main
from autograder.config import load_course
from autograder.errors import ConfigError
from autograder.platforms import classroom50 as classroom50_run
from autograder.platforms.classroom50 import BUNDLE_LIMIT, main, make_bundle
from tests.report_samples import ROOT
from tests.test_templates import _instructor_course
from tests.test_writers_classroom50 import RUNNER_ENV, check_result

BOB = ROOT / "examples" / "submissions" / "bob"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return _instructor_course(tmp_path_factory.mktemp("c50") / "course") / "course.yaml"


@pytest.fixture(scope="module")
def bundle(course, tmp_path_factory) -> Path:
    pages = tmp_path_factory.mktemp("pages") / "neurons-2026"  # CLASSROOM/ on the Pages site
    return make_bundle(load_course(course), pages, "neurons")


def checkout(folder: Path, *files: Path) -> Path:
    """A student's checkout: their modules, a README, and a result.json they committed themselves."""
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy(f, folder)
    (folder / "README.md").write_text("my work\n")
    (folder / "result.json").write_text(json.dumps({"score": 100, "max-score": 100}))
    return folder


def run_autograder(bundle: Path, cwd: Path, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GITHUB_", "AUTOGRADER_"))}
    env.update(RUNNER_ENV, CLASSROOM50_BUNDLE_DIR=str(bundle), RUNNER_TEMP=str(tmp_path / "runner-temp"),
               GITHUB_OUTPUT=str(tmp_path / "github_output"), PIP_NO_INDEX="1", **extra)  # fmt: skip
    return subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def outputs(tmp_path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (tmp_path / "github_output").read_text().splitlines())


def test_the_bundle_holds_the_script_the_wheel_and_the_course(bundle, course):
    names = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert bundle.parts[-2:] == ("autograders", "neurons")
    assert {"autograder.py", "requirements.txt", "README.md", "course/course.yaml"} <= set(names)
    assert "course/tests/grading/test_activations.py" in names and "course/solutions/activations.py" in names
    assert not any("__pycache__" in n or n.startswith("course/exercises") for n in names)
    assert os.access(bundle / "autograder.py", os.X_OK)
    assert sum((bundle / n).stat().st_size for n in names) < BUNDLE_LIMIT
    wheel = next(bundle.glob("neurons_autograder-*-py3-none-any.whl"))
    with zipfile.ZipFile(wheel) as zf:
        inside = zf.namelist()
    assert "autograder/platforms/classroom50.py" in inside and not any(
        n.startswith(("solutions/", "tests/")) for n in inside
    )
    assert "numpy" in (bundle / "requirements.txt").read_text() and "not secret" in (bundle / "README.md").read_text()
    text = (bundle / "autograder.py").read_text()
    compile(text, "autograder.py", "exec")  # the runner's Python 3.14 needs only the standard library
    assert "import autograder" not in text
    from autograder.grading.calibration import load_book

    assert [n for n in names if n.startswith("course/.autograder-cache/calibration-")]
    assert load_book(load_course(bundle / "course" / "course.yaml")) is not None  # valid for the bundled course


def test_the_bundle_refuses_bad_names_and_a_non_empty_folder(bundle, course):
    c = load_course(course)
    with pytest.raises(ConfigError, match="assignment 'Neurons!'"):
        make_bundle(c, bundle.parent.parent, "Neurons!")
    with pytest.raises(ConfigError, match="--force"):
        make_bundle(c, bundle.parent.parent, "neurons")


def test_run_as_the_runner_runs_it_a_graded_result_validates(bundle, tmp_path):
    cwd = checkout(tmp_path / "alice", BOB / "activations.py")
    done = run_autograder(bundle, cwd, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(tmp_path / "runner-temp") in done.stdout  # the grader that ran is the bundled wheel, installed there
    doc = json.loads((cwd / "result.json").read_text())
    check_result(doc)
    assert doc["classroom"] == "neurons-2026" and doc["owner"] == "alice" and doc["submission"].startswith("submit/")
    assert 0 < doc["score"] < doc["max-score"] == load_course(bundle / "course" / "course.yaml").max_score
    failed = [t["test-name"] for t in doc["tests"] if not t["passed"]]
    assert "activations.test_sigmoid_is_stable_for_extreme_inputs" in failed
    assert outputs(tmp_path) == {"status": "failure", "summary": f"Score {doc['score']}/{doc['max-score']}: "
                                 f"{len(failed)} test{'s' if len(failed) != 1 else ''} failed"}  # fmt: skip
    assert "sigmoid" in (cwd / "release-body.md").read_text()
    assert not [p.name for p in cwd.iterdir() if p.name.startswith(".")]  # no temporary files left behind


def test_a_submission_the_grader_cannot_read_gets_an_error_result(bundle, tmp_path):
    cwd = checkout(tmp_path / "mallory")
    for i in range(201):
        (cwd / f"m{i}.py").write_text("x = 1\n")
    done = run_autograder(bundle, cwd, tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads((cwd / "result.json").read_text())
    check_result(doc)
    assert doc["score"] == 0 and doc["max-score"] > 0 and doc["tests"][0]["status"] == "error"
    assert "more than 200 files" in doc["tests"][0]["message"] and outputs(tmp_path)["status"] == "error"


def test_a_grader_that_dies_still_leaves_a_valid_result(bundle, tmp_path):
    cwd = checkout(tmp_path / "slow", BOB / "activations.py")
    done = run_autograder(bundle, cwd, tmp_path, AUTOGRADER_TIMEOUT="0.001")  # no grader starts that fast
    assert done.returncode == 0, done.stderr
    doc = json.loads((cwd / "result.json").read_text())
    check_result(doc)
    assert doc["score"] == 0 and "took longer than" in doc["tests"][0]["message"]


def test_a_broken_course_records_nothing_and_exits_2(bundle, tmp_path):
    broken = tmp_path / "bundle"
    shutil.copytree(bundle, broken)
    (broken / "course" / "course.yaml").write_text("course: [unclosed\n")
    cwd = checkout(tmp_path / "bob", BOB / "activations.py")
    done = run_autograder(broken, cwd, tmp_path)
    assert done.returncode == 2 and "nothing was graded" in done.stderr
    assert not (cwd / "result.json").exists()  # the student's own result.json is gone, not taken for a grade
    (broken / "course" / "course.yaml").unlink()
    done = run_autograder(broken, cwd, tmp_path)
    assert done.returncode == 2 and "course/course.yaml" in done.stderr


def test_an_unexpected_crash_while_grading_gives_an_error_result(course, tmp_path, monkeypatch, capsys):
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(classroom50_run, "grade", crash)
    for name in ("CLASSROOM", "SUBMISSION_TAG", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    cwd = checkout(tmp_path / "carol", BOB / "activations.py")
    code = main(["--course", str(course), "--submission", str(cwd), "--out", str(cwd / "result.json"),
                 "--release-body", str(cwd / "release-body.md")])  # fmt: skip
    assert code == 0
    doc = json.loads((cwd / "result.json").read_text())
    check_result(doc)
    assert doc["submission"] == "submit/local" and "RuntimeError" in doc["tests"][0]["message"]
    assert "could not be graded" in (cwd / "release-body.md").read_text()
    empty = checkout(tmp_path / "dave")
    assert main(["--course", str(course), "--submission", str(empty), "--out", str(empty / "result.json")]) == 0
    doc = json.loads((empty / "result.json").read_text())
    check_result(doc)
    assert doc["tests"][0]["status"] == "failed" and "activations.py" in doc["tests"][0]["message"]


def test_grade_writes_classroom50_and_bundle_needs_a_target(course, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    out = tmp_path / "result.json"
    assert cli_main(["grade", str(BOB), "--course", str(course), "--classroom50", str(out), "--quiet"]) == 0
    check_result(json.loads(out.read_text()))
    assert cli_main(["bundle", "--course", str(course)]) == 2
    assert "--classroom50 CLASSROOM_DIR" in capsys.readouterr().err


def test_bundle_gradescope_writes_the_zip_and_the_wheel_is_reproducible(course, tmp_path, capsys):
    assert cli_main(["bundle", "--course", str(course), "--gradescope", str(tmp_path / "autograder.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "autograder.zip") as zf:
        assert "run_autograder" in zf.namelist()
    first, second = build_wheel(tmp_path / "a"), build_wheel(tmp_path / "b")
    assert first.name == second.name and first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        meta = zf.read(f"{first.name.split('-py3')[0]}.dist-info/METADATA").decode()
    assert "Name: neurons-autograder" in meta and "Requires-Dist: numpy" in meta
