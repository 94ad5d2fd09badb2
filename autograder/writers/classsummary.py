"""The class summary for instructors, as Markdown and as self-contained HTML.

What an instructor wants after a deadline: how the class did (mean, median,
a histogram of final scores), how each exercise went, and what the class
struggles with: the ten tests most students got wrong, counted among the
students who attempted the function (a stub that still raises
NotImplementedError, or a missing function, is "not attempted", so one
untouched submission does not list every test), with the statuses seen and
the most common message on one line. Files
that could not be read are listed at the top, so a missing student is
never silent.

This is an instructor's document: hidden tests are named. Do not publish
it to students. Student names and messages are escaped (``autograder.sanitize``).
"""

from __future__ import annotations

import html
from pathlib import Path

from autograder.classes.classreport import ClassResults, TestStats
from autograder.files import write_atomic
from autograder.sanitize import md_code
from autograder.writers._common import md_text, num, plain
from autograder.writers._plots import histogram
from autograder.writers.html import figure, page

__all__ = ["summary_html", "summary_markdown", "write_summary_html", "write_summary_markdown"]

TOP = 10  # tests listed under "what the class struggles with"
_BINS = [(i * 10, i * 10 + 10) for i in range(10)]


def _bins(percents: list[float]) -> list[int]:
    counts = [0] * 10
    for p in percents:
        counts[min(9, max(0, int(p // 10)))] += 1
    return counts


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(statuses.items(), key=lambda kv: -kv[1]))


def _split_stats(results: ClassResults) -> tuple[list[TestStats], list[TestStats]]:
    """(the ``TOP`` tests most students who attempted them did not pass, hardest first; the other tests)."""
    stats = results.test_stats()
    hard = [s for s in stats if s.not_passed]
    return hard[:TOP], [s for s in stats if s not in hard[:TOP]]


_INTRO = ("The tests most students got wrong, counted among the students who attempted the function "
          "(a function that is still the stub, or missing, is not attempted).")  # fmt: skip


def _easy_line(rest: list[TestStats]) -> str:
    more = sum(1 for s in rest if s.not_passed)
    easy = len(rest) - more
    text = f"{more} more test{'s' if more != 1 else ''} did not pass for some students. " if more else ""
    if not easy:
        return text + "No test was passed by every student who attempted it."
    return text + f"Every student who attempted them passed the other {easy} test{'s' if easy != 1 else ''}."


def summary_markdown(results: ClassResults) -> str:
    s = results.summary()
    title = f"{results.course} · class summary" if results.course else "Class summary"
    lines = [f"# {title}", ""]
    if results.problems:
        lines += ["**Needs attention:**", ""] + [f"- {md_text(p)}" for p in results.problems] + [""]
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
        lines.append(f"| {md_text(e.title)} (`{e.id}`) | {'' if mean is None else num(mean)} | {num(e.max_score)} |")
    hard, easy = _split_stats(results)
    lines += ["", "## What the class struggles with", ""]
    if hard:
        lines += [_INTRO, "", "| Test | Visibility | Did not pass | Statuses | Not attempted | Most common message |",
                  "|---|---|---:|---|---:|---|"]  # fmt: skip
    for st in hard:
        lines.append(
            f"| `{st.exercise}.{st.name}` | {st.visibility} | {st.not_passed}/{st.graded} ({100 * st.failure_rate:.0f}%) "
            f"| {_statuses(st.statuses)} | {st.not_attempted} | {md_code(st.example, in_table=True)} |"
        )
    lines += ["", _easy_line(easy)]
    lines += ["", "## Students", "", "| Student | Score | Late penalty | Final |", "|---|---:|---:|---:|"]
    for r in sorted(results.students, key=lambda r: r.student):
        late = f"{num(r.report.late_penalty)}%" if r.report.late_penalty else ""
        lines.append(f"| {md_text(r.student)} | {num(r.report.score)} | {late} | {num(r.final)} ({r.percent:.0f}%) |")
    return "\n".join(lines).rstrip() + "\n"


def _e(text: object) -> str:
    return html.escape(plain(str(text)), quote=True)


def summary_html(results: ClassResults) -> str:
    s = results.summary()
    title = f"{results.course} · class summary" if results.course else "Class summary"
    body = [f'<header class="top"><h1>{_e(title)}</h1>']
    if results.problems:
        body.append("<p><strong>Needs attention:</strong></p><ul>" +
                    "".join(f"<li>{_e(p)}</li>" for p in results.problems) + "</ul>")  # fmt: skip
    if not s["students"]:
        body.append("<p>No readable reports.</p></header>")
        return page(title, "\n".join(body))
    body.append(
        f'<p class="score">{s["mean"]:.1f}% <span class="muted">mean of {s["students"]} students</span></p>'
        f'<p class="muted">median {s["median"]:.1f}% · min {s["min"]:.1f}% · max {s["max"]:.1f}% · '
        f"full marks {s['full_marks']} · late {s['late']}</p></header>"
    )
    body.append(
        '<section class="exercise"><h2>Final scores</h2>' + figure(histogram(results.percents())) + "</section>"
    )
    rows = "".join(
        f'<tr><td>{_e(e.title)} <span class="muted">({_e(e.id)})</span></td>'
        f'<td class="num">{"" if (m := results.exercise_mean(e.id)) is None else num(m)}</td>'
        f'<td class="num">{num(e.max_score)}</td></tr>'
        for e in results.exercises
    )
    body.append("<section class=\"exercise\"><h2>Exercises</h2><table><thead><tr><th>Exercise</th>"
                f"<th class=\"num\">Mean</th><th class=\"num\">Max</th></tr></thead><tbody>{rows}</tbody></table></section>")  # fmt: skip
    hard, easy = _split_stats(results)
    rows = "".join(
        f"<tr><td><code>{_e(st.exercise)}.{_e(st.name)}</code></td><td>{_e(st.visibility)}</td>"
        f'<td class="num">{st.not_passed}/{st.graded} ({100 * st.failure_rate:.0f}%)</td>'
        f'<td>{_e(_statuses(st.statuses))}</td><td class="num">{st.not_attempted}</td>'
        f"<td><code>{_e(st.example)}</code></td></tr>"
        for st in hard
    )
    table = (
        (
            '<table class="stats"><thead><tr><th>Test</th><th>Visibility</th><th class="num">Did not pass</th>'
            f'<th>Statuses</th><th class="num">Not attempted</th><th>Most common message</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
        if hard
        else ""
    )
    intro = f'<p class="muted">{_e(_INTRO)}</p>' if hard else ""
    body.append(f"<section class=\"exercise\"><h2>What the class struggles with</h2>{intro}{table}"
                f"<p class=\"muted\">{_e(_easy_line(easy))}</p></section>")  # fmt: skip
    rows = "".join(
        f'<tr><td>{_e(r.student)}</td><td class="num">{num(r.report.score)}</td>'
        f'<td class="num">{num(r.report.late_penalty) + "%" if r.report.late_penalty else ""}</td>'
        f'<td class="num">{num(r.final)} ({r.percent:.0f}%)</td></tr>'
        for r in sorted(results.students, key=lambda r: r.student)
    )
    body.append("<section class=\"exercise\"><h2>Students</h2><table><thead><tr><th>Student</th><th class=\"num\">"
                "Score</th><th class=\"num\">Late penalty</th><th class=\"num\">Final</th></tr></thead>"
                f"<tbody>{rows}</tbody></table></section>")  # fmt: skip
    return page(title, "\n".join(body))


def write_summary_markdown(results: ClassResults, path: Path | str) -> Path:
    return write_atomic(path, summary_markdown(results))


def write_summary_html(results: ClassResults, path: Path | str) -> Path:
    return write_atomic(path, summary_html(results))
