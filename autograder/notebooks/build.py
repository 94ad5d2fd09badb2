"""From ``solutions/`` to notebooks: the student's ``exercises/<lesson>.ipynb`` and nbgrader's source.

One lesson module becomes one notebook, cut where a reader expects cells:

1. the lesson docstring, as markdown (read-only);
2. a short "how to work here" note (read-only);
3. the module's code, one cell per top-level function or class and one per
   run of imports and constants. Given code is a read-only cell; code with
   a ``### BEGIN SOLUTION`` region is a solution cell: the stub in the
   student notebook, the solution with its markers in nbgrader's source;
4. the public tests of ``exercises/tests/test_<lesson>.py``, shown as a
   read-only markdown cell (never run in the notebook: their ``import
   <lesson>`` would replace a function named like the lesson), and a
   ``from autograder import check; check("<lesson>")`` cell that runs them
   on the notebook's definitions (the lesson is named so the check works in
   nbgrader's release folder too, where the public tests are copied to
   ``tests/``). The check cell is an nbgrader grade cell worth 0 points:
   ``check()`` raises under nbgrader's Validate while a public test fails,
   so Validate fails on unfinished work;
5. "how this lesson is graded": one read-only, graded cell per hidden test
   of course.yaml, with its points. These are nbgrader grade cells, so
   nbgrader's gradebook and formgrader show a score per hidden test. Their
   source says what the test checks; in nbgrader's source a hidden-tests
   section makes ``nbgrader autograde`` score them 0 with a message, never
   full marks for a comment (the autograder fills them in instead).

Every cell carries nbgrader metadata (schema 3) and
``metadata.autograder.role``, which the notebook grader
(``autograder.notebooks.read``) uses to leave tests out of the student's module.
The output is deterministic (cell ids are the grade ids), so ``autograder
build --check`` can compare files byte for byte. Writing needs only
``json``; nbformat and nbgrader are used by the tests to check the result.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.authoring.build import BEGIN, solution_regions, stub_source
from autograder.config import Course, Exercise
from autograder.errors import AutograderError
from autograder.notebooks.read import ROLE_KEY

__all__ = [
    "Chunk",
    "Cell",
    "split_module",
    "lesson_cells",
    "lesson_notebook",
    "lessons",
    "dumps",
    "build_notebooks",
    "check_notebooks",
    "build_nbgrader_source",
    "grade_cell_id",
    "COURSE_POINTER",
    "DEFAULT_ASSIGNMENT",
    "HIDDEN_TEST_MESSAGE",
]

DEFAULT_ASSIGNMENT = "neurons"
COURSE_POINTER = "autograder-course.txt"  # in the nbgrader course folder: the course.yaml it was built from
COURSE_POINTER_NOTE = (
    "# Written by `autograder build --nbgrader-source`: the course.yaml that `autograder grade --nbgrader` "
    "uses for this folder when no --course is given. Edit the path below if the course moves."
)
NBFORMAT, NBFORMAT_MINOR = 4, 5
HIDDEN_TEST_MESSAGE = (
    "this cell is scored by the autograder's hidden tests: grade with "
    "`autograder grade --nbgrader COURSE_DIR ASSIGNMENT`, not `nbgrader autograde`"
)
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"  # nbgrader's markers
CHECK_LINE = "from autograder import check; check({lesson!r})"


@dataclass(frozen=True)
class Chunk:
    """A run of top-level source lines that becomes one code cell."""

    text: str
    name: str  # a function/class name when the chunk is one, else ""
    solution: bool  # holds a ### BEGIN SOLUTION region


@dataclass(frozen=True)
class Cell:
    """One notebook cell, in its student and instructor (nbgrader source) versions."""

    kind: str  # "markdown" | "code"
    grade_id: str
    role: str  # lesson | how_to | given | solution | public_tests | check | graded
    student: str
    instructor: str
    points: float | None = None

    def to_json(self, *, instructor: bool) -> dict[str, Any]:
        grade = self.role in ("graded", "check")  # check: 0 points, so nbgrader's Validate fails while it raises
        solution = self.role == "solution"
        nbgrader: dict[str, Any] = {
            "grade": grade,
            "grade_id": self.grade_id,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
        if grade:
            nbgrader["points"] = self.points
        cell: dict[str, Any] = {
            "cell_type": self.kind,
            "id": self.grade_id[:64],
            "metadata": {"nbgrader": nbgrader, ROLE_KEY: {"role": self.role}},
            "source": self.instructor if instructor else self.student,
        }
        if self.kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        return cell


# ----------------------------------------------------------------------------- cutting a module into cells


def _is_def(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def split_module(source: str, file: str = "<source>") -> tuple[str, list[Chunk]]:
    """(the module docstring, the code cut into chunks) for one lesson module.

    Each top-level function or class is a chunk; runs of other statements
    (imports, constants) are merged; comment lines directly above a
    statement go with it; statements that share a solution region share a
    chunk. Joining the chunks gives the module back, less its docstring.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise AutograderError(f"{file}:{exc.lineno}: cannot be cut into notebook cells: {exc.msg}") from None
    lines = source.splitlines()
    body = list(tree.body)
    doc = ""
    first_line = 1
    head = body[0] if body else None
    if isinstance(head, ast.Expr) and isinstance(head.value, ast.Constant):
        if isinstance(head.value.value, str):
            doc = ast.get_docstring(tree, clean=True) or ""
            first_line = (head.end_lineno or 1) + 1
            body = body[1:]
    if not body:
        return doc, []
    starts = []
    for node in body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        while start - 1 >= first_line and lines[start - 2].strip().startswith("#"):
            start -= 1
        starts.append(start)
    starts[0] = first_line
    spans = [[s, (starts[i + 1] - 1 if i + 1 < len(starts) else len(lines))] for i, s in enumerate(starts)]
    groups: list[list[int]] = [[i] for i in range(len(body))]
    # statements inside one solution region share a cell
    for region in solution_regions(source, file):
        hit = [g for g in groups if any(spans[i][0] <= region.end and region.start <= spans[i][1] for i in g)]
        if len(hit) > 1:
            merged = sorted(i for g in hit for i in g)
            groups = [g for g in groups if g not in hit] + [merged]
            groups.sort(key=lambda g: g[0])
    # runs of plain statements (imports, constants) share a cell
    out: list[list[int]] = []
    for g in groups:
        plain = not any(_is_def(body[i]) for i in g)
        joinable = out and plain and not any(_is_def(body[i]) for i in out[-1])
        if joinable and not _has_region(source, spans, out[-1], file) and not _has_region(source, spans, g, file):
            out[-1] += g
        else:
            out.append(list(g))
    chunks = []
    for g in out:
        lo, hi = spans[g[0]][0], spans[g[-1]][1]
        text = "\n".join(lines[lo - 1 : hi]).strip("\n")
        defs = [body[i] for i in g if _is_def(body[i])]
        name = defs[0].name if len(defs) == 1 and len(g) == 1 else ""  # type: ignore[attr-defined]
        chunks.append(Chunk(text=text, name=name, solution=BEGIN in text))
    return doc, chunks


def _has_region(source: str, spans: list[list[int]], group: list[int], file: str) -> bool:
    lo, hi = spans[group[0]][0], spans[group[-1]][1]
    return any(lo <= r.start <= hi for r in solution_regions(source, file))


# ----------------------------------------------------------------------------- the lesson's cells


def _markdown_lesson(doc: str, lesson: str) -> str:
    if not doc:
        return f"# {lesson}"
    title, _, rest = doc.partition("\n")
    return f"# {title.strip()}\n\n{rest.strip()}".rstrip()


def _how_to(lesson: str, has_tests: bool) -> str:
    lines = [
        "**How to work in this notebook.** Write your code where it says `# YOUR CODE HERE`, in place of the "
        "`raise NotImplementedError(...)` line, and keep the function names and signatures. The other cells are "
        "given; run them as they are.",
        "",
        "Your notebook is graded as a plain Python module made of its code cells, in order, as *Kernel > Restart "
        "& Run All* would run them, but without IPython magics (`%...`) and shell commands (`!...`), which are "
        "left out and named in your feedback. Put experiments that take long (training runs, plots) under "
        '`if __name__ == "__main__":`: they run here, not when your code is graded.',
    ]
    if has_tests:
        lines += [
            "",
            f"Check your work with the public tests at the end (`{CHECK_LINE.format(lesson=lesson)}`, which needs "
            "the autograder installed where Jupyter runs); the hidden tests check more inputs and edge cases.",
        ]
    return "\n".join(lines)


def _hidden_test_docs(course: Course, lesson: str) -> dict[str, str]:
    """First docstring line of each hidden test, read with ast (the tests are never imported here)."""
    path = course.tests_dir / f"test_{lesson}.py"
    if not path.is_file():
        return {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return {}
    docs = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = (ast.get_docstring(node) or "").strip().splitlines()
            docs[node.name] = doc[0] if doc else ""
    return docs


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def grade_cell_id(test: str, visibility: str) -> str:
    """The nbgrader grade id of a hidden test's cell: its name, or an opaque id while students may not see it.

    Notebook metadata is readable by students, so a test course.yaml keeps hidden (or hidden until the
    due date / publication) is not named there. The id is stable: the gradebook finds it again.
    """
    if visibility == "visible":
        return test
    return "hidden_" + hashlib.sha256(test.encode()).hexdigest()[:12]


def _graded_cells(course: Course, exercise: Exercise) -> list[Cell]:
    docs = _hidden_test_docs(course, exercise.id)
    intro = (
        "## How this lesson is graded\n\n"
        f"Hidden tests call your functions on many more inputs than the public tests, and compare with the "
        f"reference solution: {_points(exercise.max_score)} in all. Each cell below is one hidden test and its "
        "points; your feedback shows what each found."
    )
    cells = [Cell("markdown", "graded_title", "graded_title", intro, intro)]
    for test in exercise.tests:
        if test.visibility != "visible":  # after_due_date / after_published tests are not named yet either
            text = f"# A hidden test ({_points(test.points)})."
        else:
            doc = docs.get(test.name, "")
            text = f"# {test.name} ({_points(test.points)})" + (f": {doc}" if doc else ".")
        hidden = f"raise AssertionError({HIDDEN_TEST_MESSAGE!r})"
        instructor = f"{text}\n{BEGIN_HIDDEN}\n{hidden}\n{END_HIDDEN}"
        cells.append(Cell("code", grade_cell_id(test.name, test.visibility), "graded", text, instructor,
                          points=test.points))  # fmt: skip
    return cells


def _public_test_cells(lesson: str, tests: str) -> list[Cell]:
    """The public tests, shown as text, and the cell that runs them: ``check()``.

    The tests are a markdown cell, not code: run in the notebook, their ``import <lesson>``
    would rebind the name ``<lesson>``, and a function of that name (``neuron`` in
    neuron.ipynb) would become a module. ``check()`` runs them from ``tests/`` on the
    notebook's definitions instead, without touching the notebook's names. Under nbgrader's
    Validate it raises while a public test fails, so the check cell (a grade cell worth 0
    points) fails validation; elsewhere it only shows its table.
    """
    title = (
        "## Public tests\n\nRun the cell after the tests to check your current definitions "
        "(run it again after a change)."
    )
    shown = (
        f"The public tests, `tests/test_{lesson}.py` (read-only; the next cell runs them on your definitions, "
        f"and in them `{lesson}.` means this notebook):\n\n"
        f"```python\n{tests.strip(chr(10))}\n```"
    )
    check = (
        "# Runs the public tests on your current definitions and shows a table\n"
        "# (under nbgrader's Validate it raises while a public test fails).\n" + CHECK_LINE.format(lesson=lesson)
    )
    return [
        Cell("markdown", "public_tests_title", "public_tests_title", title, title),
        Cell("markdown", "public_tests", "public_tests", shown, shown),
        Cell("code", "check", "check", check, check, points=0.0),
    ]


def lesson_cells(course: Course, lesson: str, source: str, file: str = "<source>") -> list[Cell]:
    """Every cell of one lesson's notebook, both versions."""
    doc, chunks = split_module(source, file)
    tests_file = course.exercises_dir / "tests" / f"test_{lesson}.py"
    tests = tests_file.read_text(encoding="utf-8") if tests_file.is_file() else ""
    text = _markdown_lesson(doc, lesson)
    how = _how_to(lesson, bool(tests))
    cells = [Cell("markdown", "lesson", "lesson", text, text), Cell("markdown", "how_to", "how_to", how, how)]
    for n, chunk in enumerate(chunks, 1):
        grade_id = chunk.name or f"code_{n}"
        if chunk.solution:
            stub = stub_source(chunk.text, file).rstrip("\n")
            cells.append(Cell("code", grade_id, "solution", stub, chunk.text))
        else:
            cells.append(Cell("code", grade_id, "given", chunk.text, chunk.text))
    if tests:
        cells += _public_test_cells(lesson, tests)
    exercise = next((e for e in course.exercises if e.id == lesson), None)
    if exercise is not None:
        cells += _graded_cells(course, exercise)
    seen: dict[str, str] = {}
    for cell in cells:
        if cell.grade_id in seen:
            raise AutograderError(
                f"{file}: two notebook cells would share the grade id {cell.grade_id!r} "
                f"({seen[cell.grade_id]} and {cell.role}); rename the function or the hidden test"
            )
        seen[cell.grade_id] = cell.role
    return cells


def lesson_notebook(
    course: Course, lesson: str, source: str, *, instructor: bool, file: str = "<source>"
) -> dict[str, Any]:
    """The notebook (nbformat 4 JSON) for one lesson: the student's, or nbgrader's source when ``instructor``."""
    cells = lesson_cells(course, lesson, source, file)
    return {
        "cells": [c.to_json(instructor=instructor) for c in cells],
        "metadata": {
            ROLE_KEY: {"course": course.name, "lesson": lesson},
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def dumps(nb: dict[str, Any]) -> str:
    """The notebook as Jupyter writes it (one-space indent, sorted keys), newline-terminated."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------- files


def lessons(course: Course) -> list[tuple[str, Path]]:
    """(lesson, solution file) for every solution module with at least one solution region."""
    out = []
    for src in sorted(course.reference_dir.glob("*.py")):
        if src.name.startswith("_"):
            continue
        if solution_regions(src.read_text(encoding="utf-8"), str(src)):
            out.append((src.stem, src))
    return out


def _given_modules(course: Course) -> list[Path]:
    """Solution modules with nothing to write (data loaders and the like): shipped as they are."""
    lesson_files = {p for _, p in lessons(course)}
    return [
        p for p in sorted(course.reference_dir.glob("*.py")) if not p.name.startswith("_") and p not in lesson_files
    ]


def _expected(course: Course) -> dict[Path, str]:
    return {
        course.exercises_dir / f"{lesson}.ipynb": dumps(
            lesson_notebook(course, lesson, src.read_text(encoding="utf-8"), instructor=False, file=str(src))
        )
        for lesson, src in lessons(course)
    }


def build_notebooks(course: Course) -> list[Path]:
    """Write ``exercises/<lesson>.ipynb`` for every lesson; returns the files (unchanged ones too)."""
    course.exercises_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for target, text in _expected(course).items():
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def check_notebooks(course: Course) -> list[str]:
    """Student notebooks that are missing or differ from what ``solutions/`` and the public tests give."""
    return [
        str(target)
        for target, text in _expected(course).items()
        if not target.exists() or target.read_text(encoding="utf-8") != text
    ]


def build_nbgrader_source(course: Course, out: Path | str, assignment: str = DEFAULT_ASSIGNMENT) -> list[Path]:
    """Write nbgrader's ``<out>/source/<assignment>/<lesson>.ipynb`` (with solutions) and the given modules.

    Also ``<out>/autograder-course.txt``, naming this course.yaml, so that grading run in the nbgrader
    course folder finds the course without ``--course``.

    ``out`` is the nbgrader course directory; afterwards ``nbgrader
    generate_assignment <assignment>`` run there makes the student release.
    """
    if not assignment or not all(ch.isalnum() or ch in "-_" for ch in assignment):
        raise AutograderError(f"--assignment {assignment!r}: use letters, digits, '-' and '_' only (nbgrader's rule)")
    folder = Path(out) / "source" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson, src in lessons(course):
        target = folder / f"{lesson}.ipynb"
        text = dumps(lesson_notebook(course, lesson, src.read_text(encoding="utf-8"), instructor=True, file=str(src)))
        target.write_text(text, encoding="utf-8")
        written.append(target)
    for module in _given_modules(course):
        target = folder / module.name
        shutil.copyfile(module, target)
        written.append(target)
    # where course.yaml is, so `autograder grade --nbgrader . ASSIGNMENT` run here finds it (nbgrader_course.course_for)
    pointer = Path(out) / COURSE_POINTER
    pointer.write_text(f"{COURSE_POINTER_NOTE}\n{course.path.resolve()}\n", encoding="utf-8")
    written.append(pointer)
    # the public tests, so that check() finds them in the released folder too
    public = course.exercises_dir / "tests"
    names = {f"test_{lesson}.py" for lesson, _ in lessons(course)} | {"conftest.py"}
    for test in sorted(public.glob("*.py")) if public.is_dir() else []:
        if test.name in names:
            (folder / "tests").mkdir(exist_ok=True)
            shutil.copyfile(test, folder / "tests" / test.name)
            written.append(folder / "tests" / test.name)
    return written
