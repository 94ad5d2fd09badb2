"""The class summary (Markdown and HTML): histogram, exercises, hardest tests, unreadable files named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.classes.classreport import ClassResults, ExerciseInfo, StudentResult, attempted
from autograder.model import ExerciseResult, GradeReport
from autograder.model import TestResult as Result
from autograder.writers.classsummary import summary_html, summary_markdown, write_summary_html
from tests.chromium import find_chromium, visit
from tests.report_samples import synthetic_report


def _results(n: int = 3, unreadable: tuple[str, ...] = ()) -> ClassResults:
    base = synthetic_report(late=False)
    students = []
    for i in range(n):
        report = base if i else base.with_late_penalty("2026-12-20T00:00:00+00:00", 10.0)
        students.append(StudentResult(f"student{i}", report, Path(f"student{i}.json")))
    exercises = tuple(ExerciseInfo(e.id, e.title, e.max_score) for e in base.exercises)
    return ClassResults(tuple(students), exercises, unreadable=unreadable, course="Neurons", max_score=base.max_score)


def test_markdown_has_stats_histogram_exercises_and_hardest_tests_first():
    md = summary_markdown(_results())
    assert md.startswith("# Neurons · class summary")
    assert "3 students" in md and "late 1" in md
    bars = re.findall(r"^\| (\d+)–(\d+)% \| (\d+) \|", md, re.MULTILINE)
    assert len(bars) == 10 and sum(int(b[2]) for b in bars) == 3
    rows = re.findall(r"^\| `(\w+\.\w+)` \| (\w+) \| (\d+)/(\d+) \((\d+)%\)", md, re.MULTILINE)
    rates = [int(r[4]) for r in rows]
    assert rates == sorted(rates, reverse=True) and len(rows) == 7 and all(rate > 0 for rate in rates)
    assert ("activations.test_secret_edge_case", "hidden") in [(r[0], r[1]) for r in rows]  # instructors see all
    assert "Every student who attempted them passed the other 4 tests." in md


STUB = "sigmoid(z) is not implemented yet (it raises NotImplementedError)"
ARRAY_MESSAGE = "f(x) returned [0.0 1.0\n 2.0 3.0] (shape (2, 2), float64), expected [1.0 1.0\n 2.0 3.0]"


def _class_of(per_student: dict[str, list[tuple[str, str]]]) -> ClassResults:
    """A class whose students' tests t00, t01, ... end with the given (status, message)s."""
    students = []
    for name, outcomes in per_student.items():
        tests = tuple(Result(f"t{i:02d}", "ex", status, float(status == "passed"), 1.0, message)  # type: ignore[arg-type]
                      for i, (status, message) in enumerate(outcomes))  # fmt: skip
        ex = ExerciseResult("ex", "Ex", sum(t.score for t in tests), len(tests), tests)
        report = GradeReport(name, ex.score, ex.max_score, (ex,), "process", "0", "h")
        students.append(StudentResult(name, report, Path(f"{name}.json")))
    return ClassResults(tuple(students), (ExerciseInfo("ex", "Ex", 30.0),), course="C", max_score=30.0)


def test_an_untouched_submission_does_not_list_every_test():
    """One stub fails all 30 tests; the list ranks by failures among students who attempted, top 10 only."""
    wrong = [("failed", f"wrong {i}") if i < 12 else ("passed", "") for i in range(30)]
    results = _class_of({"stub": [("error", STUB)] * 29 + [("error", "ex.py has no function g()")],
                         "amy": wrong, "ben": [("failed", "wrong 0")] + [("passed", "")] * 29})  # fmt: skip
    assert not attempted(results.students[0].report.tests[0]) and attempted(results.students[1].report.tests[0])
    stats = results.test_stats()
    assert [s.name for s in stats[:2]] == ["t00", "t01"] and stats[0].not_passed == 2 and stats[0].graded == 2
    assert all(s.not_attempted == 1 for s in stats) and sum(1 for s in stats if s.not_passed) == 12
    md = summary_markdown(results)
    rows = re.findall(r"^\| `ex\.(t\d\d)` \| \w+ \| (\d+)/(\d+) \(\d+%\) \| [^|]+ \| (\d+) \|", md, re.MULTILINE)
    assert len(rows) == 10 and rows[0] == ("t00", "2", "2", "1")
    assert "2 more tests did not pass for some students." in md
    assert "Every student who attempted them passed the other 18 tests." in md
    assert summary_html(results).count("<tr><td><code>ex.") == 10


def test_the_most_common_message_keeps_a_multi_line_array_on_one_line():
    results = _class_of({"a": [("failed", ARRAY_MESSAGE)], "b": [("failed", ARRAY_MESSAGE)]})
    whole = "f(x) returned [0.0 1.0 2.0 3.0] (shape (2, 2), float64), expected [1.0 1.0 2.0 3.0]"
    assert results.test_stats()[0].example == whole
    assert f"`{whole}`" in summary_markdown(results)


def test_unreadable_files_are_listed_first():
    md = summary_markdown(_results(unreadable=("res/broken.json: not valid JSON",)))
    head = md.split("## Final scores")[0]
    assert "Needs attention" in head and "res/broken.json" in head
    assert "res/broken.json" in summary_html(_results(unreadable=("res/broken.json: not valid JSON",)))


def test_no_readable_reports_still_gives_a_summary():
    empty = ClassResults((), (), unreadable=("a.json: not valid JSON",))
    assert "No readable reports" in summary_markdown(empty) and "No readable reports" in summary_html(empty)


def test_html_has_the_histogram_inline_and_escapes_messages():
    page = summary_html(_results())
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 1
    assert "<script>alert" not in page and "&lt;script&gt;" in page


@pytest.mark.skipif(
    find_chromium() is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)"
)
def test_chromium_loads_the_class_summary_without_console_errors(tmp_path):
    path = write_summary_html(_results(), tmp_path / "summary.html")
    seen = visit(path.as_uri(), full_page=False)
    assert seen.console_errors == []
    assert all(u.startswith(("data:", "file:")) for u in seen.requests)
    assert seen.screenshot.startswith(b"\x89PNG") and len(seen.screenshot) > 10_000
