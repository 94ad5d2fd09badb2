"""Grading a whole class: every submission folder of CLASS_DIR, in parallel, resumable.

``grade_class(class_dir, out_dir)`` reads each student's folder, skips the
ones already graded by the same suite (resume), grades the rest on
``jobs`` processes (``autograder.classes.jobs``) or on a Dask cluster
(``autograder.classes.distributed``), and writes:

- ``OUT_DIR/<student>.json``: the canonical report, written to a temporary
  file, flushed to disk and renamed, so a crash or Ctrl-C never leaves half
  a report and never loses a finished one;
- ``OUT_DIR/.autograder/<student>.json``: what the report was graded from
  (content hash, suite hash, grader version, isolation level), which is how
  a re-run knows it may skip the student;
- ``OUT_DIR/gradebook.csv``: one row per student of CLASS_DIR
  (``autograder.classes.classreport``, the same gradebook ``autograder report``
  writes).

A class folder is told apart from a single submission by its shape: it holds
no ``.py`` or ``.ipynb`` file itself, and at least one of its sub-folders
does. Every non-hidden sub-folder is one student, named by the folder (an
empty one is graded too: that student handed in nothing).

One broken submission never stops the batch: a folder that cannot be read
gets a report saying so (every test 0 points, status ``error``); a
submission that kills its grading process is retried once on its own and
then gets such a report. Only a broken *suite* (hidden tests that do not
match course.yaml, an isolation level this machine lacks) stops the run,
because then no grade would be right.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from autograder import __version__
from autograder.classes.progress import Progress
from autograder.config import Course, resolve_course
from autograder.errors import AutograderError
from autograder.files import uninterrupted, write_atomic
from autograder.model import ExerciseResult, GradeReport, TestResult
from autograder.submission import Submission, content_hash, load_submission, submission_files

__all__ = [
    "STATE_DIR",
    "ClassSummary",
    "Progress",
    "error_report",
    "find_submissions",
    "grade_class",
    "is_class_dir",
]

STATE_DIR = ".autograder"
GRADEBOOK = "gradebook.csv"
MIN_PER_JOB_FOR_REPLAY = 3  # below this many submissions per job, calibration costs more than it saves
_SKIP_DIRS = {"__pycache__", "__MACOSX", "node_modules"}


# ----------------------------------------------------------------------------- the class folder


def is_class_dir(path: Path | str) -> bool:
    """True for a folder with no .py/.ipynb of its own and at least one sub-folder that has some."""
    path = Path(path)
    if not path.is_dir():
        return False
    if submission_files(path):
        return False
    return any(_has_code(sub) for sub in _student_dirs(path))


def _student_dirs(path: Path) -> list[Path]:
    return [
        p
        for p in sorted(path.iterdir())
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and p.name not in _SKIP_DIRS
    ]


def _has_code(folder: Path) -> bool:
    try:
        return bool(submission_files(folder))
    except (OSError, AutograderError):
        return True  # unreadable, but meant as a submission: it gets a report saying so


def find_submissions(class_dir: Path | str) -> list[tuple[str, Path]]:
    """(student, folder) for every student sub-folder of a class folder, sorted by name."""
    class_dir = Path(class_dir)
    if not class_dir.is_dir():
        raise AutograderError(f"{class_dir}: no such class folder")
    return [(p.name, p) for p in _student_dirs(class_dir)]


# ----------------------------------------------------------------------------- reports on disk


def _report_json(report: GradeReport) -> str:
    from autograder.writers.canonical import to_json

    return to_json(report)


def error_report(course: Course, label: str, message: str, *, level: str, suite_hash: str) -> GradeReport:
    """A report for a submission that could not be graded at all: every test 0 points with ``message``."""
    exercises = tuple(
        ExerciseResult(
            id=ex.id,
            title=ex.title,
            score=0.0,
            max_score=ex.max_score,
            tests=tuple(
                TestResult(
                    name=t.name,
                    exercise=ex.id,
                    status="error",
                    score=0.0,
                    max_score=t.points,
                    message=message,
                    visibility=t.visibility,
                )
                for t in ex.tests
            ),
        )
        for ex in course.exercises
    )
    return GradeReport(
        submission=label, score=0.0, max_score=course.max_score, exercises=exercises, isolation=level,
        grader_version=__version__, suite_hash=suite_hash, course=course.name, problems=(message,),
    )  # fmt: skip


@dataclass(frozen=True)
class _Key:
    """What a report was graded from; equal keys mean a re-run may keep the report."""

    content_hash: str
    suite_hash: str
    grader_version: str
    isolation: str
    submitted_at: str = ""  # for the late policy: a new timestamp.txt or commit changes the final score

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def _state_path(out_dir: Path, student: str) -> Path:
    return out_dir / STATE_DIR / f"{student}.json"


def _already_graded(out_dir: Path, student: str, key: _Key) -> bool:
    """True when the report exists, reads back, and its sidecar records the same key."""
    try:
        state = json.loads(_state_path(out_dir, student).read_text(encoding="utf-8"))
        report = json.loads((out_dir / f"{student}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return state == key.to_dict() and report.get("suite_hash") == key.suite_hash and report.get("submission") == student


# ----------------------------------------------------------------------------- grading a class


@dataclass
class ClassSummary:
    """What a class run did; the reports themselves are on disk."""

    out_dir: Path
    students: list[str] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the grader could not grade them (their job died twice)
    gradebook: Path | None = None
    seconds: float = 0.0
    calibration: list[dict[str, Any]] = field(default_factory=list)


def grade_class(
    class_dir: Path | str,
    out_dir: Path | str,
    course: Course | Path | str | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    isolation: str | None = None,
    trusted_code: bool = False,
    dask: str | Any | None = None,
    replay: bool = True,
    stream: TextIO | None = None,
    on_report: Callable[[GradeReport], None] | None = None,
) -> ClassSummary:
    """Grade every student folder of ``class_dir`` into ``out_dir``; see the module docstring.

    ``dask`` is a scheduler address (or a ``distributed.Client``): grade on
    that cluster instead of local processes. ``replay=False`` turns off
    example replay (for measuring what it saves); it is also off when there
    are fewer than ``MIN_PER_JOB_FOR_REPLAY`` submissions per job, where the
    calibration would cost more than it saves (the grades are the same).

    Three steps: ``_plan`` (what to grade, what a re-run may keep), ``_run``
    (jobs or Dask), and ``_Saver`` (every report to disk as soon as it is ready).
    """
    t0 = time.monotonic()
    course = resolve_course(course)
    out = Path(out_dir)
    if dask is None:
        level: str = course.isolation_level(isolation, trusted_code, hide=(out,))
    else:  # resolved on each worker (so it may still be "auto"), which checks course.yaml's minimum there
        level = isolation or course.isolation
    plan = _plan(class_dir, out, course, level, force)
    summary = ClassSummary(out_dir=out, students=[s for s, _ in plan.entries], skipped=plan.skipped)
    progress = Progress(len(plan.todo), stream, skipped=len(plan.skipped))
    if plan.skipped:
        progress.note(
            f"{len(plan.skipped)} of {len(plan.entries)} already graded with this suite (use --force to regrade)"
        )
    saver = _Saver(course, out, plan, summary, progress, on_report)
    for student, message in plan.unreadable:
        saver.unreadable(student, message)
    try:
        _run(plan, saver, course, jobs=jobs, dask=dask, trusted_code=trusted_code, replay=replay)
    finally:
        summary.gradebook = _write_gradebook(out, course, set(summary.students))
        summary.seconds = round(time.monotonic() - t0, 3)
    return summary


@dataclass
class _Plan:
    """What a class run grades: the submissions to grade, and those a re-run keeps or cannot read."""

    level: str
    suite: str
    entries: list[tuple[str, Path]]
    todo: list[Submission] = field(default_factory=list)
    keys: dict[str, _Key] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    when: dict[str, tuple[dt.datetime | None, str]] = field(default_factory=dict)


def _plan(class_dir: Path | str, out: Path, course: Course, level: str, force: bool) -> _Plan:
    entries = [(s, f) for s, f in find_submissions(class_dir) if f.resolve() != out.resolve()]  # OUT_DIR may sit inside
    if not entries:
        raise AutograderError(f"{class_dir}: no student folders in it; each student's work goes in its own sub-folder")
    out.mkdir(parents=True, exist_ok=True)
    plan = _Plan(level=level, suite=course.suite_hash(), entries=entries)
    for student, folder in entries:
        try:
            sub = load_submission(folder, label=student)
        except Exception as exc:  # noqa: BLE001 - any unreadable folder gets a report, the batch goes on
            plan.unreadable.append((student, f"your submission could not be read: {_reason(exc)}"))
            continue
        plan.when[student] = _submission_time(course, folder)
        submitted, problem = plan.when[student]
        stamp = submitted.isoformat() if submitted else problem
        key = _Key(content_hash(sub), plan.suite, __version__, level, stamp)
        if not force and _already_graded(out, student, key):
            plan.skipped.append(student)
            continue
        plan.keys[student] = key
        plan.todo.append(sub)
    return plan


class _Saver:
    """Every report to disk as soon as it is ready (atomically, with the late policy and its sidecar key)."""

    def __init__(
        self,
        course: Course,
        out: Path,
        plan: _Plan,
        summary: ClassSummary,
        progress: Progress,
        on_report: Callable[[GradeReport], None] | None,
    ) -> None:
        self.course, self.out, self.plan, self.summary = course, out, plan, summary
        self.progress, self.on_report = progress, on_report

    def save(self, report: GradeReport, key: _Key | None, *, count: bool = True) -> None:
        report = _with_late_policy(report, self.course, *self.plan.when.get(report.submission, (None, "")))
        state = _state_path(self.out, report.submission)
        with uninterrupted():  # a report and its key, both or neither: Ctrl-C between them would cost a regrade
            write_atomic(self.out / f"{report.submission}.json", _report_json(report))
            if key is None:
                state.unlink(missing_ok=True)  # nothing to compare next time: always regrade
            else:
                write_atomic(state, json.dumps(key.to_dict(), indent=1) + "\n")
        if self.on_report is not None:
            self.on_report(report)
        if count:
            self.progress.update(f"{report.submission} {report.score:g}/{report.max_score:g}")

    def _error(self, label: str, message: str) -> GradeReport:
        return error_report(self.course, label, message, level=self.plan.level, suite_hash=self.plan.suite)

    def unreadable(self, student: str, message: str) -> None:
        self.save(self._error(student, message), None, count=False)
        self.summary.unreadable.append(student)
        self.progress.note(f"{student}: {message}")

    def reported(self, label: str, data: dict[str, Any]) -> None:
        self.save(GradeReport.from_dict(data), self.plan.keys[label])
        self.summary.graded.append(label)

    def failed(self, label: str, reason: str) -> None:
        message = f"the grader could not grade this submission: {reason}; ask your instructor to look at it"
        self.save(self._error(label, message), None)
        self.summary.failed.append(label)

    def ready(self, info: dict[str, Any]) -> None:
        self.summary.calibration.append(info)
        missed = info.get("not_passed") or []
        if missed and len(self.summary.calibration) == 1:
            self.progress.note(
                f"the reference solutions fail {len(missed)} hidden test(s) ({', '.join(missed[:5])}); "
                "those tests are graded without replay. Check the suite with: pytest tests/grading"
            )


def _run(
    plan: _Plan,
    saver: _Saver,
    course: Course,
    *,
    jobs: int | None,
    dask: str | Any | None,
    trusted_code: bool,
    replay: bool,
) -> None:
    """Grade ``plan.todo`` in local jobs or on Dask; every report goes to ``saver`` as it arrives."""
    todo = plan.todo
    if not todo:
        return
    n_jobs = min(jobs or default_jobs(), len(todo)) or 1
    artefact = replay and dask is None and _has_artefact(course)
    if dask is None and len(todo) < MIN_PER_JOB_FOR_REPLAY * n_jobs and not artefact:
        replay = False  # calibrating would cost more than replay saves; grades are the same either way
    where = (
        f"the Dask cluster at {dask}" if isinstance(dask, str) else "Dask" if dask is not None else f"{n_jobs} job(s)"
    )
    first = (
        "; replaying the course's calibration artefact"
        if artefact
        else "; each job first grades the reference (calibration)"
        if replay
        else ""
    )
    saver.progress.note(f"grading {len(todo)} submission(s) on {where}{first}")
    saver.progress.t0 = time.monotonic()
    if dask is not None:
        from autograder.classes.distributed import grade_on_dask

        grade_on_dask(
            dask,
            course,
            todo,
            on_report=saver.reported,
            on_failed=saver.failed,
            isolation=plan.level,
            trusted_code=trusted_code,
            replay=replay,
        )
    else:
        from autograder.classes.jobs import JobPool

        pool = JobPool(course, jobs=n_jobs, level=plan.level, replay=replay, hide=(saver.out,))
        pool.run(todo, on_report=saver.reported, on_failed=saver.failed, on_ready=saver.ready)


def _has_artefact(course: Course) -> bool:
    """A valid calibration artefact is there: jobs replay it instead of calibrating, whatever the class size."""
    from autograder.grading.calibration import existing_artefact

    return existing_artefact(course) is not None


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, AutograderError) else f"{type(exc).__name__}: {text}"


def _submission_time(course: Course, folder: Path) -> tuple[dt.datetime | None, str]:
    """(when it was handed in, or None; a problem reading it, or ""), from timestamp.txt or git (``autograder.late``)."""
    if course.deadline is None:
        return None, ""
    from autograder.late import submission_time

    try:
        return submission_time(folder, course_root=course.root)[0], ""
    except AutograderError as exc:
        return None, f"the submission time could not be read, so no late penalty was applied: {exc}"


def _with_late_policy(report: GradeReport, course: Course, submitted: dt.datetime | None, problem: str) -> GradeReport:
    """Apply course.yaml's late policy when the submission time is known."""
    if problem:
        return dataclasses.replace(report, problems=(*report.problems, problem))
    if submitted is None:
        return report
    from autograder.late import apply_late_policy

    return apply_late_policy(report, course, submitted)


def _write_gradebook(out: Path, course: Course, students: set[str]) -> Path | None:
    """The class gradebook from the reports on disk, for the students of this class only."""
    from autograder.classes.classreport import gradebook_rows, load_results, write_csv

    results = load_results(out, course)
    mine = tuple(s for s in results.students if s.student in students)
    results = dataclasses.replace(results, students=mine)
    return write_csv(gradebook_rows(results, course.gradebook), out / GRADEBOOK)
