"""Golden files: every format for fixed reports, compared byte for byte (after normalising images).

The reports are synthetic (tests/report_samples.py): every status, every
visibility, a late penalty, plot data for every plot and hostile student
text, so the goldens pin the formats and do not move when lessons change.

Regenerate after an intended format change, then review the diff:

    AUTOGRADER_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_reports.py
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.classes.classreport import ClassResults, StudentResult, canvas_rows, gradebook_csv, gradebook_rows
from autograder.config import GradebookColumns
from autograder.writers import View
from autograder.writers.canonical import to_json
from autograder.writers.classroom import classroom_result
from autograder.writers.classsummary import summary_html, summary_markdown
from autograder.writers.gradescope import gradescope_results
from autograder.writers.html import html_report
from autograder.writers.junit import junit_xml
from autograder.writers.markdown import markdown_report
from tests.report_samples import synthetic_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("AUTOGRADER_UPDATE_GOLDEN"))


def normalise(text: str) -> str:
    """PNG bytes depend on matplotlib and font versions: keep the place of each image, not its pixels."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,<PNG>", text)


def _reports():
    late = synthetic_report(late=True)
    on_time = replace(synthetic_report(late=False), submission="on_time", output="", problems=())
    return {"late": late, "on_time": on_time}


def _class() -> ClassResults:
    students = tuple(StudentResult(name, report, Path(f"{name}.json")) for name, report in _reports().items())
    from autograder.classes.classreport import ExerciseInfo

    exercises = tuple(ExerciseInfo(e.id, e.title, e.max_score) for e in students[0].report.exercises)
    return ClassResults(students, exercises, unreadable=("results/broken.json: not valid JSON",), course="Neurons",
                        max_score=students[0].report.max_score)  # fmt: skip


def _documents() -> dict[str, str]:
    docs: dict[str, str] = {}
    for name, report in _reports().items():
        docs[f"{name}.report.json"] = to_json(report)
        docs[f"{name}.gradescope.json"] = json.dumps(gradescope_results(report), indent=2, ensure_ascii=False) + "\n"
        docs[f"{name}.classroom.json"] = (
            json.dumps(classroom_result(report, View()), indent=2, ensure_ascii=False) + "\n"
        )
        docs[f"{name}.junit.xml"] = junit_xml(report, View())
        docs[f"{name}.student.md"] = markdown_report(report, View())
        docs[f"{name}.instructor.md"] = markdown_report(report, View.everything())
        docs[f"{name}.student.html"] = html_report(report, View())
    results = _class()
    columns = GradebookColumns(student="Username", final="Neurons (4711)")
    docs["class.gradebook.csv"] = gradebook_csv(gradebook_rows(results, columns))
    docs["class.canvas.csv"] = gradebook_csv(canvas_rows(results, columns))
    docs["class.summary.md"] = summary_markdown(results)
    docs["class.summary.html"] = summary_html(results)
    return {k: normalise(v) for k, v in docs.items()}


DOCUMENTS = _documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_format_matches_its_golden_file(name):
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DOCUMENTS[name], encoding="utf-8", newline="")
    assert path.exists(), f"{path} is missing; run with AUTOGRADER_UPDATE_GOLDEN=1 to create it"
    with open(path, encoding="utf-8", newline="") as fh:
        stored = fh.read()
    assert stored == DOCUMENTS[name], (
        f"{name} drifted from {path}; if the change is intended, regenerate with AUTOGRADER_UPDATE_GOLDEN=1 and review"
    )


def test_no_stale_golden_files():
    assert {p.name for p in GOLDEN.iterdir()} == set(DOCUMENTS)
