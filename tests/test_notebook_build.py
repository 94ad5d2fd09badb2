"""Building notebooks from solutions/: structure, nbgrader metadata, equivalence with the .py stubs.

The real ``nbgrader generate_assignment`` run is in tests/test_nbgrader_course.py.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil

import nbformat
import pytest

from autograder.authoring.build import stub_source
from autograder.config import TestSpec as Spec
from autograder.errors import AutograderError
from autograder.notebooks.build import (
    build_nbgrader_source,
    build_notebooks,
    check_notebooks,
    dumps,
    grade_cell_id,
    lesson_notebook,
    lessons,
    split_module,
)
from autograder.notebooks.read import modules_from_notebooks

SAMPLE = '''"""Lesson 9 - Sample: a title line.

A paragraph of the lesson.
"""

import numpy as np

# a constant students use
SCALE = 2.0


def _helper(x):
    return np.asarray(x, dtype=float)


@staticmethod
def scaled(x):
    """Multiply by SCALE."""
    ### BEGIN SOLUTION
    return SCALE * _helper(x)
    ### END SOLUTION


### BEGIN SOLUTION
WEIGHTS = (1.0, -1.0)
BIAS = 0.5
### END SOLUTION
'''


def test_split_module_cuts_where_a_reader_expects_and_loses_nothing():
    doc, chunks = split_module(SAMPLE)
    assert doc.startswith("Lesson 9 - Sample: a title line.")
    assert [(c.name, c.solution) for c in chunks] == [("", False), ("_helper", False), ("scaled", True), ("", True)]
    assert chunks[0].text == "import numpy as np\n\n# a constant students use\nSCALE = 2.0"
    assert chunks[2].text.startswith("@staticmethod\ndef scaled(x):")  # decorators go with their function
    assert chunks[3].text.startswith("### BEGIN SOLUTION\nWEIGHTS")  # one region, two statements: one cell
    module = ast.parse(SAMPLE)
    module.body = module.body[1:]
    assert ast.dump(ast.parse("\n\n".join(c.text for c in chunks))) == ast.dump(module)


@pytest.mark.parametrize("lesson", [name for name, _ in lessons(__import__("autograder").load_course())])
def test_every_lesson_notebook_is_valid_nbformat_with_nbgrader_schema_3(course, lesson):
    src = (course.reference_dir / f"{lesson}.py").read_text()
    for instructor in (False, True):
        nb = nbformat.reads(dumps(lesson_notebook(course, lesson, src, instructor=instructor)), as_version=4)
        nbformat.validate(nb)
        ids = [c.metadata.nbgrader.grade_id for c in nb.cells]
        assert len(ids) == len(set(ids))
        for c in nb.cells:
            meta = c.metadata.nbgrader
            assert meta.schema_version == 3 and set(meta) >= {"grade", "solution", "locked", "grade_id"}
            role = c.metadata.autograder.role
            assert meta.solution == (role == "solution") and meta.locked == (role != "solution")
            assert meta.grade == (role in ("graded", "check")) and (("points" in meta) == meta.grade)
            assert (meta.get("points") == 0) == (role == "check")  # the public checks: a 0-point grade cell


def test_the_student_notebook_is_the_stub_module_and_the_source_is_the_solution(course):
    for lesson, src in lessons(course):
        text = src.read_text()
        for instructor, expected in ((False, stub_source(text)), (True, text)):
            nb = lesson_notebook(course, lesson, text, instructor=instructor)
            code = [c["source"] for c in nb["cells"] if c["metadata"]["autograder"]["role"] in ("given", "solution")]
            want = ast.parse(expected)
            want.body = want.body[1:]  # the docstring is the markdown cell
            assert ast.dump(ast.parse("\n\n".join(code))) == ast.dump(want), (lesson, instructor)
        student = json.dumps(lesson_notebook(course, lesson, text, instructor=False))
        assert "BEGIN SOLUTION" not in student and "HIDDEN TESTS" not in student


def test_public_tests_are_read_only_cells_and_never_part_of_the_graded_module(course):
    lesson = "activations"
    text = (course.reference_dir / f"{lesson}.py").read_text()
    nb = lesson_notebook(course, lesson, text, instructor=False)
    tests = (course.exercises_dir / "tests" / f"test_{lesson}.py").read_text()
    cell = next(c for c in nb["cells"] if c["metadata"]["autograder"]["role"] == "public_tests")
    assert cell["metadata"]["nbgrader"]["locked"] and tests.strip() in cell["source"]
    check = next(c for c in nb["cells"] if c["metadata"]["autograder"]["role"] == "check")
    assert check["source"].endswith("from autograder import check; check('activations')")
    files, problems = modules_from_notebooks({f"{lesson}.ipynb": dumps(nb).encode()}, existing={})
    assert problems == []
    module = files[f"{lesson}.py"].decode()
    assert "def test_" not in module and "autograder import check" not in module


def test_each_hidden_test_is_a_graded_cell_with_its_points_and_hidden_ones_are_not_named(course):
    lesson = course.exercises[0].id
    tests = course.exercises[0].tests
    hidden = dataclasses.replace(tests[0], visibility="hidden")
    later = dataclasses.replace(tests[2], visibility="after_due_date")
    exercise = dataclasses.replace(course.exercises[0], tests=(hidden, tests[1], later, *tests[3:]))
    changed = dataclasses.replace(course, exercises=(exercise, *course.exercises[1:]))
    nb = lesson_notebook(changed, lesson, (course.reference_dir / f"{lesson}.py").read_text(), instructor=False)
    graded = [c for c in nb["cells"] if c["metadata"]["autograder"]["role"] == "graded"]
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in graded]
    assert ids == [grade_cell_id(t.name, t.visibility) for t in exercise.tests]
    assert ids[1] == exercise.tests[1].name and ids[0].startswith("hidden_") and ids[2].startswith("hidden_")
    assert hidden.name not in json.dumps(nb) and later.name not in json.dumps(nb)  # not even in the metadata
    assert [c["metadata"]["nbgrader"]["points"] for c in graded] == [t.points for t in exercise.tests]
    assert graded[0]["source"].startswith("# A hidden test (") and hidden.name not in graded[0]["source"]
    assert graded[1]["source"].startswith(f"# {exercise.tests[1].name} (")
    assert graded[2]["source"].startswith("# A hidden test (") and later.name not in graded[2]["source"]


def test_a_grade_id_collision_is_refused_with_the_fix(course):
    lesson = course.exercises[0].id
    clash = Spec(exercise=lesson, name="sigmoid", points=1)
    exercise = dataclasses.replace(course.exercises[0], tests=(clash,))
    changed = dataclasses.replace(course, exercises=(exercise,))
    with pytest.raises(AutograderError, match="share the grade id 'sigmoid'.*rename"):
        lesson_notebook(changed, lesson, (course.reference_dir / f"{lesson}.py").read_text(), instructor=False)


def test_build_is_deterministic_and_check_notices_stale_notebooks(course, tmp_path):
    exercises = tmp_path / "exercises"
    shutil.copytree(course.exercises_dir / "tests", exercises / "tests")
    local = dataclasses.replace(course, exercises_dir=exercises)
    first = {p: p.read_bytes() for p in build_notebooks(local)}
    assert sorted(p.name for p in first) == sorted(f"{name}.ipynb" for name, _ in lessons(course))
    assert check_notebooks(local) == []
    assert {p: p.read_bytes() for p in build_notebooks(local)} == first
    victim = next(iter(first))
    victim.write_text(victim.read_text().replace("YOUR CODE HERE", "changed"))
    assert check_notebooks(local) == [str(victim)]
    (exercises / "tests" / "test_activations.py").write_text("def test_new():\n    pass\n")
    assert str(exercises / "activations.ipynb") in check_notebooks(local)  # public tests are part of the notebook


def test_nbgrader_source_holds_every_lesson_the_given_modules_and_the_public_tests(course, tmp_path):
    written = build_nbgrader_source(course, tmp_path, "ps1")
    folder = tmp_path / "source" / "ps1"
    assert {p.relative_to(folder).as_posix() for p in written if folder in p.parents} >= {
        f"{name}.ipynb" for name, _ in lessons(course)
    }
    pointer = tmp_path / "autograder-course.txt"  # so grading run in the nbgrader course folder finds course.yaml
    assert pointer in written and str(course.path.resolve()) in pointer.read_text().splitlines()
    given = [p.name for p in course.reference_dir.glob("*.py") if p.stem not in {n for n, _ in lessons(course)}]
    for name in given:
        assert (folder / name).read_bytes() == (course.reference_dir / name).read_bytes()
    assert (folder / "tests" / "test_activations.py").is_file()
    assert "### BEGIN SOLUTION" in (folder / "activations.ipynb").read_text()
    with pytest.raises(AutograderError, match="letters, digits"):
        build_nbgrader_source(course, tmp_path, "ps 1/../x")
