"""Markdown for a CI job summary (``$GITHUB_STEP_SUMMARY``) or a feedback file.

The total first, then one row per exercise, then what to fix: every test
the reader may see that did not pass, with its message (received vs
expected on the smallest input) and hint. Tests the reader may not see are
only counted (``_visibility``). Anything that came from the student's code
sits inside a code fence that it cannot close (``autograder.sanitize``);
other text is escaped so no link, image, HTML or heading renders.
"""

from __future__ import annotations

from pathlib import Path

from autograder.files import write_atomic
from autograder.model import GradeReport
from autograder.writers._common import STATUS_WORDS, fence, final_score, md_text, num, percent
from autograder.writers._visibility import View, split

__all__ = ["markdown_report", "write_markdown"]

_MARK = {"passed": "✅", "failed": "❌", "error": "⚠️", "timeout": "⏱️", "crashed": "💥"}
_OUTPUT_LIMIT = 4000


def markdown_report(report: GradeReport, view: View | None = None) -> str:
    view = view or View()
    final = final_score(report)
    title = f"{report.course} · " if report.course else ""
    lines = [f"## {title}{md_text(report.submission)}: {num(final)}/{num(report.max_score)} points "
             f"({percent(final, report.max_score)})", ""]  # fmt: skip
    lines += [line for w in report.warnings for line in (f"> **Warning:** {md_text(w)}", "")]
    if report.late_penalty:
        lines += [
            f"Submitted {report.submitted_at}, after the deadline: a {num(report.late_penalty)}% late penalty "
            f"turns {num(report.score)} into {num(final)} points.",
            "",
        ]
    elif report.submitted_at:
        lines += [f"Submitted {report.submitted_at}, on time.", ""]
    lines += ["| Exercise | Points | Tests passed |", "|---|---:|---:|"]
    to_fix = []
    hidden_notes = []
    for ex in report.exercises:
        passed = sum(t.passed for t in ex.tests)
        lines.append(
            f"| {md_text(ex.title)} (`{ex.id}`) | {num(ex.score)}/{num(ex.max_score)} | {passed}/{len(ex.tests)} |"
        )
        shown, withheld = split(ex.tests, view)
        to_fix += [t for t in shown if not t.passed]
        if withheld:
            hidden_notes.append(f"- `{ex.id}`: {withheld.describe()}")
    lines.append(f"| **Total** | **{num(report.score)}/{num(report.max_score)}** | "
                 f"{sum(t.passed for t in report.tests)}/{len(report.tests)} |")  # fmt: skip
    if to_fix:
        lines += ["", "### What to fix", ""]
        for t in to_fix:
            mark = _MARK.get(t.status, "❌")
            lines.append(f"#### {mark} `{t.exercise}.{t.name}`: {STATUS_WORDS.get(t.status, t.status)} "
                         f"({num(t.score)}/{num(t.max_score)})")  # fmt: skip
            if t.description:
                lines += ["", f"*{md_text(t.description)}*"]
            if t.message:
                lines += ["", fence(t.message)]
            if t.hint:
                lines += ["", f"**Hint:** {md_text(t.hint)}"]
            lines.append("")
    elif all(t.passed for t in report.tests):
        lines += ["", "Every test passed. Well done!"]
    if hidden_notes:
        lines += ["", "### Hidden tests", "", *hidden_notes]
    if report.problems:
        lines += ["", "### Notes", ""] + [f"- {md_text(p)}" for p in report.problems]
    if report.output.strip():
        out = report.output if len(report.output) <= _OUTPUT_LIMIT else report.output[:_OUTPUT_LIMIT] + "\n[...]"
        lines += ["", "<details><summary>What your code printed</summary>", "", fence(out), "", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(report: GradeReport, path: Path | str, view: View | None = None) -> Path:
    return write_atomic(path, markdown_report(report, view))
