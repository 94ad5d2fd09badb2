"""The audit as a terminal table and as Markdown (for a CI job summary or a pull request).

Both say the same things in the same order: kill rate per exercise, false
fails, flaky tests, the surviving mutants with their diffs (what a new
hidden test must catch), reviewed equivalents, and the gates.
"""

from __future__ import annotations

from autograder.audit.results import AuditResult, ExerciseStats, Gate, MutantResult

__all__ = ["format_markdown", "format_text"]

_MARK = {True: "PASS", False: "FAIL", None: "----"}
_UNTESTED = "course.yaml has no exercise `{module}`, so no hidden test grades this module: its mutants all survive"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _totals(result: AuditResult) -> ExerciseStats:
    ex = result.exercises
    return ExerciseStats("total", sum(e.generated for e in ex), sum(e.graded for e in ex), sum(e.killed for e in ex),
                         sum(e.survived for e in ex), sum(e.equivalent for e in ex), sum(e.timeouts for e in ex))  # fmt: skip


def _scope_line(result: AuditResult) -> str:
    graded = sum(e.graded for e in result.exercises)
    parts = [f"{graded} mutant(s) graded of {result.generated} generated"]
    if result.sample is not None:
        parts.append(f"sample of {result.sample}, --sample-seed {result.sample_seed}, stratified per exercise")
    dropped = result.duplicates + result.uncompilable + result.unspliceable
    if dropped:
        parts.append(f"{result.duplicates} duplicate(s) and {result.uncompilable} uncompilable dropped")
    if result.limits:
        parts.append(
            f"call timeout {result.limits['call_timeout']:g} s, test timeout {result.limits['test_timeout']:g} s"
        )
    return "; ".join(parts)


def _robustness_summary(result: AuditResult) -> str:
    if "variants" not in result.checked:
        return "Robustness: not checked (--no-variants)."
    n = len(result.false_fails)
    what = f"the reference and {result.variants_graded} correct variant(s) graded"
    return f"Robustness: {what}: " + ("no false fails." if n == 0 else f"{n} FALSE FAIL(S):")


def _flaky_summary(result: AuditResult) -> str:
    if "flakiness" not in result.checked:
        return "Flakiness: not checked (--no-flakiness)."
    runs = ", ".join(result.runs)
    n = len(result.flaky)
    return f"Flakiness: the reference graded {len(result.runs)} times ({runs}): " + (
        "no flaky tests." if n == 0 else f"{n} FLAKY TEST(S):"
    )


def _by_exercise(mutants: list[MutantResult]) -> dict[str, list[MutantResult]]:
    out: dict[str, list[MutantResult]] = {}
    for m in mutants:
        out.setdefault(m.exercise, []).append(m)
    return out


def _timing(result: AuditResult) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()) or "-"


# ----------------------------------------------------------------------------- terminal


def format_text(result: AuditResult, gates: list[Gate], *, diffs: bool = True) -> str:
    lines = [f"autograder audit: {result.course}", ""]
    if "mutants" in result.checked:
        lines.append(f"Mutants: {_scope_line(result)}")
        width = max([len(e.exercise) for e in result.exercises] + [8])
        head = f"{'exercise':<{width}}  {'graded':>6}  {'killed':>6}  {'survived':>8}  {'equivalent':>10}  {'timeouts':>8}  {'kill rate':>9}"
        lines += ["", head]
        for e in [*result.exercises, _totals(result)]:
            rate = e.kill_rate if e.exercise != "total" else result.kill_rate
            lines.append(f"{e.exercise:<{width}}  {e.graded:>6}  {e.killed:>6}  {e.survived:>8}  {e.equivalent:>10}  "
                         f"{e.timeouts:>8}  {_rate(rate):>9}")  # fmt: skip
        for module in result.untested_modules:
            lines.append(f"! {module}: {_UNTESTED.format(module=module)}")
        lines.append("")
    lines.append(_robustness_summary(result))
    for f in result.false_fails:
        seed = "" if f.seed is None else f" (seed {f.seed})"
        lines.append(f"  - {f.submission}: {f.exercise}.{f.test} [{f.status}]{seed}: {_first_line(f.message)}")
    lines.append(_flaky_summary(result))
    for t in result.flaky:
        lines.append(f"  - {t.exercise}.{t.test}: " + ", ".join(f"{run}={s}" for run, s in t.outcomes))
        if t.message:
            lines.append(f"      {_first_line(t.message)}")
    for f in result.control_failures:
        lines.append(
            f"  ! reference under the audit's limits: {f.exercise}.{f.test} [{f.status}]: {_first_line(f.message)}"
        )
    survivors = result.survivors
    if "mutants" in result.checked:
        lines += [
            "",
            f"Surviving mutants: {len(survivors)}"
            + (" (each one a mistake the hidden tests miss)" if survivors else ""),
        ]
        for exercise, group in _by_exercise(survivors).items():
            lines.append(f"{exercise} ({len(group)}):")
            for m in group:
                lines.append(f"  {m.mutant.id}  line {m.mutant.line}:{m.mutant.column}: {m.mutant.description}")
                if diffs:
                    lines += [f"    {d}" for d in m.mutant.diff.rstrip("\n").splitlines()]
        equivalents = [m for m in result.mutants if m.equivalent]
        if equivalents:
            lines += ["", f"Equivalent (reviewed): {len(equivalents)}"]
            lines += [f"  {m.mutant.id}: {m.mutant.description} ({m.equivalent})" for m in equivalents]
        for i in result.wrong_equivalents:
            lines.append(f"  ! {i} is listed as equivalent but was killed: remove it from equivalent.yaml")
        for i in result.stale_equivalents:
            lines.append(f"  ! equivalent.yaml lists {i}, which no longer exists: remove the entry")
    lines += ["", "Gates:"]
    lines += [f"  {_MARK[g.passed]}  {g.name}: {g.detail}" for g in gates]
    lines.append(f"Time: {_timing(result)}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- Markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(result: AuditResult, gates: list[Gate]) -> str:
    ok = all(g.passed is not False for g in gates)
    out = [
        f"# Audit of the hidden tests: {result.course}",
        "",
        f"**{'All gates pass' if ok else 'A gate fails'}.**",
        "",
    ]
    out += ["| gate | result | detail |", "|---|---|---|"]
    out += [f"| {g.name} | {_MARK[g.passed]} | {_cell(g.detail)} |" for g in gates]
    if "mutants" in result.checked:
        out += ["", "## Mutation analysis", "", _scope_line(result) + ".", ""]
        out += ["| exercise | graded | killed | survived | equivalent (reviewed) | timeouts | kill rate |",
                "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
        for e in [*result.exercises, _totals(result)]:
            rate = e.kill_rate if e.exercise != "total" else result.kill_rate
            name = f"**{e.exercise}**" if e.exercise == "total" else e.exercise
            out.append(
                f"| {name} | {e.graded} | {e.killed} | {e.survived} | {e.equivalent} | {e.timeouts} | {_rate(rate)} |"
            )
        out += ["", *[f"- **{m}**: {_UNTESTED.format(module=m)}." for m in result.untested_modules]]
        survivors = result.survivors
        out += ["", f"### Surviving mutants ({len(survivors)})", ""]
        if not survivors:
            out.append("None: every graded mutant lost points.")
        for exercise, group in _by_exercise(survivors).items():
            out += [f"#### {exercise} ({len(group)})", ""]
            for m in group:
                out += [
                    f"- `{m.mutant.id}` (line {m.mutant.line}:{m.mutant.column}): {m.mutant.description}",
                    "",
                    "  ```diff",
                ]
                out += [f"  {d}" for d in m.mutant.diff.rstrip("\n").splitlines()]
                out += ["  ```", ""]
        equivalents = [m for m in result.mutants if m.equivalent]
        if equivalents:
            out += [
                "",
                f"### Equivalent (reviewed) ({len(equivalents)})",
                "",
                "| mutant | change | why it is equivalent |",
                "|---|---|---|",
            ]
            out += [f"| `{m.mutant.id}` | {_cell(m.mutant.description)} | {_cell(m.equivalent)} |" for m in equivalents]
        notes = [f"`{i}` is listed as equivalent but was killed: remove it." for i in result.wrong_equivalents]
        notes += [f"`{i}` is listed as equivalent but no longer exists: remove it." for i in result.stale_equivalents]
        if notes:
            out += ["", *[f"- {n}" for n in notes]]
        if result.control_failures:
            out += ["", "**The reference does not get full marks under the audit's time limits:**", ""]
            out += [
                f"- {f.exercise}.{f.test} [{f.status}]: {_cell(_first_line(f.message))}"
                for f in result.control_failures
            ]
    out += ["", "## Robustness (correct programs must get full marks)", "", _robustness_summary(result)]
    if result.false_fails:
        out += ["", "| program | test | status | seed | message |", "|---|---|---|---|---|"]
        out += [f"| {_cell(f.submission)} | {f.exercise}.{f.test} | {f.status} | {'-' if f.seed is None else f.seed} | "
                f"{_cell(_first_line(f.message))} |" for f in result.false_fails]  # fmt: skip
    out += ["", "## Flakiness", "", _flaky_summary(result)]
    if result.flaky:
        out += ["", "| test | outcomes | message |", "|---|---|---|"]
        out += [f"| {t.exercise}.{t.test} | {_cell(', '.join(f'{r}: {s}' for r, s in t.outcomes))} | "
                f"{_cell(_first_line(t.message))} |" for t in result.flaky]  # fmt: skip
    out += ["", f"Time: {_timing(result)}.", ""]
    return "\n".join(out)
