"""Notebook submissions graded end to end: same sandbox, same hidden tests, same grade as the .py.

Every submission here is graded in ONE ``grade_many`` call (a module-scoped
fixture): the reference as nbgrader source notebooks, a student notebook
filled in with the reference plus the usual notebook noise, every catalogue
mistake and variant both as .py and as notebooks, a broken notebook next to
good ones, and a worked notebook next to an untouched stub module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder import grade_many
from autograder.notebook_build import dumps, lesson_notebook, lessons, split_module
from autograder.submission import load_submission

from tests.catalogue import all_mistakes, all_variants, build

ENTRIES = [*all_mistakes(), *all_variants()]


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


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
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

    # 3. every catalogue entry, as .py and as notebooks
    for entry in ENTRIES:
        py = build(root / f"{entry.id}.py", entry)
        folders[f"{entry.id}.py"] = py
        folders[f"{entry.id}.ipynb"] = as_notebooks(course, py, root / f"{entry.id}.ipynb")

    # 4. one broken notebook among good ones
    broken = as_notebooks(course, build(root / "broken_src"), root / "broken")
    first = lessons(course)[0][0]
    (broken / f"{first}.ipynb").write_text('{"cells": [ {"cell_type": "code", ', encoding="utf-8")
    folders["broken"] = broken

    subs = [load_submission(folder, label=label) for label, folder in folders.items()]
    return grade_many(subs, course), first


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


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_a_notebook_scores_exactly_what_the_same_code_scores_as_a_module(graded, entry):
    reports, _ = graded
    py, nb = reports[f"{entry.id}.py"], reports[f"{entry.id}.ipynb"]
    assert outcome(nb) == outcome(py)
    assert nb.score == py.score
    assert all("left out 2 line(s)" in p for p in nb.problems), nb.problems  # %matplotlib and !ls, nothing else


def test_catalogue_mistakes_still_lose_points_as_notebooks(graded):
    reports, _ = graded
    for mistake in all_mistakes():
        report = reports[f"{mistake.id}.ipynb"]
        failed = {t.name for t in report.tests if not t.passed}
        assert set(mistake.fails) <= failed, (mistake.id, failed)


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
