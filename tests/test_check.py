"""``autograder check``: the public tests, run in-process on a student's work, and what they say.

Every test works on real files in a temporary folder shaped like a student repository: the
public tests from ``exercises/tests`` next to either the stubs or the reference solutions with
their markers stripped.
"""

from __future__ import annotations

import ast
import base64
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from autograder.checking.check import check, public_test_files, run_checks
from autograder.checking.format import classroom_result, format_html, format_text
from autograder.cli import main
from autograder.errors import AutograderError
from tests.catalogue import replace_functions, strip_markers

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "exercises" / "tests"
LESSONS = sorted(p.stem[len("test_") :] for p in PUBLIC.glob("test_*.py"))


def _public_test_names(lesson: str) -> list[str]:
    tree = ast.parse((PUBLIC / f"test_{lesson}.py").read_text(encoding="utf-8"))
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]


def make_repo(folder: Path, *, solved: bool, lessons: list[str] | None = None) -> Path:
    """A student-repository-shaped folder: lesson modules at the top, public tests in tests/."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PUBLIC, folder / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    source = ROOT / ("solutions" if solved else "exercises")
    for f in source.glob("*.py"):
        text = f.read_text(encoding="utf-8")
        (folder / f.name).write_text(strip_markers(text) if solved else text, encoding="utf-8")
    if lessons is not None:
        for test in (folder / "tests").glob("test_*.py"):
            if test.stem[len("test_") :] not in lessons:
                test.unlink()
    return folder


def test_every_public_test_lesson_has_a_reference_solution():
    assert LESSONS, "exercises/tests has no public tests"
    for lesson in LESSONS:
        assert (ROOT / "solutions" / f"{lesson}.py").is_file(), (
            f"exercises/tests/test_{lesson}.py tests a lesson with no solution"
        )


def test_public_tests_pass_on_the_reference_in_about_a_second(tmp_path):
    repo = make_repo(tmp_path, solved=True)
    start = time.perf_counter()
    report = run_checks(repo)
    assert time.perf_counter() - start < 5.0  # about a second on an idle machine; CI machines are busy
    assert [x.id for x in report.lessons] == LESSONS
    failing = [f"{t.lesson}.{t.name}: {t.message}" for x in report.lessons for t in x.tests if not t.passed]
    assert not failing, failing
    assert report.ok and report.total == sum(len(_public_test_names(x)) for x in LESSONS)
    assert report.points_line == f"Points {report.total}/{report.total}"


def test_every_public_test_fails_on_the_stubs(tmp_path):
    report = run_checks(make_repo(tmp_path, solved=False))
    assert report.total == sum(len(_public_test_names(x)) for x in LESSONS)
    assert report.passed == 0
    for lesson in report.lessons:
        assert [t.name for t in lesson.tests] == _public_test_names(lesson.id)
        for t in lesson.tests:
            assert t.status == "todo", (t.name, t.status, t.message)
            assert "is not written yet" in t.message and "NotImplementedError" in t.hint


def test_a_wrong_function_fails_its_tests_with_the_assertion_message(tmp_path):
    repo = make_repo(tmp_path, solved=True, lessons=["activations"])
    src = (repo / "activations.py").read_text(encoding="utf-8")
    wrong = "def relu_grad(z):\n    return (np.asarray(z) >= 0).astype(float)\n"  # relu_grad(0) == 1
    (repo / "activations.py").write_text(replace_functions(src, {"relu_grad": wrong}), encoding="utf-8")
    report = run_checks(repo)
    (lesson,) = report.lessons
    failed = [t for t in lesson.tests if not t.passed]
    assert [t.name for t in failed] == ["test_relu_grad_values"]
    assert failed[0].status == "failed"
    assert "relu_grad([-1.5, 0, 2]) should be [0.0, 0.0, 1.0]" in failed[0].message
    assert lesson.first_failure is failed[0]
    assert (
        "relu_grad([-1.5, 0, 2])" in format_text(report).split("What to fix")[0]
    )  # the table row shows it as the hint


def test_a_syntax_error_is_named_with_its_line_and_other_lessons_still_run(tmp_path):
    repo = make_repo(tmp_path, solved=True)
    lines = (repo / "activations.py").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("def tanh"))
    lines[at] = "def tanh(z)"  # the colon forgotten
    (repo / "activations.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run_checks(repo)
    act = next(x for x in report.lessons if x.id == "activations")
    assert act.passed == 0 and all(t.status == "error" for t in act.tests)
    assert f"syntax error at line {at + 1}" in act.problem
    others = [x for x in report.lessons if x.id != "activations"]
    assert all(x.passed == x.total for x in others)


def test_code_that_exits_or_loops_forever_does_not_stop_the_check(tmp_path):
    repo = make_repo(tmp_path, solved=True, lessons=["activations"])
    src = (repo / "activations.py").read_text(encoding="utf-8")
    looping = "def tanh(z):\n    while True:\n        pass\n"
    (repo / "activations.py").write_text(replace_functions(src, {"tanh": looping}), encoding="utf-8")
    start = time.perf_counter()
    report = run_checks(repo, timeout=0.5)
    assert time.perf_counter() - start < 10
    statuses = {t.name: t.status for t in report.lessons[0].tests}
    assert statuses["test_tanh_values"] == "timeout"
    assert statuses["test_relu_values"] == "passed"  # the rest carries on

    (repo / "activations.py").write_text("import sys\nsys.exit(0)\n" + src, encoding="utf-8")
    report = run_checks(repo)
    assert report.passed == 0
    assert "importing activations.py raised SystemExit" in report.lessons[0].problem


def test_a_missing_function_and_a_raising_function_say_so(tmp_path):
    repo = make_repo(tmp_path, solved=True, lessons=["activations"])
    src = (repo / "activations.py").read_text(encoding="utf-8")
    src = replace_functions(src, {"relu": "def _relu_renamed(z):\n    return z\n",
                                  "tanh": "def tanh(z):\n    return z.nonexistent()\n"})  # fmt: skip
    (repo / "activations.py").write_text(src, encoding="utf-8")
    tests = {t.name: t for t in run_checks(repo).lessons[0].tests}
    assert tests["test_relu_values"].status == "missing"
    assert tests["test_relu_values"].message == "activations has no function relu"
    raised = tests["test_tanh_values"]
    assert raised.status == "error"
    assert raised.message.startswith("tanh raised AttributeError") and "(activations.py, line" in raised.message


def test_output_cannot_fake_points_or_workflow_commands(tmp_path):
    repo = make_repo(tmp_path, solved=True, lessons=["activations"])
    src = (repo / "activations.py").read_text(encoding="utf-8")
    evil = "def tanh(z):\n    raise AssertionError('::error::pwned')\n"
    (repo / "activations.py").write_text(replace_functions(src, {"tanh": evil}), encoding="utf-8")
    report = run_checks(repo)
    text = format_text(report)
    lines = text.splitlines()
    assert [line for line in lines if line.lstrip().startswith("Points ")] == [lines[-1]] == [report.points_line]
    assert not any(line.lstrip().startswith("::") for line in lines)


def test_checks_run_again_and_again_in_one_process(tmp_path):
    solved = make_repo(tmp_path / "solved", solved=True, lessons=["activations"])
    stubs = make_repo(tmp_path / "stubs", solved=False, lessons=["activations"])
    before = sys.modules.get("activations")  # other tests in this process may have imported one
    assert run_checks(solved).ok
    assert run_checks(stubs).passed == 0  # not the cached module of the first run
    assert sys.modules.get("activations") is before  # the student's module did not stay behind
    assert str(solved) not in sys.path and str(stubs) not in sys.path


# --------------------------------------------------------------------------- the command


def test_cli_check_exit_status_table_markdown_and_classroom_output(tmp_path, capsys, monkeypatch):
    repo = make_repo(tmp_path / "repo", solved=True)
    summary, output = tmp_path / "summary.md", tmp_path / "github_output"
    output.write_text("earlier=1\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    code = main(["check", "--markdown", str(summary), "--github-output", str(output)])
    out = capsys.readouterr().out
    total = sum(len(_public_test_names(x)) for x in LESSONS)
    assert code == 0
    assert out.rstrip().splitlines()[-1] == f"Points {total}/{total}"
    md = summary.read_text(encoding="utf-8")
    assert "| | lesson | passed | first problem |" in md and f"**{total} / {total}**" in md
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "earlier=1" and f"points={total}/{total}" in lines
    result = json.loads(base64.b64decode(next(x for x in lines if x.startswith("result="))[len("result=") :]))
    assert result["version"] == 1 and result["status"] == "pass" and result["max_score"] == total
    assert sum(t["score"] for t in result["tests"]) == total and all(t["test_code"] == "" for t in result["tests"])

    (repo / "activations.py").write_text(
        (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    code = main(["check", "activations", "--quiet"])
    out = capsys.readouterr().out
    n = len(_public_test_names("activations"))
    assert code == 1 and out.strip() == f"Points 0/{n}"


def test_cli_check_finds_the_lessons_from_course_yaml_and_reports_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # the instructor's repository: course.yaml says exercises/
    assert main(["check", "activations", "--quiet"]) == 1  # the stubs fail
    assert capsys.readouterr().out.strip().startswith("Points 0/")
    assert main(["check", "nosuchlesson"]) == 2
    err = capsys.readouterr().err
    assert "no public tests for nosuchlesson" in err and "activations" in err
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert "run autograder check inside your exercise repository" in capsys.readouterr().err


# --------------------------------------------------------------------------- notebooks


def _solution_namespace(lesson: str) -> dict:
    names: dict = {"__name__": "__main__"}
    exec(
        compile(strip_markers((ROOT / "solutions" / f"{lesson}.py").read_text(encoding="utf-8")), "<notebook>", "exec"),
        names,
    )
    return names


def test_check_from_a_notebook_tests_its_current_definitions(tmp_path):
    repo = make_repo(tmp_path, solved=False)  # the .py files are untouched stubs
    names = _solution_namespace("activations")
    report = check(path=repo, namespace=names, display=False)
    assert [x.id for x in report.lessons] == ["activations"]  # worked out from the names defined
    assert report.ok and report.source == "notebook"
    names["relu"] = lambda z: z  # the student re-runs a cell with a bug
    report = check("activations", path=repo, namespace=names, display=False)
    assert [t.name for x in report.lessons for t in x.tests if not t.passed] == ["test_relu_values"]
    del names["tanh"]
    tests = {t.name: t for t in check("activations", path=repo, namespace=names, display=False).lessons[0].tests}
    assert tests["test_tanh_values"].status == "missing"
    with pytest.raises(AutograderError, match="none of the lesson functions are defined"):
        check(path=repo, namespace={"x": 1}, display=False)


def test_check_shows_text_outside_jupyter_and_html_inside(tmp_path, capsys):
    repo = make_repo(tmp_path, solved=False, lessons=["activations"])
    report = check(path=repo, namespace=_solution_namespace("activations"))
    assert capsys.readouterr().out.rstrip().endswith(report.points_line)
    html = format_html(report)
    assert html.startswith("<div class='autograder-check'") and "<table" in html
    assert repr(report).startswith("<autograder check:")


def test_from_autograder_import_check_is_callable_even_after_the_module_was_imported():
    import importlib

    module = importlib.import_module("autograder.checking.check")
    from autograder import check as imported

    assert imported is module.check  # the function, not a module: the check module lives in autograder.checking


def _notebook(cells: list[str]) -> str:
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                  for c in cells],
    })  # fmt: skip


def test_cli_check_uses_the_notebook_the_student_worked_in(tmp_path, capsys, monkeypatch):
    repo = make_repo(tmp_path, solved=False, lessons=["activations"])
    solution = strip_markers((ROOT / "solutions" / "activations.py").read_text(encoding="utf-8"))
    (repo / "activations.ipynb").write_text(
        _notebook([solution, "%matplotlib inline\nprint(sigmoid(0))"]), encoding="utf-8"
    )
    monkeypatch.chdir(repo)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "checked activations.ipynb" in out


def test_classroom_result_marks_failures(tmp_path):
    report = run_checks(make_repo(tmp_path, solved=False, lessons=["activations"]))
    result = classroom_result(report)
    assert result["status"] == "fail" and result["max_score"] == report.total
    assert {t["status"] for t in result["tests"]} == {"fail"}
    assert all(t["filename"] == "tests/test_activations.py" for t in result["tests"])


def test_public_test_files_are_found_per_lesson(tmp_path):
    repo = make_repo(tmp_path, solved=False)
    assert sorted(public_test_files(repo)) == LESSONS


def test_public_test_names_differ_from_hidden_test_names(course):
    hidden = {t.name for e in course.exercises for t in e.tests}
    for lesson in LESSONS:
        clash = sorted(set(_public_test_names(lesson)) & hidden)
        assert not clash, f"exercises/tests/test_{lesson}.py reuses hidden test names {clash}: rename the public tests"


def test_a_failed_assertion_in_a_venv_inside_the_repository_is_a_failure_not_the_students_error(tmp_path):
    """Students make .venv in the repository (the README says so): frames there (pytest, helpers) are not theirs."""
    (tmp_path / "tests").mkdir()
    helper = tmp_path / ".venv" / "lib" / "python3" / "site-packages"
    helper.mkdir(parents=True)
    (helper / "venv_helper.py").write_text("def expect(ok, message):\n    assert ok, message\n", encoding="utf-8")
    (tmp_path / "lesson.py").write_text("def double(x):\n    return x + 1\n", encoding="utf-8")
    (tmp_path / "tests" / "test_lesson.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(helper)!r})\n"
        "import lesson, venv_helper\n\n"
        "def test_double():\n"
        "    venv_helper.expect(lesson.double(3) == 6, 'double(3) should be 6, got 4')\n",
        encoding="utf-8",
    )
    test = run_checks(tmp_path).lessons[0].tests[0]
    assert (test.status, test.message) == ("failed", "double(3) should be 6, got 4")
    assert "venv_helper" not in test.hint and "docstring" in test.hint


def test_check_in_a_notebook_without_tests_beside_it_gives_notebook_advice(tmp_path, monkeypatch):
    lonely = tmp_path / "downloads"
    lonely.mkdir()
    monkeypatch.chdir(lonely)  # a notebook opened away from its repository: no course.yaml, no tests/
    names = _solution_namespace("activations")
    with pytest.raises(AutograderError) as info:
        check("activations", namespace=names, display=False)
    message = str(info.value)
    assert "--path" not in message and "autograder check" not in message
    assert str(lonely / "tests") in message and "check('activations', tests='path/to/tests')" in message
    repo = make_repo(tmp_path / "repo", solved=False, lessons=["activations"])
    report = check("activations", tests=repo / "tests", namespace=names, display=False)
    assert report.ok, format_text(report)


def test_notebook_hints_point_to_the_notebook_not_a_py_file(tmp_path):
    repo = make_repo(tmp_path, solved=False, lessons=["activations"])
    names = _solution_namespace("activations")
    names["sigmoid"] = lambda z: z  # wrong, without raising
    failed = next(t for x in check("activations", path=repo, namespace=names, display=False).lessons
                  for t in x.tests if t.status == "failed")  # fmt: skip
    assert "the docstring of sigmoid above, in your notebook" in failed.hint and ".py" not in failed.hint
    (repo / "activations.py").write_text(
        strip_markers((ROOT / "solutions" / "activations.py").read_text(encoding="utf-8"))
        + "\n\ndef sigmoid(z):\n    return z\n",
        encoding="utf-8",
    )
    failed = next(t for x in run_checks(repo).lessons for t in x.tests if t.status == "failed")
    assert "the docstring of sigmoid in activations.py" in failed.hint


def test_check_raises_listing_the_failures_under_nbgrader_validate_only(tmp_path, monkeypatch):
    repo = make_repo(tmp_path, solved=False, lessons=["activations"])
    names = _solution_namespace("activations")
    names["relu"] = lambda z: z
    monkeypatch.delenv("NBGRADER_VALIDATING", raising=False)
    assert not check("activations", path=repo, namespace=names, display=False).ok  # a student's own run: a table
    monkeypatch.setenv("NBGRADER_VALIDATING", "1")
    with pytest.raises(AssertionError, match=r"1 of \d+ public tests fail:\n  activations: test_relu_values: "):
        check("activations", path=repo, namespace=names, display=False)
    assert check("activations", path=repo, namespace=_solution_namespace("activations"), display=False).ok
    with pytest.raises(AssertionError):
        check("activations", path=repo, namespace=names, display=False, strict=True)
