"""How ``autograder check`` shows its results: a text table, Markdown, HTML and Classroom's runner result.

Every format leads with one row per lesson (passed / total and the first
problem, which is the hint that matters most), then what went wrong test by
test. Functions not written yet are folded into one line per lesson: a fresh
starter repository should read as a to-do list, not a wall of failures.

Messages can carry text the student's code produced (a returned value's
repr, what it printed), and the text output goes to terminals and CI logs,
so it is cleaned with ``autograder.sanitize.log_safe`` (no escape sequences;
every line a runner would act on, ``::workflow-command`` or a fake
``Points 100/100``, defused) before the one real ``Points X/Y`` line. The
text is wrapped to the terminal's width; the notebook HTML wraps long lines
instead of overflowing to the right; Markdown escapes everything a student
wrote (``md_text``), so no link, image or HTML renders.
"""

from __future__ import annotations

import base64
import html
import json
import shutil
import textwrap
from typing import Any

from autograder.checking.model import CheckReport, LessonCheck, PublicTest
from autograder.sanitize import log_safe, md_text, plain
from autograder.testing import plain_reprs

__all__ = ["MAX_MESSAGE_LINES", "classroom_result", "encode_result", "format_html", "format_markdown", "format_text"]

MAX_MESSAGE_LINES = 12
_COUSIN = ("These public tests are a small, visible cousin of the hidden tests that grade your work: "
           "passing them means you are on the right track, not that every hidden test passes.")  # fmt: skip


def _first(text: str, width: int = 90) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 3] + "..."


def _lines(text: str) -> list[str]:
    lines = plain_reprs(text).strip().splitlines() or [""]
    if len(lines) > MAX_MESSAGE_LINES:
        lines = [*lines[:MAX_MESSAGE_LINES], f"... ({len(lines) - MAX_MESSAGE_LINES} more lines)"]
    return lines


def _label(lesson: LessonCheck) -> str:
    return lesson.id if lesson.title == lesson.id else f"{lesson.title} ({lesson.id})"


def _problem(lesson: LessonCheck) -> str:
    if lesson.total == 0:
        return "no public tests"
    failure = lesson.first_failure
    return "" if failure is None else plain_reprs(failure.message)


def _groups(lesson: LessonCheck) -> tuple[list[PublicTest], list[PublicTest]]:
    """(tests to explain one by one, tests whose function is not written yet)."""
    failing = [t for t in lesson.tests if not t.passed]
    todo = [t for t in failing if t.status == "todo"]
    if lesson.problem:  # the module does not import: one message says it all
        return failing[:1], []
    return [t for t in failing if t.status != "todo"], todo


def _todo_line(todo: list[PublicTest], lesson: LessonCheck, source: str = "files") -> str:
    funcs = list(dict.fromkeys(t.message.split(" is not written yet")[0] for t in todo))
    tests = "test" if len(todo) == 1 else "tests"
    where = "your notebook" if source == "notebook" else f"{lesson.id}.py"
    return (f"not written yet: {', '.join(funcs)} ({len(todo)} {tests}); replace each "
            f"`raise NotImplementedError(...)` in {where} with your code")  # fmt: skip


def _heading(report: CheckReport) -> str:
    name = f"{report.course}: " if report.course else ""
    where = " (your notebook's definitions)" if report.source == "notebook" else ""
    return f"{name}public checks{where}: {report.passed}/{report.total} passed in {report.duration:.1f} s"


# --------------------------------------------------------------------------- text


def _wrap(line: str, width: int) -> list[str]:
    """``line`` wrapped to ``width``; continuation lines of an indented line are indented two more."""
    indent = " " * (len(line) - len(line.lstrip()))
    return textwrap.wrap(line, width, subsequent_indent=indent + "  " if indent else "", break_on_hyphens=False) or [""]


def format_text(report: CheckReport, width: int | None = None) -> str:
    """The text table and what to fix, wrapped to ``width`` (default: the terminal's, ``$COLUMNS`` if set)."""
    width = max(40, width or shutil.get_terminal_size((100, 24)).columns)
    labels = [_label(lesson) for lesson in report.lessons]
    w_label = max([len(x) for x in labels] + [6])
    w_count = max([len(f"{x.passed}/{x.total}") for x in report.lessons] + [6])
    room = max(20, width - (4 + 2 + w_label + 2 + w_count + 2) - 1)
    rows = [(("ok" if lesson.passed == lesson.total and lesson.total else "FAIL"), label,
             f"{lesson.passed}/{lesson.total}", _first(plain(_problem(lesson)), room))
            for lesson, label in zip(report.lessons, labels)]  # fmt: skip
    out = [_heading(report), ""]
    out.append(f"      {'lesson':<{w_label}}  {'passed':>{w_count}}  first problem")
    for mark, label, count, problem in rows:
        out.append(f"{mark:<4}  {label:<{w_label}}  {count:>{w_count}}  {problem}".rstrip())
    details = []
    for lesson in report.lessons:
        explain, todo = _groups(lesson)
        if not explain and not todo:
            continue
        details.append(f"  {lesson.id}")
        for t in explain:
            details.append(f"    - {t.name} [{t.status}]")
            details += [f"        {line}" for line in _lines(t.message)]
            if t.hint:
                details.append(f"        hint: {t.hint}")
        if todo:
            details.append(f"    - {_todo_line(todo, lesson, report.source)}")
    if details:
        out += ["", "What to fix:", *details]
    out += ["", *(f"note: {n}" for n in report.notes)]
    out.append(_COUSIN if report.total else "No public tests ran.")
    body = log_safe("\n".join(w for line in plain("\n".join(out)).split("\n") for w in _wrap(line, width)))
    return f"{body}\n{report.points_line}"


# --------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """One Markdown table cell or list item: one line, no pipes, and no link, image, HTML or formatting."""
    return md_text(text)


def format_markdown(report: CheckReport) -> str:
    title = f"{report.course}: public checks" if report.course else "Public checks"
    out = [f"## {title}", "", f"**{report.passed} / {report.total}** public tests pass.", ""]
    out += ["| | lesson | passed | first problem |", "|---|---|---:|---|"]
    for lesson in report.lessons:
        mark = "✅" if lesson.total and lesson.passed == lesson.total else "❌"
        out.append(
            f"| {mark} | {_md(_label(lesson))} | {lesson.passed}/{lesson.total} | {_md(_first(_problem(lesson), 120))} |"
        )
    details = []
    for lesson in report.lessons:
        explain, todo = _groups(lesson)
        for t in explain:
            details.append(f"- **{lesson.id}** `{t.name}` ({t.status}): {_md(' '.join(_lines(t.message)))}")
            if t.hint:
                details.append(f"  - hint: {_md(t.hint)}")
        if todo:
            details.append(f"- **{lesson.id}**: {_md(_todo_line(todo, lesson, report.source))}")
    if details:
        out += ["", "### What to fix", "", *details]
    out += ["", *(f"> note: {_md(n)}" for n in report.notes), "", f"_{_COUSIN}_", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- HTML (Jupyter)


WRAP = "white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%"  # long lines wrap, never overflow right


def _e(text: str) -> str:
    return html.escape(plain(text))


def format_html(report: CheckReport) -> str:
    e = _e
    cell = "padding:2px 10px;text-align:left;vertical-align:top;overflow-wrap:anywhere"
    rows = []
    for lesson in report.lessons:
        good = lesson.total and lesson.passed == lesson.total
        mark = "<span style='color:#1a7f37'>&#10004;</span>" if good else "<span style='color:#cf222e'>&#10008;</span>"
        rows.append(f"<tr><td style='{cell}'>{mark}</td><td style='{cell}'>{e(_label(lesson))}</td>"
                    f"<td style='{cell}'>{lesson.passed}/{lesson.total}</td>"
                    f"<td style='{cell}'>{e(_first(_problem(lesson), 140))}</td></tr>")  # fmt: skip
    items = []
    for lesson in report.lessons:
        explain, todo = _groups(lesson)
        for t in explain:
            hint = f"<br><i>hint: {e(t.hint)}</i>" if t.hint else ""
            items.append(f"<li><b>{e(lesson.id)}</b> <code>{e(t.name)}</code> ({e(t.status)}):"
                         f"<pre style='margin:2px 0;{WRAP}'>{e(chr(10).join(_lines(t.message)))}</pre>"
                         f"{hint}</li>")  # fmt: skip
        if todo:
            items.append(f"<li><b>{e(lesson.id)}</b>: {e(_todo_line(todo, lesson, report.source))}</li>")
    parts = [
        "<div class='autograder-check' style='max-width:100%;overflow-wrap:anywhere'>",
        f"<p><b>{e(_heading(report))}</b></p>",
        (
            f"<table style='max-width:100%'><tr><th style='{cell}'></th><th style='{cell}'>lesson</th>"
            f"<th style='{cell}'>passed</th>"
            f"<th style='{cell}'>first problem</th></tr>{''.join(rows)}</table>"
        ),
    ]
    if items:
        parts.append(f"<p><b>What to fix</b></p><ul>{''.join(items)}</ul>")
    parts += [f"<p><i>note: {e(n)}</i></p>" for n in report.notes]
    parts.append(f"<p style='color:#57606a'>{e(_COUSIN)}</p></div>")
    return "".join(parts)


# --------------------------------------------------------------------------- GitHub Classroom


_STATUS = {"passed": "pass", "failed": "fail", "todo": "fail", "missing": "fail"}


def classroom_result(report: CheckReport) -> dict[str, Any]:
    """The runner ``result`` Classroom's grading reporter reads: one point per public test."""
    tests = [
        {
            "name": f"{t.lesson}: {t.name}",
            "status": _STATUS.get(t.status, "error"),
            "score": 1 if t.passed else 0,
            "message": log_safe(plain_reprs(t.message) + (f"\nhint: {t.hint}" if t.hint and not t.passed else "")),
            "test_code": "",
            "filename": f"tests/test_{t.lesson}.py",
            "line_no": 0,
            "duration": round(t.duration, 4),
        }
        for lesson in report.lessons
        for t in lesson.tests
    ]
    status = "pass" if report.ok else "fail"
    return {"version": 1, "status": status, "max_score": report.total, "tests": tests}


def encode_result(report: CheckReport) -> str:
    return base64.b64encode(json.dumps(classroom_result(report), ensure_ascii=False).encode("utf-8")).decode("ascii")
