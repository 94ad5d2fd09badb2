"""A class's results: the per-student canonical reports read together, and the gradebook CSV.

``autograder report RESULTS_DIR`` reads one ``<student>.json`` per student
(the canonical report written by ``autograder grade --json``); the file's
name is the student's identifier in the gradebook, so name the files by the
LMS login. A file that cannot be read is named in ``unreadable`` and left out;
every other student is still reported. Reports graded by different suites
(different ``suite_hash``) are flagged, since their scores are not comparable.

The gradebook's column names come from course.yaml's ``gradebook:`` section
(``GradebookColumns``); ``canvas_rows`` lays the final score out the way
Canvas's gradebook import requires. The class summary (Markdown, HTML) is
written by ``autograder.writers.classsummary`` from ``ClassResults``.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import Course, GradebookColumns
from autograder.errors import AutograderError
from autograder.files import write_atomic
from autograder.model import GradeReport, TestResult
from autograder.sanitize import one_line
from autograder.writers._common import final_score
from autograder.writers.canonical import ReportFileError, read_report

__all__ = [
    "ClassResults",
    "ExerciseInfo",
    "StudentResult",
    "TestStats",
    "canvas_rows",
    "gradebook_csv",
    "gradebook_rows",
    "attempted",
    "load_results",
    "write_csv",
]


@dataclass(frozen=True)
class StudentResult:
    student: str  # the report file's name without .json
    report: GradeReport
    file: Path

    @property
    def final(self) -> float:
        return final_score(self.report)

    @property
    def percent(self) -> float:
        return 100.0 * self.final / self.report.max_score if self.report.max_score else 0.0


@dataclass(frozen=True)
class ExerciseInfo:
    id: str
    title: str
    max_score: float


@dataclass(frozen=True)
class TestStats:
    """How the class did on one hidden test."""

    exercise: str
    name: str
    max_score: float
    visibility: str
    graded: int  # students who attempted the function (see ``attempted``)
    not_passed: int  # of those, how many did not pass
    statuses: dict[str, int]  # among those who attempted it
    example: str  # the most common message (on one line) among those who attempted it and did not pass
    not_attempted: int = 0  # students whose function was still the stub, or missing

    @property
    def failure_rate(self) -> float:
        return self.not_passed / self.graded if self.graded else 0.0


# The grader's wording for a function still raising the stub's NotImplementedError, or not there at all
# (autograder.sandbox.session); a student's own NotImplementedError is not an attempt either.
_NOT_ATTEMPTED = re.compile(r"NotImplementedError|\bhas no function \w+\(\)")


def attempted(t: TestResult) -> bool:
    """Whether the student attempted what ``t`` tests: their function ran (it is not a stub, and not missing)."""
    return not (t.status == "error" and _NOT_ATTEMPTED.search(t.message))


@dataclass(frozen=True)
class ClassResults:
    students: tuple[StudentResult, ...]
    exercises: tuple[ExerciseInfo, ...]
    unreadable: tuple[str, ...] = ()  # one message per report file that could not be read
    warnings: tuple[str, ...] = ()  # reports that can be read but should not be compared as they are
    course: str = ""
    max_score: float = 0.0
    suites: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[str, ...]:
        return self.unreadable + self.warnings

    def percents(self) -> list[float]:
        return [s.percent for s in self.students]

    def summary(self) -> dict[str, float]:
        p = self.percents()
        if not p:
            return {"students": 0}
        return {
            "students": len(p),
            "mean": statistics.fmean(p),
            "median": statistics.median(p),
            "min": min(p),
            "max": max(p),
            "late": sum(1 for s in self.students if s.report.late_penalty > 0),
            "full_marks": sum(1 for s in self.students if s.final >= s.report.max_score > 0),
        }

    def exercise_mean(self, exercise_id: str) -> float | None:
        scores = [e.score for s in self.students for e in s.report.exercises if e.id == exercise_id]
        return statistics.fmean(scores) if scores else None

    def test_stats(self) -> list[TestStats]:
        """Every test any report contains, hardest first.

        Counted among the students who attempted the function (``attempted``),
        so an untouched submission that fails everything does not push every
        test up: most failures first, then failure rate, then course order.
        """
        order: dict[tuple[str, str], int] = {}
        seen: dict[tuple[str, str], list] = {}
        for s in self.students:
            for t in s.report.tests:
                key = (t.exercise, t.name)
                order.setdefault(key, len(order))
                seen.setdefault(key, []).append(t)
        stats = []
        for key, every in seen.items():
            tests = [t for t in every if attempted(t)]
            failed = [t for t in tests if not t.passed]
            messages = Counter(one_line(t.message, 300) for t in failed if t.message.strip())
            stats.append(
                TestStats(
                    exercise=key[0],
                    name=key[1],
                    max_score=every[0].max_score,
                    visibility=every[0].visibility,
                    graded=len(tests),
                    not_passed=len(failed),
                    statuses=dict(Counter(t.status for t in tests)),
                    example=messages.most_common(1)[0][0] if messages else "",
                    not_attempted=len(every) - len(tests),
                )
            )
        stats.sort(key=lambda st: (-st.not_passed, -st.failure_rate, order[(st.exercise, st.name)]))
        return stats


def load_results(folder: Path | str, course: Course | None = None) -> ClassResults:
    """Read every ``*.json`` report in ``folder``; unreadable ones are listed in ``unreadable``, not fatal."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AutograderError(
            f"{folder}: no such results folder; pass the folder holding one <student>.json per student"
        )
    students: list[StudentResult] = []
    unreadable: list[str] = []
    warnings: list[str] = []
    for file in sorted(folder.glob("*.json")):
        if file.name.startswith(".") or not file.is_file():
            continue
        try:
            report = read_report(file)
        except ReportFileError as exc:
            unreadable.append(str(exc))
            continue
        students.append(StudentResult(student=file.stem, report=report, file=file))
    if course is not None:
        exercises = tuple(ExerciseInfo(e.id, e.title, e.max_score) for e in course.exercises)
        name, max_score = course.name, course.max_score
    else:
        found: dict[str, ExerciseInfo] = {}
        for s in students:
            for e in s.report.exercises:
                found.setdefault(e.id, ExerciseInfo(e.id, e.title, e.max_score))
        exercises = tuple(found.values())
        name = next((s.report.course for s in students if s.report.course), "")
        max_score = max((s.report.max_score for s in students), default=0.0)
    suites = dict(Counter(s.report.suite_hash for s in students))
    if len(suites) > 1:
        common = max(suites, key=lambda h: suites[h])
        odd = sorted(s.student for s in students if s.report.suite_hash != common)
        warnings.append(
            f"{len(odd)} report(s) were graded by a different suite than the other {suites[common]} "
            f"(suite_hash differs): {', '.join(odd)}; regrade them so every score comes from the same tests"
        )
    weak: dict[str, list[str]] = {}
    for s in students:
        for w in s.report.warnings:
            weak.setdefault(w, []).append(s.student)
    for w, who in weak.items():
        warnings.append(f"{len(who)} report(s) ({', '.join(sorted(who)[:10])}{', ...' if len(who) > 10 else ''}): {w}")
    if course is not None:
        for s in students:
            if s.report.max_score != course.max_score:
                warnings.append(
                    f"{s.file}: graded out of {s.report.max_score:g} points, course.yaml says {course.max_score:g}; regrade it"
                )
    return ClassResults(tuple(students), exercises, tuple(unreadable), tuple(warnings), name, max_score, suites)


def _number(x: float | None) -> str:
    return "" if x is None else f"{round(float(x), 4):.10g}"


def _text(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: keep names as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def gradebook_rows(results: ClassResults, columns: GradebookColumns | None = None) -> list[list[str]]:
    """Header and one row per student: student, per-exercise scores, total, late penalty (%), final."""
    c = columns or GradebookColumns()
    header = [c.student, *[f"{c.exercise_prefix}{e.id}" for e in results.exercises], c.total, c.late_penalty, c.final]
    rows = [header]
    for s in sorted(results.students, key=lambda s: s.student):
        by_id = {e.id: e.score for e in s.report.exercises}
        rows.append([
            _text(s.student),
            *[_number(by_id.get(e.id)) for e in results.exercises],
            _number(s.report.score),
            _number(s.report.late_penalty),
            _number(s.final),
        ])  # fmt: skip
    return rows


def canvas_rows(results: ClassResults, columns: GradebookColumns | None = None) -> list[list[str]]:
    """Canvas's import layout: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment.

    Canvas finds its header by those first columns and treats every later
    column as an assignment, matched by the "Name (id)" in its header: set
    ``gradebook.final`` to the Canvas assignment's column name. Students are
    matched by SIS Login ID, which is the report's file name.
    """
    c = columns or GradebookColumns()
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", c.final]]
    for s in sorted(results.students, key=lambda s: s.student):
        rows.append([_text(s.student), "", "", _text(s.student), "", _number(s.final)])
    return rows


def gradebook_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def write_csv(rows: list[list[str]], path: Path | str) -> Path:
    """UTF-8 with a byte-order mark, so Excel opens names with accents correctly; Canvas and Moodle accept it."""
    return write_atomic(path, "\ufeff" + gradebook_csv(rows))
