"""``autograder grade --nbgrader COURSE_DIR ASSIGNMENT``: grade an nbgrader course directory.

nbgrader's ``collect`` (or ``zip_collect``) leaves each student's work in
``submitted/<student>/<assignment>/`` with a ``timestamp.txt``. Instead of
``nbgrader autograde`` (which runs the notebooks in a Jupyter kernel, in the
grading process's reach, one after another), this grades every submission
with the autograder's sandbox and hidden tests in one batch, then puts the
results where nbgrader's tools look for them:

- the scores in nbgrader's gradebook (``autograder.notebooks.nbgrader_gradebook``),
  so formgrader and ``nbgrader export`` show them;
- ``autograded/<student>/<assignment>/``: a copy of the submitted files, so
  formgrader can show the submission next to its scores;
- ``feedback/<student>/<assignment>/<lesson>.html``, with ``timestamp.txt``
  and ``submission_secret.txt`` as ``nbgrader generate_feedback`` leaves
  them, so ``nbgrader release_feedback`` hands them out.

Lateness comes from ``timestamp.txt`` (``autograder.late``), against the
gradebook's due date for the student (extensions included) or, when the
gradebook has none, course.yaml's deadline; the penalty is course.yaml's
late policy. A timestamp that cannot be read costs no points but is named,
for the instructor on stderr and for the student in their feedback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Course, resolve_course
from autograder.errors import AutograderError, SubmissionError
from autograder.grading.grade import grade_many
from autograder.late import TIMESTAMP_FILE, LateError, apply_late_policy, nbgrader_time
from autograder.model import GradeReport
from autograder.notebooks.nbgrader_gradebook import (
    NbgraderCourse,
    assignment_deadline,
    open_course,
    record_report,
    register_assignment,
)
from autograder.submission import MAX_FILE_BYTES, MAX_FILES, Submission, load_submission

__all__ = ["NbgraderRun", "course_for", "grade_nbgrader", "find_submissions", "feedback_html", "SECRET_FILE"]

SECRET_FILE = "submission_secret.txt"


@dataclass
class NbgraderRun:
    """What a ``--nbgrader`` run did: the reports by student, and notes for the instructor."""

    course_dir: Path
    assignment: str
    db_url: str = ""
    reports: dict[str, GradeReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def course_for(course_dir: Path | str, start: Path | None = None) -> Path:
    """The course.yaml for grading ``course_dir`` when ``--course`` is not given.

    First the one ``autograder build --nbgrader-source`` named in ``<course_dir>/autograder-course.txt``,
    then the nearest course.yaml in the current folder or above it. Raises ``ConfigError`` saying
    which flag to pass.
    """
    from autograder.config import COURSE_FILE, find_course
    from autograder.errors import ConfigError
    from autograder.notebooks.build import COURSE_POINTER

    pointer = Path(course_dir) / COURSE_POINTER
    named = ""
    if pointer.is_file():
        lines = [x.strip() for x in pointer.read_text(encoding="utf-8", errors="replace").splitlines()]
        named = next((x for x in lines if x and not x.startswith("#")), "")
        if named and Path(named).is_file():
            return Path(named)
    try:
        return find_course(start)
    except ConfigError:
        stale = f"{pointer} names {named}, which does not exist; " if named else ""
        raise ConfigError(
            f"{stale}no {COURSE_FILE} found in {Path(start or Path.cwd()).resolve()} or above it; pass the course "
            f"you built the notebooks from: autograder grade --nbgrader {course_dir} ASSIGNMENT --course PATH/TO/{COURSE_FILE}"
        ) from None


def find_submissions(nbc: NbgraderCourse, assignment: str) -> dict[str, Path]:
    """student id -> ``submitted/<student>/<assignment>/``, sorted by student id."""
    submitted = nbc.folder("submitted", "*", assignment)
    base = Path(str(submitted).split("*", 1)[0])
    if not base.is_dir():
        raise AutograderError(
            f"{base}: no such folder; collect the submissions first "
            f"(nbgrader collect {assignment}, or nbgrader zip_collect)"
        )
    found = {}
    for student_dir in sorted(base.iterdir()):
        if student_dir.name.startswith(".") or student_dir.is_symlink() or not student_dir.is_dir():
            continue
        folder = nbc.folder("submitted", student_dir.name, assignment)
        if folder.is_dir() and not folder.is_symlink():
            found[student_dir.name] = folder
    if not found:
        raise AutograderError(f"{base}: no student has a {assignment}/ folder there; check the assignment name")
    return found


def feedback_html(report: GradeReport, exercise_id: str, deadline: dt.datetime | None) -> str:
    """The student's feedback page for one lesson notebook (what that lesson's tests found)."""
    from autograder.writers._visibility import View
    from autograder.writers.html import html_report

    ex = report.exercise(exercise_id)
    final = round(ex.score * (1 - report.late_penalty / 100.0), 6)
    part = dataclasses.replace(
        report,
        exercises=(ex,),
        score=ex.score,
        max_score=ex.max_score,
        final_score=final if report.final_score is not None else None,
        artifacts={k: v for k, v in report.artifacts.items() if k == exercise_id},
    )
    # nbgrader's release_feedback is the instructor publishing: "after_published" tests are shown
    return html_report(part, View.student(deadline=deadline, published=True))


def _copy_submission(source: Path, target: Path) -> None:
    """Copy the student's regular files (no symlinks, bounded) into ``target``, replacing what was there."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = [p for p in source.iterdir() if p.is_file() and not p.is_symlink()]
    # nbgrader's own files and the notebooks first, should there be more files than are copied
    files = sorted(files, key=lambda p: (p.name not in (TIMESTAMP_FILE, SECRET_FILE), p.suffix != ".ipynb", p.name))
    files = files[:MAX_FILES]
    for p in files:
        if p.stat().st_size <= MAX_FILE_BYTES * 4:
            shutil.copyfile(p, target / p.name)


def _write_feedback(nbc: NbgraderCourse, assignment: str, student: str, folder: Path, report: GradeReport,
                    deadline: dt.datetime | None) -> Path:  # fmt: skip
    target = nbc.folder("feedback", student, assignment)
    target.mkdir(parents=True, exist_ok=True)
    for ex in report.exercises:
        (target / f"{ex.id}.html").write_text(feedback_html(report, ex.id, deadline), encoding="utf-8")
    for name in (TIMESTAMP_FILE, SECRET_FILE):
        src = folder / name
        if src.is_file() and not src.is_symlink():
            shutil.copyfile(src, target / name)
    return target


def _load(folder: Path, student: str) -> Submission:
    """The student's submission; one that cannot be read at all is graded as empty, with the reason."""
    try:
        return load_submission(folder, label=student)
    except SubmissionError as exc:
        print(f"warning: {student}: {exc}", file=sys.stderr)
        return Submission(label=student, files={}, problems=(str(exc),))


def grade_nbgrader(
    course_dir: Path | str,
    assignment: str,
    course: Course | Path | str | None = None,
    *,
    isolation: str | None = None,
    trusted_code: bool = False,
    on_report: Callable[[GradeReport], None] | None = None,
) -> NbgraderRun:
    """Grade every ``submitted/<student>/<assignment>/`` and write gradebook, autograded/ and feedback/."""
    course = resolve_course(course)
    nbc = open_course(course_dir)
    run = NbgraderRun(course_dir=nbc.root, assignment=assignment, db_url=nbc.db_url)
    folders = find_submissions(nbc, assignment)
    run.notes += register_assignment(nbc, course, assignment)

    times: dict[str, dt.datetime | None] = {}
    late_notes: dict[str, str] = {}
    for student, folder in folders.items():
        try:
            times[student] = nbgrader_time(folder)
        except LateError as exc:
            times[student] = None
            late_notes[student] = f"{exc}; no late penalty was applied"
            print(f"warning: {student}: {exc}; graded as on time", file=sys.stderr)
    deadlines = {s: assignment_deadline(nbc, course, assignment, s) for s in folders}
    subs = [_load(folder, student) for student, folder in folders.items()]

    def finish(report: GradeReport) -> None:
        student = report.submission
        if student in late_notes:
            report = dataclasses.replace(report, problems=report.problems + (late_notes[student],))
        report = apply_late_policy(report, course, times[student], deadline=deadlines[student])
        record_report(nbc, course, assignment, student, report, times[student])
        _copy_submission(folders[student], nbc.folder("autograded", student, assignment))
        _write_feedback(nbc, assignment, student, folders[student], report, deadlines[student])
        run.reports[student] = report
        if on_report is not None:
            on_report(report)

    grade_many(subs, course, isolation=isolation, trusted_code=trusted_code, on_report=finish)
    missing = sorted(set(folders) - set(run.reports))
    if missing:
        raise AutograderError(f"grading stopped before {', '.join(missing)} were graded; finished students were kept")
    return run
