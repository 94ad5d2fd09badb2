"""JUnit XML, the format every CI system can display.

One ``<testsuite>`` per exercise, one ``<testcase>`` per hidden test
(``classname`` = exercise, ``name`` = test function), points as
``<properties>`` (``score``, ``max_score``, ``visibility``), a wrong answer
as ``<failure>`` and an error, timeout or crash as ``<error>``, each with the
whole message on one line as ``message`` (a multi-line array stays whole)
and the full message plus hint as text.
Each suite carries its exercise's points as properties; the root
``<testsuites>`` names the total ("Neurons: 14/16 points"), since it has no
standard place for properties.

Visibility applies (CI logs are usually visible to the student): tests the
reader may not see become one ``hidden tests`` case per exercise, with their
points and no names or messages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from autograder.files import write_atomic
from autograder.model import GradeReport, TestResult
from autograder.writers._common import STATUS_WORDS, final_score, log_safe, num, one_line
from autograder.writers._visibility import View, Withheld, split

__all__ = ["junit_xml", "write_junit"]

_MESSAGE_LIMIT = 1000  # the one-line ``message`` attribute; the element's text has it all
_ILLEGAL = dict.fromkeys([c for c in range(32) if c not in (9, 10, 13)] + [0xFFFE, 0xFFFF])


def _clean(text: str) -> str:
    """``log_safe``: CI reporters print these texts to logs; XML 1.0 cannot hold most control characters anyway."""
    return log_safe(text).translate({c: "\ufffd" for c in _ILLEGAL})


def _properties(parent: ET.Element, **values: str) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=_clean(value))


def _case(suite: ET.Element, t: TestResult) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", classname=t.exercise, name=t.name, time=f"{t.duration:.3f}")
    _properties(case, score=num(t.score), max_score=num(t.max_score), visibility=t.visibility)
    if t.passed:
        return 0, 0
    tag = "failure" if t.status == "failed" else "error"
    first = one_line(t.message, _MESSAGE_LIMIT) or STATUS_WORDS.get(t.status, t.status)  # an array whole
    body = t.message + (f"\nHint: {t.hint}" if t.hint else "")
    el = ET.SubElement(case, tag, message=_clean(first), type=t.status)
    el.text = _clean(body)
    return (1, 0) if tag == "failure" else (0, 1)


def _withheld_case(suite: ET.Element, exercise: str, w: Withheld) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", classname=exercise, name="hidden tests", time="0.000")
    _properties(case, score=num(w.score), max_score=num(w.max_score), visibility="hidden", count=str(w.count))
    if w.passed == w.count:
        return 0, 0
    text = f"{w.count - w.passed} of {w.count} hidden tests did not pass: {w.describe()}"
    ET.SubElement(case, "failure", message=text, type="hidden").text = text
    return 1, 0


def junit_xml(report: GradeReport, view: View | None = None) -> str:
    """The report as a JUnit XML document (UTF-8 text)."""
    view = view or View()
    title = f"{report.course or 'autograder'}: {num(final_score(report))}/{num(report.max_score)} points"
    root = ET.Element("testsuites", name=_clean(title))
    warnings = {"warning": " ".join(report.warnings)} if report.warnings else {}
    totals = [0, 0, 0, 0.0]  # tests, failures, errors, time
    for ex in report.exercises:
        suite = ET.SubElement(root, "testsuite", name=ex.id)
        _properties(suite, title=ex.title, score=num(ex.score), max_score=num(ex.max_score),
                    submission=report.submission, isolation=report.isolation, **warnings)  # fmt: skip
        shown, withheld = split(ex.tests, view)
        counts = [_case(suite, t) for t in shown]
        if withheld:
            counts.append(_withheld_case(suite, ex.id, withheld))
        failures, errors = sum(c[0] for c in counts), sum(c[1] for c in counts)
        seconds = sum(t.duration for t in ex.tests)
        suite.set("tests", str(len(counts)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        suite.set("time", f"{seconds:.3f}")
        if report.started_at:
            suite.set("timestamp", report.started_at)
        totals = [totals[0] + len(counts), totals[1] + failures, totals[2] + errors, totals[3] + seconds]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    root.set("time", f"{totals[3]:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(report: GradeReport, path: Path | str, view: View | None = None) -> Path:
    return write_atomic(path, junit_xml(report, view))
