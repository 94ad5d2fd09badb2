"""The real nbgrader, end to end: our source notebooks through ``nbgrader generate_assignment``,
the release filled in by students, ``autograder grade --nbgrader``, and the gradebook read back
with nbgrader's own API and ``nbgrader export``.

nbgrader runs as a subprocess of this Python (``python -m nbgrader``) with this
environment's bin/ on PATH (nbgrader shells out to ``alembic``), and with
Jupyter's config folders pointed into the temporary directory so a user's own
nbgrader configuration cannot change the outcome.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from nbgrader.api import Gradebook

from autograder.cli import main
from autograder.config import load_course
from autograder.notebooks.build import (
    HIDDEN_TEST_MESSAGE,
    build_nbgrader_source,
    grade_cell_id,
    lesson_notebook,
    lessons,
)
from autograder.notebooks.nbgrader_course import grade_nbgrader
from autograder.notebooks.nbgrader_gradebook import open_course, register_assignment
from autograder.submission import MAX_FILES
from tests.catalogue import all_mistakes

pytestmark = pytest.mark.slow
ASSIGNMENT = "neurons"
ON_TIME = "2026-12-18 12:00:00.000000 UTC"
LATE = "2026-12-20 12:00:00.000000 UTC"


def nbgrader(tmp: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
    )
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=600)  # fmt: skip
    detail = f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{detail}"
    return result


def solutions(course, lesson: str) -> dict[str, str]:
    src = (course.reference_dir / f"{lesson}.py").read_text()
    cells = lesson_notebook(course, lesson, src, instructor=True)["cells"]
    return {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in cells}


def fill(release: Path, target: Path, course, *, answers: bool, edit=None) -> None:
    """A student's hand-in: the released notebooks, solution cells filled in (or not), other files as released."""
    target.mkdir(parents=True)
    for f in release.iterdir():
        if f.suffix != ".ipynb":
            if f.is_file():
                shutil.copyfile(f, target / f.name)
            continue
        nb = json.loads(f.read_text())
        if answers:
            sol = solutions(course, f.stem)
            for cell in nb["cells"]:
                meta = cell["metadata"].get("nbgrader", {})
                if meta.get("solution"):
                    cell["source"] = sol[meta["grade_id"]]
        if edit is not None:
            edit(f.stem, nb)
        (target / f.name).write_text(json.dumps(nb, indent=1))


def course_with_a_hidden_test(folder: Path):
    """The bundled course, with one hidden test (visibility: hidden), so opaque grade ids are exercised too."""
    real = load_course(Path(__file__).resolve().parent.parent / "course.yaml")
    data = yaml.safe_load(real.path.read_text())
    data.update(reference=str(real.reference_dir), tests=str(real.tests_dir), exercises_dir=str(real.exercises_dir))
    tests = data["exercises"][real.exercises[0].id]["tests"]
    name = list(tests)[2]
    spec = tests[name] if isinstance(tests[name], dict) else {"points": tests[name]}
    tests[name] = {**spec, "visibility": "hidden"}
    folder.mkdir()
    (folder / "course.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_course(folder / "course.yaml")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """An nbgrader course: built, released by nbgrader, handed in by four students, graded by us."""
    tmp = tmp_path_factory.mktemp("nbgrader")
    course = course_with_a_hidden_test(tmp / "course-definition")
    root = tmp / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "neurons101"\n')
    build_nbgrader_source(course, root, ASSIGNMENT)
    generated = nbgrader(tmp, root, "generate_assignment", ASSIGNMENT)
    release = root / "release" / ASSIGNMENT
    submitted = root / "submitted"
    mistake = all_mistakes()[0]

    def bobs_mistake(lesson, nb):
        if lesson != mistake.module:
            return
        for cell in nb["cells"]:
            name = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if name in mistake.functions:
                cell["source"] = textwrap.dedent(mistake.functions[name]).strip()
        nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "source": "%matplotlib inline", "outputs": [],
                               "execution_count": None})  # fmt: skip

    fill(release, submitted / "alice" / ASSIGNMENT, course, answers=True)
    (submitted / "alice" / ASSIGNMENT / "submission_secret.txt").write_text("s3cret")
    fill(release, submitted / "bob" / ASSIGNMENT, course, answers=True, edit=bobs_mistake)
    fill(release, submitted / "carol" / ASSIGNMENT, course, answers=False)
    fill(release, submitted / "dave" / ASSIGNMENT, course, answers=True)
    broken = lessons(course)[0][0]
    (submitted / "dave" / ASSIGNMENT / f"{broken}.ipynb").write_text('{"cells": [')
    erin = submitted / "erin" / ASSIGNMENT  # hands in far too many files: cannot be read at all
    erin.mkdir(parents=True)
    for i in range(MAX_FILES + 1):
        (erin / f"scratch{i}.py").write_text("x = 1\n")
    for student, stamp in (("alice", ON_TIME), ("bob", ON_TIME), ("carol", LATE), ("dave", "last tuesday"),
                           ("erin", ON_TIME)):  # fmt: skip
        (submitted / student / ASSIGNMENT / "timestamp.txt").write_text(stamp)
    pristine = tmp / "pristine"
    shutil.copytree(root, pristine)  # as nbgrader left it, before our grading
    run = grade_nbgrader(root, ASSIGNMENT, course)
    return dict(course=course, tmp=tmp, root=root, release=release, run=run, mistake=mistake, broken=broken,
                pristine=pristine, generated=generated)  # fmt: skip


def test_generate_assignment_releases_stubs_without_solutions_or_hidden_tests(world):
    course, release = world["course"], world["release"]
    for lesson, _ in lessons(course):
        text = (release / f"{lesson}.ipynb").read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and HIDDEN_TEST_MESSAGE not in text
        nb = json.loads(text)
        cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]}
        sol = solutions(course, lesson)
        for grade_id, source in sol.items():
            if "### BEGIN SOLUTION" in source:
                released = "".join(cells[grade_id]["source"])
                assert "raise NotImplementedError()" in released, grade_id
        assert nb["metadata"]["autograder"]["lesson"] == lesson
    assert (release / "tests" / "test_activations.py").is_file()  # so check() works in the release folder
    hidden = [t for e in course.exercises for t in e.tests if t.visibility == "hidden"]
    assert hidden and all(t.name not in (release / f"{t.exercise}.ipynb").read_text() for t in hidden)
    for lesson, _ in lessons(course):
        assert (world["pristine"] / "release" / ASSIGNMENT / f"{lesson}.ipynb").is_file()


def test_our_registration_matches_what_generate_assignment_writes(world, tmp_path):
    """A gradebook we set up from scratch has exactly the cells nbgrader's generate_assignment records."""
    course = world["course"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    register_assignment(open_course(fresh), course, ASSIGNMENT)

    def cells(db: Path):
        with Gradebook(f"sqlite:///{db}") as gb:
            out = {}
            for nb in gb.find_assignment(ASSIGNMENT).notebooks:
                out[nb.name] = (
                    sorted((c.name, c.max_score, c.cell_type) for c in nb.grade_cells),
                    sorted(c.name for c in nb.solution_cells),
                    sorted((c.name, c.cell_type, c.locked, c.source, c.checksum) for c in nb.source_cells),
                )
            return out

    ours, theirs = cells(fresh / "gradebook.db"), cells(world["pristine"] / "gradebook.db")
    assert ours == theirs
    assert set(ours) == {lesson for lesson, _ in lessons(course)}


def test_the_gradebook_read_back_with_nbgraders_api_holds_every_hidden_test_score(world):
    course, run, root = world["course"], world["run"], world["root"]
    assert set(run.reports) == {"alice", "bob", "carol", "dave", "erin"}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "neurons101") as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        assert assignment.max_score == course.max_score
        for student, report in run.reports.items():
            sub = gb.find_submission(ASSIGNMENT, student)
            assert sub.score == pytest.approx(report.score)
            assert sub.late_submission_penalty == pytest.approx(report.score * report.late_penalty / 100)
            for t in report.tests:
                grade = gb.find_grade(grade_cell_id(t.name, t.visibility), t.exercise, ASSIGNMENT, student)
                assert (grade.score, grade.max_score) == (t.score, t.max_score), (student, t.name)
                assert not grade.needs_manual_grade
            for lesson, _ in lessons(course):  # the 0-point check cell leaves a grader nothing to do
                check = gb.find_grade("check", lesson, ASSIGNMENT, student)
                assert (check.score, check.max_score, check.needs_manual_grade) == (0, 0, False)
    alice, bob, carol, dave = (run.reports[s] for s in ("alice", "bob", "carol", "dave"))
    assert alice.score == course.max_score and alice.late_penalty == 0
    failed = {t.name for t in bob.tests if not t.passed}
    assert set(world["mistake"].fails) <= failed and bob.score < course.max_score
    assert any("left out 1 line(s)" in p and "%matplotlib inline" in p for p in bob.problems)
    assert carol.score == 0 and carol.late_penalty > 0


def test_nbgrader_export_shows_our_scores_and_late_penalties(world):
    course, run, root, tmp = world["course"], world["run"], world["root"], world["tmp"]
    nbgrader(tmp, root, "export", "--to", "grades.csv")
    rows = {r["student_id"]: r for r in csv.DictReader((root / "grades.csv").open())}
    assert set(rows) == set(run.reports)
    for student, report in run.reports.items():
        row = rows[student]
        assert row["assignment"] == ASSIGNMENT
        assert float(row["raw_score"]) == pytest.approx(report.score)
        final = report.score if report.final_score is None else report.final_score
        assert float(row["score"]) == pytest.approx(final)
        assert float(row["max_score"]) == pytest.approx(course.max_score)
    carol = run.reports["carol"]
    assert rows["carol"]["timestamp"].startswith("2026-12-20 12:00:00")
    assert float(rows["carol"]["late_submission_penalty"]) == pytest.approx(carol.score * carol.late_penalty / 100)
    assert rows["dave"]["timestamp"] == ""  # unreadable timestamp.txt: no time recorded, no penalty


def test_a_broken_notebook_and_an_unreadable_timestamp_are_named_and_the_rest_is_graded(world):
    run, broken = world["run"], world["broken"]
    dave = run.reports["dave"]
    assert any(p.startswith(f"{broken}.ipynb is not a valid notebook") for p in dave.problems), dave.problems
    assert any("timestamp.txt" in p and "no late penalty was applied" in p for p in dave.problems), dave.problems
    assert dave.late_penalty == 0
    for ex in dave.exercises:
        assert ex.score == (0 if ex.id == broken else ex.max_score), ex.id
    erin = run.reports["erin"]  # an unreadable hand-in is graded as empty, with the reason; the class goes on
    assert erin.score == 0 and any(f"more than {MAX_FILES} files" in p for p in erin.problems), erin.problems


def test_feedback_is_in_nbgraders_layout_for_release_feedback(world):
    course, run, root = world["course"], world["run"], world["root"]
    for student in run.reports:
        folder = root / "feedback" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.glob("*.html")) == sorted(f"{e.id}.html" for e in course.exercises)
        stamp = root / "submitted" / student / ASSIGNMENT / "timestamp.txt"
        assert (folder / "timestamp.txt").read_text() == stamp.read_text()
        handed_in = {p.name for p in (root / "submitted" / student / ASSIGNMENT).iterdir()}
        copied = {p.name for p in (root / "autograded" / student / ASSIGNMENT).iterdir()}
        if student == "erin":  # too many files: a bounded copy, nbgrader's timestamp first
            assert "timestamp.txt" in copied and copied < handed_in and len(copied) == MAX_FILES
        else:
            assert copied == handed_in
    assert (root / "feedback" / "alice" / ASSIGNMENT / "submission_secret.txt").read_text() == "s3cret"
    mistake = world["mistake"]
    page = (root / "feedback" / "bob" / ASSIGNMENT / f"{mistake.module}.html").read_text()
    bob = run.reports["bob"].exercise(mistake.module)
    assert f"{bob.score:g} / {bob.max_score:g} points" in page
    assert mistake.fails[0] in page and "%matplotlib inline" in page
    carol = (root / "feedback" / "carol" / ASSIGNMENT / f"{course.exercises[0].id}.html").read_text()
    assert "late penalty" in carol
    hidden = next(t for t in course.exercises[0].tests if t.visibility == "hidden")
    assert hidden.name not in carol  # students' feedback follows course.yaml's visibility


def test_regrading_from_the_command_line_keeps_a_graders_manual_score(world, capsys, monkeypatch):
    """Run as docs/notebooks.md says: in the nbgrader course folder, without --course (build wrote where it is)."""
    root, course = world["root"], world["course"]
    monkeypatch.chdir(root)
    test = course.exercises[0].tests[0]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade(grade_cell_id(test.name, test.visibility), test.exercise, ASSIGNMENT, "alice")
        grade.manual_score = 0.5
        gb.db.commit()
    assert main(["grade", "--nbgrader", ".", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert "do not run nbgrader generate_feedback" in out
    assert f"alice: {course.max_score:g}/{course.max_score:g}" in out and "5 submissions of neurons graded" in out
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade(grade_cell_id(test.name, test.visibility), test.exercise, ASSIGNMENT, "alice")
        assert grade.auto_score == test.points and grade.manual_score == 0.5 and grade.score == 0.5
        assert grade.needs_manual_grade  # flagged for review, as nbgrader does
        assert len(gb.find_assignment(ASSIGNMENT).submissions) == 5  # regrading did not duplicate anything


def test_nbgrader_autograde_cannot_give_full_marks_for_our_comment_cells(world):
    """The graded cells only describe hidden tests; nbgrader's own autograde must score them 0, never full."""
    course, tmp = world["course"], world["tmp"]
    copy = tmp / "autograde-copy"
    shutil.copytree(world["pristine"], copy)
    nbgrader(tmp, copy, "autograde", ASSIGNMENT, "--student", "alice")
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        sub = gb.find_submission(ASSIGNMENT, "alice")
        assert sub.max_score == course.max_score
        assert sub.score == 0  # a perfect notebook: nbgrader alone scores 0; `autograder grade --nbgrader` scores it
    nb = json.loads((copy / "autograded" / "alice" / ASSIGNMENT / f"{course.exercises[0].id}.ipynb").read_text())
    outputs = [o for c in nb["cells"] if c["metadata"]["nbgrader"].get("points") for o in c["outputs"]]
    assert outputs and all(HIDDEN_TEST_MESSAGE in o.get("evalue", "") for o in outputs)


def test_an_unknown_course_folder_or_assignment_is_a_clear_error(world, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["grade", "--nbgrader", str(tmp_path / "nowhere"), ASSIGNMENT]) == 2
    assert "no such nbgrader course folder" in capsys.readouterr().err
    (tmp_path / "other-course").mkdir()  # not built by autograder build, and no course.yaml here or above
    assert main(["grade", "--nbgrader", str(tmp_path / "other-course"), ASSIGNMENT]) == 2
    assert "--course PATH/TO/course.yaml" in capsys.readouterr().err
    assert main(["grade", "--nbgrader", str(world["root"]), "ps99", "--course", str(world["course"].path)]) == 2
    assert "no student has a ps99/ folder" in capsys.readouterr().err


@pytest.mark.parametrize("lesson", ["neuron", "activations"])
def test_nbgrader_validate_fails_unfinished_work_and_passes_finished_work(world, tmp_path, lesson):
    """nbgrader's own `validate` (the Validate button) on the released notebook: the check cell is a 0-point
    grade cell and check() raises under validation while a public test fails."""
    course, release, tmp = world["course"], world["release"], world["tmp"]
    outcome = {}
    for answers in (False, True):
        folder = tmp_path / ("finished" if answers else "untouched")
        fill(release, folder, course, answers=answers)
        shutil.copytree(release / "tests", folder / "tests")
        outcome[answers] = nbgrader(tmp, folder, "validate", f"{lesson}.ipynb").stdout
    assert "VALIDATION FAILED" in outcome[False] and "public tests fail" in outcome[False], outcome[False]
    assert "Success! Your notebook passes all the tests." in outcome[True], outcome[True]
