"""A self-contained HTML report for one submission: one file, no network, no scripts.

Plots are PNG ``data:`` URIs drawn from the data the hidden tests recorded
(``_plots``); styles are inline; a Content-Security-Policy forbids every
external load, so the page shows the same offline, in an LMS, or as an
e-mail attachment. Every text is HTML-escaped, with terminal control
characters removed (messages can contain what the student's code returned
or raised).

Visibility applies (``_visibility``): tests the reader may not see are only
counted, and an exercise none of whose tests the reader may see gets no
plots either.
"""

from __future__ import annotations

import base64
import binascii
import html
from pathlib import Path
from typing import Any

from autograder.files import write_atomic
from autograder.model import ExerciseResult, GradeReport, TestResult
from autograder.writers._common import STATUS_WORDS, final_score, num, percent, plain
from autograder.writers._plots import Plot, exercise_plots
from autograder.writers._visibility import View, split

__all__ = ["CSS", "html_report", "page", "write_html"]

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

CSS = """
:root { --ok: #1b7f3b; --bad: #b3261e; --warn: #a15c00; --ink: #1d1d1f; --muted: #5f6368; --line: #e3e3e3;
        --accent: #1f6fd1; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
body { margin: 0; background: #f6f7f9; line-height: 1.45; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
header.top { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; }
h1 { font-size: 1.45rem; margin: 0 0 6px; }
h2 { font-size: 1.15rem; margin: 0; }
h3 { font-size: 1rem; margin: 0 0 6px; }
.score { font-size: 2rem; font-weight: 700; }
.muted { color: var(--muted); font-size: .9rem; }
.bar { height: 10px; background: #e9ecef; border-radius: 5px; overflow: hidden; margin: 8px 0; }
.bar > span { display: block; height: 100%; background: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: 12px 0; background: #fff; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
section.exercise { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 22px; margin-top: 18px; }
section.exercise > header { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; }
article.test { border-left: 4px solid var(--bad); padding: 8px 14px; margin: 14px 0; background: #fff7f6; border-radius: 0 6px 6px 0; }
article.test.error, article.test.timeout, article.test.crashed { border-color: var(--warn); background: #fffaf0; }
pre { background: #f3f4f6; padding: 10px 12px; border-radius: 6px; overflow-x: auto; font-size: .85rem; white-space: pre-wrap; word-break: break-word; }
.hint { margin: 6px 0 0; }
.hint::before { content: "Hint: "; font-weight: 600; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 1px 8px; border-radius: 10px; color: #fff; background: var(--bad); }
.badge.passed { background: var(--ok); }
.badge.error, .badge.timeout, .badge.crashed { background: var(--warn); }
figure { margin: 14px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: .85rem; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; }
.gallery figure { margin: 0; width: 96px; text-align: center; }
.gallery img { width: 96px; height: 96px; image-rendering: pixelated; }
details { margin: 10px 0; }
summary { cursor: pointer; color: var(--muted); }
ul.passed { margin: 6px 0; padding-left: 20px; }
footer { margin-top: 26px; }
td code { word-break: break-word; }
table.stats { table-layout: fixed; }
table.stats th:first-child { width: 30%; }
table.stats th:last-child { width: 36%; }
"""


def _e(text: Any) -> str:
    return html.escape(plain(str(text)), quote=True)


def page(title: str, body: str) -> str:
    """A complete HTML document around ``body``: inline CSS, CSP, nothing external."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def figure(plot: Plot) -> str:
    return (
        f'<figure><img src="data:image/png;base64,{plot.png_base64}" alt="{_e(plot.alt)}">'
        f"<figcaption>{_e(plot.title)}</figcaption></figure>"
    )


def _png_b64(value: Any) -> str | None:
    """``value`` if it is base64 of a PNG, else None (never put unchecked text in a src attribute)."""
    if not isinstance(value, str) or len(value) > 2_000_000:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return value if raw.startswith(b"\x89PNG\r\n\x1a\n") else None


def _label(value: Any) -> str:
    return {1: "cat", 0: "not cat"}.get(value, str(value))  # True and False are 1 and 0


def _cat_extras(artifacts: dict[str, Any]) -> str:
    parts = []
    acc = artifacts.get("accuracy")
    if isinstance(acc, dict) and isinstance(acc.get("student"), (int, float)):
        ref = acc.get("reference")
        ref_text = f" (reference: {float(ref):.0%})" if isinstance(ref, (int, float)) else ""
        parts.append(
            f"<p>Test-set accuracy of your classifier: <strong>{float(acc['student']):.0%}</strong>{ref_text}</p>"
        )
    wrong = artifacts.get("wrong")
    if isinstance(wrong, list):
        tiles = []
        for item in wrong[:12]:
            src = _png_b64(item.get("png_base64")) if isinstance(item, dict) else None
            if src is None:
                continue
            caption = f"is {_label(item.get('label'))}, you said {_label(item.get('predicted'))}"
            tiles.append(f"<figure><img src=\"data:image/png;base64,{src}\" alt=\"test image: {_e(caption)}\">"
                         f"<figcaption>{_e(caption)}</figcaption></figure>")  # fmt: skip
        if tiles:
            parts.append(f'<h3>Test images your classifier got wrong</h3><div class="gallery">{"".join(tiles)}</div>')
    return "".join(parts)


def _failed(t: TestResult) -> str:
    out = [f"<article class=\"test {_e(t.status)}\"><h3><span class=\"badge {_e(t.status)}\">"
           f"{_e(STATUS_WORDS.get(t.status, t.status))}</span> <code>{_e(t.name)}</code> "
           f"<span class=\"muted\">{num(t.score)}/{num(t.max_score)}</span></h3>"]  # fmt: skip
    if t.description:
        out.append(f'<p class="muted">{_e(t.description)}</p>')
    if t.message:
        out.append(f"<pre>{_e(t.message)}</pre>")
    if t.hint:
        out.append(f'<p class="hint">{_e(t.hint)}</p>')
    out.append("</article>")
    return "".join(out)


def _exercise(ex: ExerciseResult, artifacts: dict[str, Any], view: View) -> str:
    shown, withheld = split(ex.tests, view)
    out = [f"<section class=\"exercise\" id=\"ex-{_e(ex.id)}\"><header><h2>{_e(ex.title)} "
           f"<span class=\"muted\">({_e(ex.id)})</span></h2><div><strong>{num(ex.score)}/{num(ex.max_score)}</strong>"
           f" points</div></header>"]  # fmt: skip
    if shown:
        out += [figure(p) for p in exercise_plots(ex.id, artifacts)]
        if ex.id == "cat":
            out.append(_cat_extras(artifacts))
    out += [_failed(t) for t in shown if not t.passed]
    if withheld:
        out.append(f'<p class="muted">{_e(withheld.describe())}</p>')
    passed = [t for t in shown if t.passed]
    if passed:
        items = "".join(f"<li><code>{_e(t.name)}</code> <span class=\"muted\">{_e(t.description)}</span></li>"
                        for t in passed)  # fmt: skip
        out.append(f"<details><summary>{len(passed)} passed test{'s' if len(passed) != 1 else ''}</summary>"
                   f"<ul class=\"passed\">{items}</ul></details>")  # fmt: skip
    out.append("</section>")
    return "".join(out)


def _artifacts(report: GradeReport, exercise: str) -> dict[str, Any]:
    found = report.artifacts.get(exercise) if isinstance(report.artifacts, dict) else None
    return found if isinstance(found, dict) else {}


def html_report(report: GradeReport, view: View | None = None) -> str:
    view = view or View()
    final = final_score(report)
    pct = 100.0 * final / report.max_score if report.max_score else 0.0
    head = [f"<header class=\"top\"><h1>{_e(report.course + ' · ' if report.course else '')}{_e(report.submission)}</h1>",
            f"<div class=\"score\">{num(final)} / {num(report.max_score)} points "
            f"<span class=\"muted\">({percent(final, report.max_score)})</span></div>",
            f"<div class=\"bar\" role=\"img\" aria-label=\"{pct:.0f} percent\"><span style=\"width:{pct:.1f}%\"></span></div>"]  # fmt: skip
    head += [
        f'<p class="warning" role="alert" style="border-left:4px solid var(--warn);padding:6px 12px"><strong>Warning:</strong> {_e(w)}</p>'
        for w in report.warnings
    ]
    if report.late_penalty:
        head.append(f"<p>Submitted {_e(report.submitted_at)}, after the deadline: a {num(report.late_penalty)}% "
                    f"late penalty turns {num(report.score)} into {num(final)} points.</p>")  # fmt: skip
    elif report.submitted_at:
        head.append(f'<p class="muted">Submitted {_e(report.submitted_at)}, on time.</p>')
    rows = "".join(
        f'<tr><td><a href="#ex-{_e(e.id)}">{_e(e.title)}</a></td><td class="num">{num(e.score)}/{num(e.max_score)}</td>'
        f'<td class="num">{sum(t.passed for t in e.tests)}/{len(e.tests)}</td></tr>'
        for e in report.exercises
    )
    head.append(f"<table><thead><tr><th>Exercise</th><th class=\"num\">Points</th><th class=\"num\">Tests passed</th>"
                f"</tr></thead><tbody>{rows}</tbody></table></header>")  # fmt: skip
    body = head + [_exercise(ex, _artifacts(report, ex.id), view) for ex in report.exercises]
    if report.problems:
        body.append("<section class=\"exercise\"><h2>Notes</h2><ul>" +
                    "".join(f"<li>{_e(p)}</li>" for p in report.problems) + "</ul></section>")  # fmt: skip
    if report.output.strip():
        body.append(f"<details><summary>What your code printed</summary><pre>{_e(report.output)}</pre></details>")
    body.append(f"<footer class=\"muted\">Graded by autograder {_e(report.grader_version)} · suite "
                f"{_e(report.suite_hash)} · isolation: {_e(report.isolation)}</footer>")  # fmt: skip
    return page(f"{report.submission}: {num(final)}/{num(report.max_score)}", "\n".join(body))


def write_html(report: GradeReport, path: Path | str, view: View | None = None) -> Path:
    return write_atomic(path, html_report(report, view))
