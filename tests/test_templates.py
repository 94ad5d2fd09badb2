"""The CI templates: valid workflow files, safe by construction, and their commands really work.

Validation uses the GitHub Actions and GitLab CI JSON schemas kept in tests/schemas/ (actionlint's
PyPI wrapper downloads a binary at install time, which CI without internet cannot do), plus the
checks below that a schema cannot express (no expressions inside scripts, pinned actions, step
references that exist, secrets only where needed, scripts that parse).

The end-to-end test is the issue's "done when": release into a temporary folder, make it a git
repository, fill in the reference solution, run the student workflow's commands, then grade the
result through the instructor workflow's commands.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from autograder.authoring.release import default_pip_spec, release
from autograder.config import load_course
from tests.catalogue import strip_markers
from tests.workflow_runner import EXPRESSION, evaluate, make_shims, run_github_job, run_gitlab_job

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
GITHUB = {"student": TEMPLATES / "github" / "student.yml", "instructor": TEMPLATES / "github" / "grade.yml"}
GITLAB = {
    "student": TEMPLATES / "gitlab" / "student.gitlab-ci.yml",
    "instructor": TEMPLATES / "gitlab" / "grade.gitlab-ci.yml",
}
SCRIPTS = [TEMPLATES / "fetch-submissions.sh"]
JOB_ENV_CONTEXTS = {"github", "needs", "strategy", "matrix", "vars", "secrets", "inputs"}  # no runner, no steps


def load(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # "on:" stays a string key
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def _schema(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def _typed(path: Path) -> Any:
    """YAML as the CI reads it (numbers are numbers), for the schema check."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _fix_on(data: dict) -> dict:
    if True in data:  # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("templates") / "student"
    release(load_course(ROOT / "course.yaml"), out)
    return out


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize("kind", ["student", "instructor"])
def test_github_workflows_match_the_schema(kind, released):
    path = released / ".github/workflows/classroom.yml" if kind == "student" else GITHUB[kind]
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in _schema("github-workflow.schema.json").iter_errors(_fix_on(_typed(path)))
    ]
    assert not errors, errors


@pytest.mark.parametrize("kind", ["student", "instructor"])
def test_gitlab_pipelines_match_the_schema(kind, released):
    path = released / ".gitlab-ci.yml" if kind == "student" else GITLAB[kind]
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in _schema("gitlab-ci.schema.json").iter_errors(_typed(path))
    ]
    assert not errors, errors


CLASSROOM50 = TEMPLATES / "classroom50" / "autograde.yaml"


def test_classroom50_shim_is_autograde_grade_calling_the_teachers_runner():
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in _schema("github-workflow.schema.json").iter_errors(_fix_on(_typed(CLASSROOM50)))
    ]
    assert not errors, errors
    wf = load(CLASSROOM50)
    assert wf["name"] == "Autograde" and list(wf["jobs"]) == ["grade"]
    assert wf["on"]["push"]["branches"] == ["main"] and wf["on"]["push"]["tags"] == ["submit/*"]
    assert re.fullmatch(
        r"[\w-]+/classroom50/\.github/workflows/autograde-runner\.yaml@main", wf["jobs"]["grade"]["uses"]
    )
    assert wf["permissions"] == {"contents": "write", "statuses": "write", "pull-requests": "write"}
    text = CLASSROOM50.read_text(encoding="utf-8")
    assert "secrets." not in text and "tests/grading" not in text
    assert "LEGACY" in GITHUB["student"].read_text(encoding="utf-8")  # GitHub Classroom's template says it is legacy


def test_the_schema_check_catches_mistakes():
    broken = _fix_on(_typed(GITHUB["student"]))
    broken["jobs"]["check"]["steps"][0]["uses"] = 42
    broken["jobs"]["check"]["runs_on"] = "ubuntu-latest"
    assert len(list(_schema("github-workflow.schema.json").iter_errors(broken))) >= 1
    gl = _typed(GITLAB["student"])
    gl["public-checks"]["script"] = {"not": "a list"}
    assert list(_schema("gitlab-ci.schema.json").iter_errors(gl))


@pytest.mark.parametrize("kind", ["student", "instructor"])
def test_github_workflows_are_safe_by_construction(kind):
    wf = load(GITHUB[kind])
    for job_id, job in wf["jobs"].items():
        ids = {s["id"] for s in job["steps"] if "id" in s}
        for value in (job.get("env") or {}).values():
            for expr in EXPRESSION.findall(value):
                roots = set(re.findall(r"(?<![\w.'])([a-z_]+)\.", expr))
                assert roots <= JOB_ENV_CONTEXTS, f"{job_id}: job env may not use {roots - JOB_ENV_CONTEXTS}"
        for step in job["steps"]:
            if "run" in step:
                # untrusted text (branch names, commit messages) must reach scripts through env, never ${{ }}
                assert "${{" not in step["run"], f"{step.get('name')}: expression inside run"
                assert (
                    subprocess.run(
                        ["bash", "-n"], input=step["run"], text=True, capture_output=True, check=False
                    ).returncode
                    == 0
                )
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})", step["uses"]), step["uses"]
            text = json.dumps(step)
            for ref in re.findall(r"steps\.([\w-]+)\.", text):
                assert ref in ids, f"{step.get('name')}: steps.{ref} does not exist"
    perms = wf.get("permissions") or {}
    assert perms.get("contents") == "read" and "write" not in {perms.get("contents"), perms.get("actions")}


def test_student_workflow_runs_check_on_every_push_and_knows_no_secret():
    wf = load(GITHUB["student"])
    assert "push" in wf["on"]
    text = GITHUB["student"].read_text(encoding="utf-8")
    assert "secrets." not in text and "tests/grading" not in text and "solutions" not in text
    runs = [s.get("run", "") for s in wf["jobs"]["check"]["steps"]]
    assert any('autograder check --markdown "$GITHUB_STEP_SUMMARY"' in r for r in runs)
    gl = GITLAB["student"].read_text(encoding="utf-8")
    assert "autograder check" in gl and "CLASSROOM_TOKEN" not in gl and "tests/grading" not in gl


def test_instructor_workflow_triggers_and_keeps_the_token_in_one_step():
    wf = load(GITHUB["instructor"])
    assert {"repository_dispatch", "schedule"} <= set(wf["on"])
    assert wf["on"]["repository_dispatch"]["types"] == ["grade"]
    steps = wf["jobs"]["grade"]["steps"]
    with_secret = [s.get("name") for s in steps if "secrets." in json.dumps(s)]
    assert with_secret == ["Fetch submissions"]
    assert "secrets." not in json.dumps(wf["jobs"]["grade"].get("env", {}))
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and "grades" in upload["with"]["path"]
    gl = load(GITLAB["instructor"])
    assert any("unset CLASSROOM_TOKEN" in line for line in gl["grade-submissions"]["script"])


def test_shell_scripts_and_pipeline_lines_parse():
    for script in SCRIPTS:
        assert subprocess.run(["bash", "-n", str(script)], capture_output=True, check=False).returncode == 0, script
    for path in GITLAB.values():
        for job in (v for v in load(path).values() if isinstance(v, dict) and "script" in v):
            lines = "\n".join([*job.get("before_script", []), *job["script"]])
            assert (
                subprocess.run(["bash", "-n"], input=lines, text=True, capture_output=True, check=False).returncode == 0
            )


def test_expressions_evaluate_like_github():
    ctx = {"vars": {"ROSTER": ""}, "secrets": {"T": "s3cret"}}
    assert evaluate("${{ vars.ROSTER || 'roster.txt' }}", ctx) == "roster.txt"
    assert evaluate("${{ secrets.T }}", ctx) == "s3cret"
    with pytest.raises(ValueError):
        evaluate("${{ toJSON(github) }}", ctx)


# --------------------------------------------------------------------------- end to end


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "s@example.org", "GIT_COMMITTER_NAME": "Student",
           "GIT_COMMITTER_EMAIL": "s@example.org", "HOME": str(repo.parent), "PATH": "/usr/bin:/bin"}  # fmt: skip
    out = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _fill_in_reference(repo: Path) -> None:
    for f in (ROOT / "solutions").glob("*.py"):
        (repo / f.name).write_text(strip_markers(f.read_text(encoding="utf-8")), encoding="utf-8")


GRADED = ("activations",)  # the instructor's run grades these lessons: enough for the pipeline, quick to grade


def _instructor_course(folder: Path) -> Path:
    """A copy of the private course repository, cut down to the ``GRADED`` lessons with few hypothesis examples.

    The pipeline (fetch, class grading, gradebook, summary) is what is under test here; every
    lesson's hidden tests are exercised by tests/grading and the catalogue.
    """
    course = load_course(ROOT / "course.yaml")
    folder.mkdir(parents=True)
    data = yaml.safe_load(course.path.read_text(encoding="utf-8"))
    data["exercises"] = {k: v for k, v in data["exercises"].items() if k in GRADED}
    data.setdefault("hypothesis", {})["max_examples"] = 5
    (folder / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    ignore = shutil.ignore_patterns("__pycache__")
    for sub in (course.reference_dir, course.exercises_dir, TEMPLATES):
        shutil.copytree(sub, folder / sub.relative_to(ROOT), ignore=ignore)
    hidden = folder / course.tests_dir.relative_to(ROOT)
    hidden.mkdir(parents=True)
    for f in course.tests_dir.iterdir():
        if f.is_file() and (not f.name.startswith("test_") or f.stem[len("test_") :] in GRADED):
            shutil.copy2(f, hidden / f.name)
    return folder


def _points(stdout: str) -> str:
    return [line for line in stdout.splitlines() if line.startswith("Points ")][-1]


@pytest.mark.slow
def test_release_push_check_and_grade_end_to_end(tmp_path):
    course = load_course(ROOT / "course.yaml")
    repo = tmp_path / "alice-repo"
    release(course, repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "Starter code")
    log = tmp_path / "shim.log"
    shims = make_shims(tmp_path / "bin", log)
    workflow = load(repo / ".github/workflows/classroom.yml")

    # The starter code: the workflow runs and fails, as it should while tests fail.
    run = run_github_job(workflow, "check", workspace=repo, runner_temp=tmp_path / "t0", env=shims,
                         contexts={"vars": {}})  # fmt: skip
    assert run.step("Install the autograder").returncode == 0
    assert f"pip -m pip install --quiet {default_pip_spec()}" in log.read_text(encoding="utf-8")
    starter = run.step("Run the public tests")
    assert starter.returncode == 1 and _points(starter.stdout).startswith("Points 0/")

    # The student's work (the reference, markers stripped), committed; the workflow passes.
    _fill_in_reference(repo)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "My work")
    run = run_github_job(
        workflow, "check", workspace=repo, runner_temp=tmp_path / "t1", env=shims, contexts={"vars": {}}
    )
    checked = run.step("Run the public tests")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    n = int(_points(checked.stdout).split("/")[1])
    assert n > 0 and _points(checked.stdout) == f"Points {n}/{n}"
    summary = (tmp_path / "t1" / "_github_step_summary").read_text(encoding="utf-8")
    assert "| | lesson | passed | first problem |" in summary and f"**{n} / {n}**" in summary
    assert run.outputs["public_tests"]["points"] == f"{n}/{n}"
    reporter = run.step("Report to GitHub Classroom")
    assert reporter.skipped and reporter.uses.startswith("classroom-resources/autograding-grading-reporter@")

    # The same on GitLab.
    gl = run_gitlab_job(load(repo / ".gitlab-ci.yml"), "public-checks", project_dir=repo, env=shims)
    assert gl.returncode == 0 and _points(gl.stdout) == f"Points {n}/{n}", gl.stdout + gl.stderr
    assert (repo / "public-checks.md").is_file()
    (repo / "public-checks.md").unlink()

    # The instructor's side: fetch the pushed repository by the roster, grade with the hidden tests.
    instructor = _instructor_course(tmp_path / "course")
    roster = tmp_path / "roster.txt"
    roster.write_text(f"# name  repository\nalice {repo}\nbob {tmp_path / 'no-such-repo'}\n", encoding="utf-8")
    grade_wf = (
        load(instructor / ".github/workflows/grade.yml")
        if (instructor / ".github").exists()
        else load(GITHUB["instructor"])
    )
    runner_temp = tmp_path / "runner"
    run = run_github_job(grade_wf, "grade", workspace=instructor, runner_temp=runner_temp, env=shims,
                         contexts={"vars": {"ROSTER": str(roster)}, "secrets": {"CLASSROOM_TOKEN": ""},
                                   "github": {"server_url": "https://github.com", "run_id": "7"}})  # fmt: skip
    for step in run.steps:
        assert step.skipped or step.returncode == 0, f"{step.name}: {step.stdout}\n{step.stderr}"
    assert "pip -m pip install --quiet ." in log.read_text(encoding="utf-8")
    fetch = run.step("Fetch submissions")
    assert "fetched alice" in fetch.stdout and "could not fetch" in fetch.stderr  # bob's repo does not exist
    submitted = runner_temp / "submissions" / "alice"
    assert sorted(p.name for p in submitted.iterdir()) == sorted(
        [*(p.name for p in repo.glob("*.py")), *(p.name for p in repo.glob("*.ipynb")), "timestamp.txt"]
    )
    assert not (submitted / "tests").exists()
    fetched = (runner_temp / "grades-fetched.tsv").read_text(encoding="utf-8").split("\t")
    assert fetched[0] == "alice" and fetched[2] == _git(repo, "rev-parse", "HEAD")

    grades = runner_temp / "grades"
    upload = run.step("Upload the reports and the gradebook")
    assert str(grades) in upload.with_["path"].split("\n")
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in grades.rglob("*.json")]
    alice = [r for r in reports if r.get("submission") == "alice"]
    assert len(alice) == 1, [p.name for p in grades.rglob("*")]
    report = alice[0]
    assert report["score"] == report["max_score"] == load_course(instructor / "course.yaml").max_score > 0, [
        (t["name"], t["message"]) for e in report["exercises"] for t in e["tests"] if t["status"] != "passed"
    ]
    books = list(grades.rglob("gradebook*.csv"))
    assert books, "no gradebook"
    rows = list(csv.DictReader(books[0].open(encoding="utf-8")))
    alice_row = next(r for r in rows if "alice" in r.values())
    assert float(alice_row.get("final", alice_row.get("total"))) == report["max_score"]
    assert (grades / "summary.md").is_file()
    assert (runner_temp / "submissions" / "alice" / "timestamp.txt").read_text(encoding="utf-8").strip().endswith("UTC")


@pytest.mark.slow
def test_gitlab_grading_pipeline_end_to_end(tmp_path):
    course = load_course(ROOT / "course.yaml")
    repo = tmp_path / "bob-repo"
    release(course, repo)
    _fill_in_reference(repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "My work")
    instructor = _instructor_course(tmp_path / "course")
    (instructor / "roster.txt").write_text(f"{repo}\n", encoding="utf-8")  # no name: the repository's name
    shims = make_shims(tmp_path / "bin", tmp_path / "shim.log")
    proc = run_gitlab_job(load(GITLAB["instructor"]), "grade-submissions", project_dir=instructor,
                          env={**shims, "CI_SERVER_URL": "https://gitlab.example.org", "CLASSROOM_TOKEN": "t0ken"})  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "apt-get install" in (tmp_path / "shim.log").read_text(encoding="utf-8")
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in (instructor / "grades").rglob("*.json")]
    bob = next(r for r in reports if r.get("submission") == "bob-repo")
    assert bob["score"] == bob["max_score"] == load_course(instructor / "course.yaml").max_score > 0
    assert "t0ken" not in json.dumps(reports)


def test_fetch_copies_only_top_level_code_and_refuses_odd_names(tmp_path):
    repo = tmp_path / "carol"
    (repo / "sub").mkdir(parents=True)
    (repo / "activations.py").write_text("x = 1\n", encoding="utf-8")
    (repo / "work.ipynb").write_text("{}", encoding="utf-8")
    (repo / "sub" / "neuron.py").write_text("y = 2\n", encoding="utf-8")
    (repo / "notes.txt").write_text("not code\n", encoding="utf-8")
    (repo / "gates.py").symlink_to(ROOT / "solutions" / "gates.py")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "work")
    roster = tmp_path / "roster.txt"
    roster.write_text(
        f"\n# a comment\ncarol {repo}\n../evil {repo}\n{repo}", encoding="utf-8"
    )  # last line without newline
    out = tmp_path / "subs"
    proc = subprocess.run(["bash", str(TEMPLATES / "fetch-submissions.sh"), str(roster), str(out)],
                          capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["carol"]  # twice the same name: one folder
    assert sorted(p.name for p in (out / "carol").iterdir()) == ["activations.py", "timestamp.txt", "work.ipynb"]
    assert "skipped '../evil'" in proc.stderr
    assert not (tmp_path / "evil").exists()

    folder = tmp_path / "class"
    (folder / "dave").mkdir(parents=True)
    (folder / "dave" / "activations.py").write_text("x = 1\n", encoding="utf-8")
    proc = subprocess.run(["bash", str(TEMPLATES / "fetch-submissions.sh"), str(folder), str(tmp_path / "subs2")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0 and (tmp_path / "subs2" / "dave" / "activations.py").is_file()
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    proc = subprocess.run(["bash", str(TEMPLATES / "fetch-submissions.sh"), str(empty), str(tmp_path / "subs3")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 1 and "fetched 0 submission(s)" in proc.stdout
