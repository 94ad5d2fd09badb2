"""Notebook submissions graded end to end: same sandbox, same hidden tests, same grade as the .py.

The whole course is graded once, in one ``grade_many`` call, for the
reference as nbgrader source notebooks, a student notebook filled in with the
reference plus the usual notebook noise (renamed copies, magics, a leftover
experiment that raises, untouched .py stubs beside it) and a broken notebook
next to good ones. Every catalogue mistake and variant is graded both as .py
and as notebooks on its own lesson (one ``grade_many`` call per lesson).
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
import yaml

from autograder import grade_many, load_course
from autograder.notebooks.build import dumps, lesson_notebook, lessons, split_module
from autograder.notebooks.read import modules_from_notebooks
from autograder.submission import load_submission
from tests.catalogue import Mistake, all_mistakes, all_variants, build

pytestmark = pytest.mark.slow  # grades the catalogue again as notebooks

ENTRIES = [*all_mistakes(), *all_variants()]


def _sample(entries):
    """Graded end to end: per lesson, the first two mistakes and the first variant (the rest: checked statically).

    Grading all of them twice (as .py and as notebook) costs about 0.4 s of CPU per submission, minutes
    for the whole catalogue, to re-prove what the static check below proves for every entry.
    """
    picked = []
    for lesson in sorted({e.module for e in entries}):
        mine = [e for e in entries if e.module == lesson]
        picked += [e for e in mine if isinstance(e, Mistake)][:2] + [e for e in mine if not isinstance(e, Mistake)][:1]
    return picked


SAMPLE = _sample(ENTRIES)


def code_cell(source: str, **metadata) -> dict:
    return {"cell_type": "code", "metadata": metadata, "source": source, "outputs": [], "execution_count": None}


def notebook_from_module(course, lesson: str, source: str) -> str:
    """A student's notebook holding ``source``: its code cut into cells the way a student would have them,
    plus Jupyter-only lines and the read-only test cells of the real lesson notebook."""
    doc, chunks = split_module(source)
    built = lesson_notebook(course, lesson, (course.reference_dir / f"{lesson}.py").read_text(), instructor=False)
    own = ("lesson", "how_to", "given", "solution")
    tests = [c for c in built["cells"] if c["metadata"]["autograder"]["role"] not in own]
    cells = [{"cell_type": "markdown", "metadata": {}, "source": doc or lesson}, code_cell("%matplotlib inline")]
    cells += [code_cell(chunk.text) for chunk in chunks]
    cells += [code_cell("!ls\nprint('exploring')")] + tests
    return dumps({"cells": cells, "metadata": built["metadata"], "nbformat": 4, "nbformat_minor": 5})


def as_notebooks(course, folder: Path, target: Path) -> Path:
    """Copy a .py submission folder, with every lesson module turned into <lesson>.ipynb."""
    target.mkdir(parents=True)
    lesson_names = {name for name, _ in lessons(course)}
    for f in sorted(folder.glob("*.py")):
        if f.stem in lesson_names:
            text = notebook_from_module(course, f.stem, f.read_text())
            (target / f"{f.stem}.ipynb").write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(f, target / f.name)
    return target


def given_modules(course, target: Path) -> None:
    lesson_files = {p for _, p in lessons(course)}
    for p in course.reference_dir.glob("*.py"):
        if p not in lesson_files and not p.name.startswith("_"):
            shutil.copyfile(p, target / p.name)


def lesson_course(course, lesson: str, root: Path):
    """The course cut down to one lesson: its exercise and its hidden tests only (same points, same limits).

    A catalogue entry changes one lesson, so comparing its .py and notebook versions on that lesson's
    hidden tests is the whole comparison, at a fraction of a full grading's time.
    """
    data = yaml.safe_load(course.path.read_text())
    data["exercises"] = {lesson: data["exercises"][lesson]}
    data["reference"] = str(course.reference_dir)
    data["exercises_dir"] = str(course.exercises_dir)
    data["tests"] = "grading"
    (root / "grading").mkdir(parents=True)
    for f in course.tests_dir.iterdir():
        if f.is_file() and not (f.name.startswith("test_") and f.name != f"test_{lesson}.py"):
            shutil.copyfile(f, root / "grading" / f.name)
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    return load_course(root / "course.yaml")


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """The reference, a filled-in student notebook and a broken one, graded on the whole course."""
    root = tmp_path_factory.mktemp("nbgrading")
    folders: dict[str, Path] = {}

    # 1. the reference, as nbgrader's source notebooks (solutions between markers)
    source = root / "reference_source"
    source.mkdir()
    for lesson, src in lessons(course):
        nb = lesson_notebook(course, lesson, src.read_text(), instructor=True)
        (source / f"{lesson}.ipynb").write_text(dumps(nb), encoding="utf-8")
    given_modules(course, source)
    folders["reference_source"] = source

    # 2. the student notebook, filled in from the reference, with the usual noise, next to the untouched stubs
    student = root / "student"
    shutil.copytree(course.exercises_dir, student, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    for lesson, src in lessons(course):
        nb = json.loads((student / f"{lesson}.ipynb").read_text())
        solution = {c["metadata"]["nbgrader"]["grade_id"]: c["source"]
                    for c in lesson_notebook(course, lesson, src.read_text(), instructor=True)["cells"]}  # fmt: skip
        for c in nb["cells"]:
            if c["metadata"]["autograder"]["role"] == "solution":
                c["source"] = solution[c["metadata"]["nbgrader"]["grade_id"]].replace("### BEGIN SOLUTION", "# mine")
        nb["cells"].insert(2, code_cell("%load_ext autoreload\n%autoreload 2"))
        nb["cells"].append(code_cell("undefined_name + 1  # a leftover experiment that raises"))
        (student / f"{lesson}-Copy1.ipynb").write_text(dumps(nb), encoding="utf-8")  # a renamed copy
        (student / f"{lesson}.ipynb").unlink()
    folders["student"] = student

    # 3. one broken notebook among good ones
    broken = as_notebooks(course, build(root / "broken_src"), root / "broken")
    first = lessons(course)[0][0]
    (broken / f"{first}.ipynb").write_text('{"cells": [ {"cell_type": "code", ', encoding="utf-8")
    folders["broken"] = broken

    subs = [load_submission(folder, label=label) for label, folder in folders.items()]
    return grade_many(subs, course), first


@pytest.fixture(scope="module")
def catalogue(course, tmp_path_factory):
    """The sampled catalogue entries as .py and as notebooks, graded on their lesson: one grade_many per lesson."""
    root = tmp_path_factory.mktemp("nbcatalogue")
    reports = {}
    for lesson in sorted({e.module for e in SAMPLE}):
        folders = {}
        for entry in [e for e in SAMPLE if e.module == lesson]:
            py = build(root / f"{entry.id}.py", entry)
            folders[f"{entry.id}.py"] = py
            folders[f"{entry.id}.ipynb"] = as_notebooks(course, py, root / f"{entry.id}.ipynb")
        subs = [load_submission(folder, label=label) for label, folder in folders.items()]
        reports.update(grade_many(subs, lesson_course(course, lesson, root / f"course-{lesson}")))
    return reports


def outcome(report):
    return {(t.exercise, t.name): (t.status, t.score) for t in report.tests}


def test_the_reference_as_nbgrader_source_notebooks_scores_full_marks(graded, course):
    reports, _ = graded
    report = reports["reference_source"]
    lost = [(t.name, t.message) for t in report.tests if not t.passed]
    assert report.score == report.max_score == course.max_score, lost
    assert report.problems == ()


def test_a_filled_in_student_notebook_scores_full_marks_despite_magics_leftovers_and_stub_modules(graded, course):
    reports, _ = graded
    report = reports["student"]
    assert report.score == course.max_score, [(t.name, t.message) for t in report.tests if not t.passed]
    text = "\n".join(report.problems)
    for lesson, _ in lessons(course):
        assert f"{lesson}-Copy1.ipynb was graded as the {lesson} lesson" in text
        assert f"graded {lesson}-Copy1.ipynb, which has fewer unfinished stubs" in text
        assert f"{lesson}-Copy1.ipynb: left out 2 line(s)" in text
    assert "raised NameError" in report.output  # the leftover experiment is reported, and cost nothing


def _definitions(source: str) -> list[str]:
    """The module's statements that define something, with the notebook cell wrappers unwrapped.

    Bare expressions (a print, a plot) and ``pass`` (where an IPython line was) are left out:
    they define nothing the hidden tests can call.
    """
    out = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Try) and any("_autograder_cell_failed" in ast.dump(h) for h in node.handlers):
                visit(node.body)
            elif isinstance(node, ast.FunctionDef) and node.name == "_autograder_cell_failed":
                continue
            elif isinstance(node, ast.Delete) and "_autograder_cell_failed" in ast.dump(node):
                continue
            elif not isinstance(node, (ast.Expr, ast.Pass)):
                out.append(ast.dump(node))

    visit(ast.parse(source).body)
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_catalogue_entry_as_a_notebook_is_the_same_code_as_the_module(course, entry, tmp_path):
    py = build(tmp_path / "py", entry)
    notebooks = {p.name: p.read_bytes() for p in as_notebooks(course, py, tmp_path / "nb").glob("*.ipynb")}
    files, problems = modules_from_notebooks(notebooks, existing={})
    assert set(files) == {name.replace(".ipynb", ".py") for name in notebooks}
    for name, data in files.items():
        assert _definitions(data.decode()) == _definitions((py / name).read_text()), name
    assert all("left out 2 line(s)" in p for p in problems), problems


@pytest.mark.parametrize("entry", SAMPLE, ids=lambda e: e.id)
def test_a_notebook_scores_exactly_what_the_same_code_scores_as_a_module(catalogue, entry):
    py, nb = catalogue[f"{entry.id}.py"], catalogue[f"{entry.id}.ipynb"]
    assert outcome(nb) == outcome(py)
    assert nb.score == py.score
    assert all("left out 2 line(s)" in p for p in nb.problems), nb.problems  # %matplotlib and !ls, nothing else


def test_correct_variants_score_full_marks_as_notebooks_and_mistakes_lose_points(catalogue):
    for entry in SAMPLE:
        report = catalogue[f"{entry.id}.ipynb"]
        if isinstance(entry, Mistake):
            assert catalogue[f"{entry.id}.py"].score == report.score  # (whatever the catalogue says it should be)
        else:
            lost = [(t.name, t.message) for t in report.tests if not t.passed]
            assert report.score == report.max_score, (entry.id, lost)
    assert any(catalogue[f"{m.id}.ipynb"].score < catalogue[f"{m.id}.ipynb"].max_score
               for m in SAMPLE if isinstance(m, Mistake))  # fmt: skip


def test_a_broken_notebook_is_named_with_its_fix_and_the_other_lessons_are_graded(graded, course):
    reports, first = graded
    report = reports["broken"]
    problem = next(p for p in report.problems if p.startswith(f"{first}.ipynb"))
    assert "is not a valid notebook (broken JSON" in problem and "save it again" in problem
    for ex in report.exercises:
        if ex.id == first:
            assert ex.score == 0
            assert all(f"no {first}.py" in t.message for t in ex.tests)
        else:
            assert ex.score == ex.max_score, ex.id
