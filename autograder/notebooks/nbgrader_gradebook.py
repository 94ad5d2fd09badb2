"""Writing grades into nbgrader's own gradebook, through ``nbgrader.api.Gradebook``.

An instructor who runs their course with nbgrader keeps using formgrader and
``nbgrader export``; only the grading is ours. So the scores go where
nbgrader's ``autograde`` would put them:

- the assignment, its notebooks (one per lesson) and their cells are
  registered the way ``nbgrader generate_assignment`` registers them, by
  running nbgrader's own preprocessors (``SaveCells`` and the ones before
  it) on the source notebook: the instructor's ``source/<assignment>/
  <lesson>.ipynb`` when there is one, else the one ``autograder build``
  would write. A later ``generate_assignment`` therefore finds the cells
  it expects, and never "Cannot add or remove cells".
- each hidden test is a grade cell of its lesson's notebook (grade id = test
  name, max score = its points in course.yaml), and gets ``auto_score``;
  a manual score a grader already gave is kept and flagged for review, as
  nbgrader does;
- lateness is nbgrader's ``late_submission_penalty`` per submitted notebook
  (points, so that ``nbgrader export``'s ``score = raw_score - penalty``
  is our final score).

nbgrader is imported only here, and only when ``--nbgrader`` is used: it is
an optional dependency (``pip install 'neurons-autograder[nbgrader]'``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.config import Course
from autograder.errors import AutograderError
from autograder.model import GradeReport
from autograder.notebooks.build import grade_cell_id, lesson_notebook, lessons

__all__ = ["NbgraderCourse", "open_course", "register_assignment", "record_report", "assignment_deadline"]


def _nbgrader() -> Any:
    try:
        import nbgrader.api
        import nbgrader.coursedir
    except ImportError:
        raise AutograderError(
            "--nbgrader needs nbgrader installed next to the autograder: pip install 'neurons-autograder[nbgrader]' "
            "(or pip install nbgrader)"
        ) from None
    # A new gradebook runs the `alembic` command; it sits next to this Python, which need not be on PATH
    # (a virtual environment used without activating it).
    here = str(Path(sys.executable).parent)
    if shutil.which("alembic") is None and (Path(here) / "alembic").exists():
        os.environ["PATH"] = here + os.pathsep + os.environ.get("PATH", "")
    return nbgrader


@dataclass
class NbgraderCourse:
    """An nbgrader course directory, read through nbgrader's own configuration (``nbgrader_config.py``)."""

    root: Path
    coursedir: Any  # nbgrader.coursedir.CourseDirectory
    db_url: str
    course_id: str

    def folder(self, step: str, student: str, assignment: str) -> Path:
        """``<root>/<step>/<student>/<assignment>`` under nbgrader's configured directory structure."""
        name = {
            "source": self.coursedir.source_directory,
            "submitted": self.coursedir.submitted_directory,
            "autograded": self.coursedir.autograded_directory,
            "feedback": self.coursedir.feedback_directory,
        }[step]
        return Path(self.coursedir.format_path(name, student, assignment))

    def gradebook(self) -> Any:
        return _nbgrader().api.Gradebook(self.db_url, self.course_id)


def open_course(root: Path | str) -> NbgraderCourse:
    """The course directory ``root``, with its ``nbgrader_config.py`` applied when there is one."""
    nbg = _nbgrader()
    root = Path(root).resolve()
    if not root.is_dir():
        raise AutograderError(
            f"{root}: no such nbgrader course folder; pass the folder that holds submitted/ and gradebook.db"
        )
    config = None
    if (root / "nbgrader_config.py").is_file():
        from traitlets.config.loader import PyFileConfigLoader

        try:
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        except Exception as exc:  # noqa: BLE001 - the instructor's own config file: say which and why
            raise AutograderError(
                f"{root / 'nbgrader_config.py'}: cannot be read ({type(exc).__name__}: {exc})"
            ) from None
    coursedir = nbg.coursedir.CourseDirectory(config=config) if config is not None else nbg.coursedir.CourseDirectory()
    coursedir.root = str(root)  # the folder given on the command line wins over a root set in the config
    db_url = (
        coursedir.db_url
        if (config is not None and "db_url" in config.get("CourseDirectory", {}))
        else (f"sqlite:///{root / 'gradebook.db'}")
    )
    return NbgraderCourse(root=root, coursedir=coursedir, db_url=db_url, course_id=coursedir.course_id)


# ----------------------------------------------------------------------------- structure


def _source_notebook(
    nbc: NbgraderCourse, course: Course, assignment: str, lesson: str, solution: Path
) -> tuple[Any, str]:
    import nbformat

    own = nbc.folder("source", ".", assignment) / f"{lesson}.ipynb"
    if own.is_file():
        return nbformat.read(str(own), as_version=4), str(own)
    built = lesson_notebook(course, lesson, solution.read_text(encoding="utf-8"), instructor=True, file=str(solution))
    return nbformat.from_dict(json.loads(json.dumps(built))), f"the notebook `autograder build` makes from {solution}"


def _save_cells(nbc: NbgraderCourse, assignment: str, lesson: str, nb: Any) -> None:
    """What ``generate_assignment`` does to the gradebook for one notebook, with nbgrader's own code."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
        SaveCells,
    )

    resources: dict[str, Any] = {"nbgrader": {"notebook": lesson, "assignment": assignment, "db_url": nbc.db_url}}
    for step in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums, SaveCells):
        nb, resources = step().preprocess(nb, resources)


def register_assignment(nbc: NbgraderCourse, course: Course, assignment: str) -> list[str]:
    """Make sure the gradebook has the assignment, its notebooks and a grade cell per hidden test.

    Returns notes for the instructor (what was registered). Raises
    ``AutograderError`` when the gradebook cannot take the course's hidden
    tests (cells changed while submissions exist), naming the fix.
    """
    nbg = _nbgrader()
    notes: list[str] = []
    with nbc.gradebook() as gb:
        record = gb.update_or_create_assignment(assignment)
        if record.duedate is None and course.deadline is not None:
            gb.update_or_create_assignment(assignment, duedate=course.deadline)
            notes.append(
                f"set the due date of {assignment} in the gradebook to course.yaml's {course.deadline.isoformat()}"
            )
    for lesson, solution in lessons(course):
        exercise = next((e for e in course.exercises if e.id == lesson), None)
        needed = {grade_cell_id(t.name, t.visibility): t.points for t in exercise.tests} if exercise else {}
        with nbc.gradebook() as gb:
            try:
                have = {c.name: c.max_score for c in gb.find_notebook(lesson, assignment).grade_cells}
            except nbg.api.MissingEntry:
                have = None
        if have is None or set(needed) - set(have):
            nb, origin = _source_notebook(nbc, course, assignment, lesson, solution)
            try:
                _save_cells(nbc, assignment, lesson, nb)
            except RuntimeError as exc:  # SaveCells: cells changed while submissions exist
                raise AutograderError(
                    f"gradebook {nbc.db_url}: notebook {lesson} of {assignment} has other cells than course.yaml's "
                    f"hidden tests, and submissions already ({exc}); keep course.yaml's tests as they were when "
                    "the first submission was graded, or remove the submissions with nbgrader db"
                ) from None
            except Exception as exc:  # noqa: BLE001 - nbgrader's own validation of the source notebook
                raise AutograderError(f"{origin}: nbgrader cannot register it ({type(exc).__name__}: {exc})") from None
            notes.append(f"registered notebook {lesson} of {assignment} in the gradebook from {origin}")
            with nbc.gradebook() as gb:
                have = {c.name: c.max_score for c in gb.find_notebook(lesson, assignment).grade_cells}
            missing = sorted(set(needed) - set(have))
            if missing:
                raise AutograderError(
                    f"{origin} has no grade cell for the hidden test(s) {', '.join(missing)} of course.yaml; "
                    "rebuild it "
                    f"with `autograder build --nbgrader-source {nbc.root}` and run `nbgrader generate_assignment "
                    f"{assignment} --force`"
                )
        with nbc.gradebook() as gb:
            for name, points in needed.items():
                if have.get(name) != points:  # points changed in course.yaml: allowed, as in nbgrader
                    gb.update_or_create_grade_cell(name, lesson, assignment, max_score=float(points))
    return notes


# ----------------------------------------------------------------------------- grades


def assignment_deadline(nbc: NbgraderCourse, course: Course, assignment: str, student: str) -> dt.datetime | None:
    """The student's due date: nbgrader's (with the student's extension) when set, else course.yaml's."""
    nbg = _nbgrader()
    with nbc.gradebook() as gb:
        try:
            due = gb.find_submission(assignment, student).duedate
        except nbg.api.MissingEntry:  # not graded before: no extension can have been granted yet
            due = gb.find_assignment(assignment).duedate
    if due is None:
        return course.deadline
    return due.replace(tzinfo=dt.timezone.utc)  # nbgrader stores naive UTC


def _submitted_notebook(gb: Any, submission: Any, lesson: str, assignment: str) -> Any:
    """The student's notebook row, created when the lesson was registered after the submission was."""
    from nbgrader.api import Grade, MissingEntry, SubmittedNotebook

    try:
        return gb.find_submission_notebook(lesson, assignment, submission.student.id)
    except MissingEntry:
        notebook = gb.find_notebook(lesson, assignment)
        row = SubmittedNotebook(notebook=notebook, assignment=submission)
        for cell in notebook.grade_cells:
            Grade(cell_id=cell.id, notebook=row)
        gb.db.add(row)
        gb.db.commit()
        return row


def record_report(
    nbc: NbgraderCourse,
    course: Course,
    assignment: str,
    student: str,
    report: GradeReport,
    submitted: dt.datetime | None,
) -> None:
    """Write one student's scores (auto_score per hidden test) and late penalty into the gradebook."""
    from nbgrader.api import Grade, MissingEntry

    with nbc.gradebook() as gb:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": submitted} if submitted is not None else {}
        submission = gb.update_or_create_submission(assignment, student, **kwargs)
        for ex in report.exercises:
            try:
                row = _submitted_notebook(gb, submission, ex.id, assignment)
            except MissingEntry:
                continue  # a course exercise with no notebook (no solution region): nothing in nbgrader to score
            for t in ex.tests:
                cell_id = grade_cell_id(t.name, t.visibility)
                try:
                    grade = gb.find_grade(cell_id, ex.id, assignment, student)
                except MissingEntry:
                    cell = gb.find_grade_cell(cell_id, ex.id, assignment)
                    grade = Grade(cell_id=cell.id, notebook=row)
                    gb.db.add(grade)
                grade.auto_score = float(t.score)
                grade.needs_manual_grade = grade.manual_score is not None  # a human's score is kept, and flagged
            for grade in row.grades:  # the public-checks cell (0 points) has nothing for a grader to do
                if grade.max_score == 0 and grade.manual_score is None:
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
            row.late_submission_penalty = round(ex.score * report.late_penalty / 100.0, 6)
        gb.db.commit()
