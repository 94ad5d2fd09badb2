"""The class summary for instructors, as Markdown and as self-contained HTML.

What an instructor wants after a deadline: how the class did (mean, median,
a histogram of final scores), how each exercise went, and what the class
struggles with: every hidden test, hardest first, with its failure rate,
the statuses seen and the most common first line of the message. Files
that could not be read are listed at the top, so a missing student is
never silent.

This is an instructor's document: hidden tests are named. Do not publish
it to students.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..classreport import ClassResults, TestStats
from ._common import num, write_text_atomic
from ._plots import histogram
from .html import figure, page

__all__ = ["summary_html", "summary_markdown", "write_summary_html", "write_summary_markdown"]

_BINS = [(i * 10, i * 10 + 10) for i in range(10)]


def _bins(percents: list[float]) -> list[int]:
    counts = [0] * 10
    for p in percents:
        counts[min(9, max(0, int(p // 10)))] += 1
    return counts


def _cell(text: str) -> str:
    """Table-cell text: no pipes, newlines or raw HTML (messages can hold anything a student's code returned)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(statuses.items(), key=lambda kv: -kv[1]))


def _split_stats(results: ClassResults) -> tuple[list[TestStats], list[TestStats]]:
    """(tests someone did not pass, hardest first; tests everyone passed)."""
    stats = results.test_stats()
    return [s for s in stats if s.not_passed], [s for s in stats if not s.not_passed]


def _easy_line(easy: list[TestStats]) -> str:
    if not easy:
        return "No test was passed by every student."
    return f"Every student passed the other {len(easy)} test{'s' if len(easy) != 1 else ''}."


def summary_markdown(results: ClassResults) -> str:
    s = results.summary()
    title = f"{results.course} · class summary" if results.course else "Class summary"
    lines = [f"# {title}", ""]
    if results.problems:
        lines += ["**Needs attention:**", ""] + [f"- {_cell(p)}" for p in results.problems] + [""]
    if not s["students"]:
        return "\n".join(lines + ["No readable reports."]) + "\n"
    lines += [
        f"{s['students']} students · mean {s['mean']:.1f}% · median {s['median']:.1f}% · "
        f"min {s['min']:.1f}% · max {s['max']:.1f}% · full marks {s['full_marks']} · late {s['late']}",
        "",
        "## Final scores",
        "",
        "| Score | Students | |",
        "|---|---:|---|",
    ]
    counts = _bins(results.percents())
    for (lo, hi), n in zip(_BINS, counts):
        lines.append(f"| {lo}–{hi}% | {n} | {'█' * n} |")
    lines += ["", "## Exercises", "", "| Exercise | Mean | Max |", "|---|---:|---:|"]
    for e in results.exercises:
        mean = results.exercise_mean(e.id)
        lines.append(f"| {_cell(e.title)} (`{e.id}`) | {'' if mean is None else num(mean)} | {num(e.max_score)} |")
    hard, easy = _split_stats(results)
    lines += ["", "## What the class struggles with", ""]
    if hard:
        lines += ["| Test | Visibility | Did not pass | Statuses | Most common message |", "|---|---|---:|---|---|"]
    for st in hard:
        lines.append(
            f"| `{st.exercise}.{st.name}` | {st.visibility} | {st.not_passed}/{st.graded} ({100 * st.failure_rate:.0f}%) "
            f"| {_statuses(st.statuses)} | {_cell(st.example)} |"
        )
    lines += ["", _easy_line(easy)]
    lines += ["", "## Students", "", "| Student | Score | Late penalty | Final |", "|---|---:|---:|---:|"]
    for r in sorted(results.students, key=lambda r: r.student):
        late = f"{num(r.report.late_penalty)}%" if r.report.late_penalty else ""
        lines.append(f"| {_cell(r.student)} | {num(r.report.score)} | {late} | {num(r.final)} ({r.percent:.0f}%) |")
    return "\n".join(lines).rstrip() + "\n"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def summary_html(results: ClassResults) -> str:
    s = results.summary()
    title = f"{results.course} · class summary" if results.course else "Class summary"
    body = [f"<header class=\"top\"><h1>{_e(title)}</h1>"]
    if results.problems:
        body.append("<p><strong>Needs attention:</strong></p><ul>" +
                    "".join(f"<li>{_e(p)}</li>" for p in results.problems) + "</ul>")  # fmt: skip
    if not s["students"]:
        body.append("<p>No readable reports.</p></header>")
        return page(title, "\n".join(body))
    body.append(
        f"<p class=\"score\">{s['mean']:.1f}% <span class=\"muted\">mean of {s['students']} students</span></p>"
        f"<p class=\"muted\">median {s['median']:.1f}% · min {s['min']:.1f}% · max {s['max']:.1f}% · "
        f"full marks {s['full_marks']} · late {s['late']}</p></header>"
    )
    body.append("<section class=\"exercise\"><h2>Final scores</h2>" + figure(histogram(results.percents())) + "</section>")
    rows = "".join(
        f"<tr><td>{_e(e.title)} <span class=\"muted\">({_e(e.id)})</span></td>"
        f"<td class=\"num\">{'' if (m := results.exercise_mean(e.id)) is None else num(m)}</td>"
        f"<td class=\"num\">{num(e.max_score)}</td></tr>"
        for e in results.exercises
    )
    body.append("<section class=\"exercise\"><h2>Exercises</h2><table><thead><tr><th>Exercise</th>"
                f"<th class=\"num\">Mean</th><th class=\"num\">Max</th></tr></thead><tbody>{rows}</tbody></table></section>")  # fmt: skip
    hard, easy = _split_stats(results)
    rows = "".join(
        f"<tr><td><code>{_e(st.exercise)}.{_e(st.name)}</code></td><td>{_e(st.visibility)}</td>"
        f"<td class=\"num\">{st.not_passed}/{st.graded} ({100 * st.failure_rate:.0f}%)</td>"
        f"<td>{_e(_statuses(st.statuses))}</td><td><code>{_e(st.example)}</code></td></tr>"
        for st in hard
    )
    table = ("<table class=\"stats\"><thead><tr><th>Test</th><th>Visibility</th><th class=\"num\">Did not pass</th>"
             f"<th>Statuses</th><th>Most common message</th></tr></thead><tbody>{rows}</tbody></table>") if hard else ""
    body.append(f"<section class=\"exercise\"><h2>What the class struggles with</h2>{table}"
                f"<p class=\"muted\">{_e(_easy_line(easy))}</p></section>")  # fmt: skip
    rows = "".join(
        f"<tr><td>{_e(r.student)}</td><td class=\"num\">{num(r.report.score)}</td>"
        f"<td class=\"num\">{num(r.report.late_penalty) + '%' if r.report.late_penalty else ''}</td>"
        f"<td class=\"num\">{num(r.final)} ({r.percent:.0f}%)</td></tr>"
        for r in sorted(results.students, key=lambda r: r.student)
    )
    body.append("<section class=\"exercise\"><h2>Students</h2><table><thead><tr><th>Student</th><th class=\"num\">"
                "Score</th><th class=\"num\">Late penalty</th><th class=\"num\">Final</th></tr></thead>"
                f"<tbody>{rows}</tbody></table></section>")  # fmt: skip
    return page(title, "\n".join(body))


def write_summary_markdown(results: ClassResults, path: Path | str) -> Path:
    return write_text_atomic(path, summary_markdown(results))


def write_summary_html(results: ClassResults, path: Path | str) -> Path:
    return write_text_atomic(path, summary_html(results))
