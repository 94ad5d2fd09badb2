"""Audit the hidden tests: do they catch wrong code, and never fail right code?

Mutation analysis grades single-change mutants of the reference solutions
(only the code students write) and lists the ones that get full marks, with
their diffs. Robustness grades the correct-but-different variants kept in
tests/catalogue; flakiness grades the reference under several hypothesis
seeds. Exit status: 0 when every gate passes, 1 when one fails, 2 when the
audit could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder.audit import OPERATOR_NAMES, AuditOptions, format_markdown, format_text, plan_mutants, run_audit
from autograder.config import Course, resolve_course

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--course", type=Path, default=None, help="course.yaml (default: the nearest one)")
    p.add_argument(
        "--catalogue",
        type=Path,
        default=None,
        metavar="DIR",
        help="package of correct variants (default: tests/catalogue next to course.yaml)",
    )
    p.add_argument(
        "--equivalent",
        type=Path,
        default=None,
        metavar="FILE",
        help="reviewed equivalent mutants (default: audit/equivalent.yaml next to course.yaml)",
    )
    p.add_argument(
        "--exercise", action="append", default=[], metavar="ID", help="only this exercise's mutants (repeatable)"
    )
    p.add_argument(
        "--operator",
        action="append",
        default=None,
        choices=OPERATOR_NAMES,
        metavar="NAME",
        help=f"only these mutation operators (repeatable): {', '.join(OPERATOR_NAMES)}",
    )
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="grade a deterministic sample of N mutants, stratified per exercise (default: all)",
    )
    p.add_argument("--sample-seed", type=int, default=0, metavar="S", help="which sample (default 0)")
    p.add_argument(
        "--seeds",
        type=int,
        default=3,
        metavar="N",
        help="hypothesis seeds for the flakiness check (default 3; seeds 1..N)",
    )
    p.add_argument(
        "--call-timeout",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="per-call time limit while grading mutants (default 2; never above course.yaml's)",
    )
    p.add_argument(
        "--test-timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="per-test time limit while grading mutants (default 20; never above course.yaml's)",
    )
    p.add_argument(
        "--min-kill-rate",
        type=float,
        default=95.0,
        metavar="PERCENT",
        help="gate: percent of non-equivalent mutants that must be killed (default 95)",
    )
    p.add_argument("--max-false-fails", type=int, default=0, metavar="N", help="gate: allowed false fails (default 0)")
    p.add_argument("--max-flaky", type=int, default=0, metavar="N", help="gate: allowed flaky tests (default 0)")
    p.add_argument("--no-mutants", action="store_true", help="skip mutation analysis")
    p.add_argument("--no-variants", action="store_true", help="skip the correct variants (robustness)")
    p.add_argument("--no-flakiness", action="store_true", help="skip the seeded runs of the reference")
    p.add_argument(
        "--all-tests",
        action="store_true",
        help="run every test on every mutant instead of stopping at the first failure (slower)",
    )
    p.add_argument("--no-replay", action="store_true", help="let hypothesis generate inputs for every mutant (slower)")
    p.add_argument("--list", action="store_true", help="list the mutants (id, line, change) without grading")
    p.add_argument("--markdown", type=Path, default=None, metavar="FILE", help="also write the report as Markdown")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--no-diffs", action="store_true", help="terminal report without the survivors' diffs")
    p.add_argument("--isolation", default=None, help="auto (default), process, user or namespace")
    p.add_argument("--quiet", action="store_true", help="no progress messages on stderr")


def options_from(args: argparse.Namespace) -> AuditOptions:
    if args.sample is not None and args.sample < 1:
        raise ValueError("--sample must be at least 1")
    if args.seeds < 0:
        raise ValueError("--seeds must be 0 or more")
    return AuditOptions(
        catalogue=args.catalogue,
        equivalents=args.equivalent,
        exercises=tuple(args.exercise),
        operators=tuple(args.operator) if args.operator else None,
        sample=args.sample,
        sample_seed=args.sample_seed,
        seeds=tuple(range(1, args.seeds + 1)),
        call_timeout=args.call_timeout,
        test_timeout=args.test_timeout,
        stop_at_first_failure=not args.all_tests,
        replay=not args.no_replay,
        mutants=not args.no_mutants,
        variants=not args.no_variants,
        flakiness=not args.no_flakiness,
        isolation=args.isolation,
    )


def run(args: argparse.Namespace) -> int:
    course = resolve_course(args.course)
    try:
        options = options_from(args)
        if args.list:
            return _list(course, options)
        progress = None if args.quiet else (lambda msg: print(f"audit: {msg}", file=sys.stderr, flush=True))
        result = run_audit(course, options, progress=progress)
    except ValueError as exc:
        print(f"autograder audit: error: {exc}", file=sys.stderr)
        return 2
    gates = result.gates(
        min_kill_rate=args.min_kill_rate, max_false_fails=args.max_false_fails, max_flaky=args.max_flaky
    )
    print(format_text(result, gates, diffs=not args.no_diffs))
    if args.markdown:
        _write(args.markdown, format_markdown(result, gates))
    if args.json:
        data = {**result.to_dict(), "gates": [g.__dict__ for g in gates]}
        _write(args.json, json.dumps(data, indent=2) + "\n")
    return 1 if any(g.passed is False for g in gates) else 0


def _list(course: Course, options: AuditOptions) -> int:
    plan = plan_mutants(course, options)
    for group, mutants in plan.groups.items():
        print(f"{group}: {len(mutants)} of {plan.generated.get(group, 0)} mutant(s)")
        for m in mutants:
            mark = "  (equivalent, reviewed)" if m.id in plan.equivalents else ""
            print(f"  {m.id}  line {m.line}:{m.column}: {m.description}{mark}")
    return 0


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
