"""Running an audit: mutants, correct variants and seeds, graded by the real hidden tests.

``plan_mutants`` generates the mutants of every solution module and picks
the ones to grade (all of them, or a deterministic sample stratified per
exercise). ``run_audit`` then grades, in this order:

1. **Robustness**: the reference (every exercise), then every catalogued
   variant with the hidden tests that can see its module (``exercises_seeing``:
   all of them when that cannot be told statically), under the normal
   deterministic profile and course.yaml's limits. Any test that does not
   pass is a false fail.
2. **Flakiness**: the reference again, deterministic, then once per seed
   with hypothesis seeded instead of derandomized. A test whose status
   changes between these runs is flaky; the first run above is included.
3. **Mutants**: per exercise, the reference (control) then every mutant of
   that exercise's module, with the audit's short time limits. A mutant is
   killed when any test does not pass (a timeout or crash included).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.audit.equivalents import Equivalent, load_equivalents
from autograder.audit.grading import (
    GroupResult,
    exercises_seeing,
    grade_group,
    reference_submission,
    scoped_course,
    with_limits,
)
from autograder.audit.mutate import Mutant, generate_mutants
from autograder.audit.results import AuditResult, FalseFail, FlakyTest, MutantResult, exercise_stats
from autograder.audit.variants import load_catalogue
from autograder.authoring.build import solution_regions
from autograder.config import Course
from autograder.model import GradeReport
from autograder.submission import Submission

__all__ = ["AuditOptions", "MutantPlan", "plan_mutants", "run_audit", "sample_mutants"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AuditOptions:
    catalogue: Path | None = None  # the variants package (default: <course root>/tests/catalogue)
    equivalents: Path | None = None  # default: <course root>/audit/equivalent.yaml
    exercises: tuple[str, ...] = ()  # only these exercises' mutants (default: all)
    operators: tuple[str, ...] | None = None
    sample: int | None = None
    sample_seed: int = 0
    seeds: tuple[int, ...] = (1, 2, 3)
    call_timeout: float = 2.0
    test_timeout: float = 20.0
    stop_at_first_failure: bool = True
    replay: bool = True
    mutants: bool = True
    variants: bool = True
    flakiness: bool = True
    isolation: str | None = None


@dataclass
class MutantPlan:
    """The mutants to grade, grouped by exercise, and what generating them produced."""

    groups: dict[str, list[Mutant]] = field(default_factory=dict)  # exercise (or module) -> mutants to grade
    generated: dict[str, int] = field(default_factory=dict)
    scope: dict[str, str | None] = field(default_factory=dict)  # group -> exercise whose tests grade it (None: all)
    equivalents: dict[str, Equivalent] = field(default_factory=dict)
    stale_equivalents: list[str] = field(default_factory=list)
    duplicates: int = 0
    uncompilable: int = 0
    unspliceable: int = 0

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.groups.values())


def default_paths(course: Course, options: AuditOptions) -> tuple[Path, Path]:
    catalogue = options.catalogue or course.root / "tests" / "catalogue"
    equivalents = options.equivalents or course.root / "audit" / "equivalent.yaml"
    return catalogue, equivalents


def plan_mutants(course: Course, options: AuditOptions) -> MutantPlan:
    """Generate every mutant, then select: listed equivalents aside, all or a stratified sample."""
    _, eq_path = default_paths(course, options)
    plan = MutantPlan(equivalents=load_equivalents(eq_path))
    exercise_ids = {e.id for e in course.exercises}
    unknown = [e for e in options.exercises if e not in exercise_ids]
    if unknown:
        raise ValueError(f"unknown exercise(s) {unknown}; course.yaml has: {', '.join(sorted(exercise_ids))}")
    every: dict[str, list[Mutant]] = {}
    all_ids: set[str] = set()
    for path in sorted(course.reference_dir.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        if not solution_regions(source, str(path)):
            continue
        module = path.stem
        exercise = module if module in exercise_ids else None
        if options.exercises and exercise not in options.exercises:
            continue
        generated = generate_mutants(source, module, operators=options.operators,
                                     path=str(path.relative_to(course.root)) if course.root in path.parents else path.name)  # fmt: skip
        plan.duplicates += generated.duplicates
        plan.uncompilable += generated.uncompilable
        plan.unspliceable += generated.unspliceable
        plan.generated[module] = len(generated.mutants)
        plan.scope[module] = exercise
        every[module] = generated.mutants
        all_ids.update(m.id for m in generated.mutants)
    modules = set(every)
    plan.stale_equivalents = sorted(i for i in plan.equivalents if i not in all_ids and i.split(".", 1)[0] in modules)
    if options.sample is None:
        plan.groups = every
    else:
        population = {g: [m for m in ms if m.id not in plan.equivalents] for g, ms in every.items()}
        plan.groups = sample_mutants(population, options.sample, options.sample_seed)
    return plan


def sample_mutants(groups: dict[str, list[Mutant]], size: int, seed: int) -> dict[str, list[Mutant]]:
    """A deterministic sample of ``size`` mutants, stratified: each group in proportion to its size.

    Every non-empty group gets at least one mutant when ``size`` allows. The same mutants and the
    same seed always give the same sample, whatever order the groups come in.
    """
    total = sum(len(v) for v in groups.values())
    if size >= total:
        return {g: list(v) for g, v in groups.items()}
    names = sorted(g for g, v in groups.items() if v)
    quota = {g: 0 for g in names}
    if size >= len(names):
        for g in names:
            quota[g] = 1
    left = size - sum(quota.values())
    shares = {g: left * (len(groups[g]) - quota[g]) / max(1, total - sum(quota.values())) for g in names}
    for g in names:
        quota[g] += int(shares[g])
    remainder = size - sum(quota.values())
    for g in sorted(names, key=lambda g: (-(shares[g] - int(shares[g])), g))[:remainder]:
        quota[g] += 1
    out = {}
    for g in sorted(groups):
        members = groups[g]
        k = min(quota.get(g, 0), len(members))
        chosen = set(random.Random(f"{seed}/{g}").sample(sorted(m.id for m in members), k)) if k else set()
        out[g] = [m for m in members if m.id in chosen]
    return out


def run_audit(course: Course, options: AuditOptions = AuditOptions(), progress: Progress | None = None) -> AuditResult:
    """Run the checks ``options`` asks for and return everything found."""
    say = progress or (lambda _msg: None)
    catalogue_path, _ = default_paths(course, options)
    checked = tuple(c for c in ("mutants", "variants", "flakiness") if getattr(options, c))
    result = AuditResult(course=course.name, checked=checked, sample=options.sample, sample_seed=options.sample_seed)
    plan = plan_mutants(course, options) if options.mutants else MutantPlan()
    baseline: GroupResult | None = None
    if options.variants or options.flakiness:
        started = time.monotonic()
        say("robustness: grading the reference")
        baseline = grade_group(course, [], isolation=options.isolation)
        result.false_fails += _false_fails(baseline.control, "reference", None)
        if options.variants:
            result.false_fails += _grade_variants(course, options, catalogue_path, result, say)
        result.timings["robustness"] = round(time.monotonic() - started, 2)
    if options.flakiness and baseline is not None:
        started = time.monotonic()
        result.runs, result.flaky, seeded_fails = _flakiness(course, options, baseline.control, say)
        result.false_fails += seeded_fails
        result.timings["flakiness"] = round(time.monotonic() - started, 2)
    if options.mutants:
        started = time.monotonic()
        _grade_mutants(course, options, plan, result, say)
        result.timings["mutants"] = round(time.monotonic() - started, 2)
    return result


def _grade_variants(
    course: Course, options: AuditOptions, catalogue_path: Path, result: AuditResult, say: Progress
) -> list[FalseFail]:
    """Grade each correct variant with the hidden tests that can see its module (all of them when unsure)."""
    catalogue = load_catalogue(catalogue_path)
    if catalogue is None:
        return []
    groups: dict[tuple[str, ...] | None, list[Any]] = {}
    for variant in catalogue.variants:
        groups.setdefault(exercises_seeing(course, variant.module), []).append(variant)
    found: list[FalseFail] = []
    with tempfile.TemporaryDirectory(prefix="audit-variants-") as tmp:
        for scope, variants in groups.items():
            if scope == ():
                say(f"robustness: no hidden test can see {', '.join(sorted({v.module for v in variants}))}: not graded")
                continue
            subs = [catalogue.submission(v, Path(tmp)) for v in variants]
            what = "every exercise" if scope is None else ", ".join(scope) or "no exercise"
            say(f"robustness: grading {len(subs)} correct variant(s) with the tests of {what}")
            with scoped_course(course, scope) as scoped:
                graded = grade_group(scoped, subs, isolation=options.isolation, replay=options.replay)
            for report in graded.reports.values():
                found += _false_fails(report, report.submission, None)
            result.variants_graded += len(subs)
    return found


def _false_fails(report: GradeReport, who: str, seed: int | None) -> list[FalseFail]:
    return [FalseFail(who, t.exercise, t.name, t.status, t.message, seed) for t in report.tests if not t.passed]


def _flakiness(
    course: Course, options: AuditOptions, baseline: GradeReport, say: Progress
) -> tuple[tuple[str, ...], list[FlakyTest], list[FalseFail]]:
    runs: dict[str, GradeReport] = {"deterministic": baseline}
    say("flakiness: grading the reference again, deterministic")
    runs["deterministic (again)"] = grade_group(course, [], isolation=options.isolation).control
    for seed in options.seeds:
        say(f"flakiness: grading the reference with hypothesis seed {seed}")
        runs[f"seed {seed}"] = grade_group(course, [], seed=seed, isolation=options.isolation).control
    flaky = []
    for t in baseline.tests:
        outcomes = tuple((name, _status(r, t.exercise, t.name)) for name, r in runs.items())
        if len({s for _, s in outcomes}) > 1:
            message = next(
                (_message(r, t.exercise, t.name) for r in runs.values() if _status(r, t.exercise, t.name) != "passed"),
                "",
            )
            flaky.append(FlakyTest(t.exercise, t.name, outcomes, message))
    # A seed that makes a test fail the reference is flaky (above), not also a false fail: count it once.
    return tuple(runs), flaky, []


def _status(report: GradeReport, exercise: str, test: str) -> str:
    return next((t.status for t in report.tests if t.exercise == exercise and t.name == test), "missing")


def _message(report: GradeReport, exercise: str, test: str) -> str:
    return next((t.message for t in report.tests if t.exercise == exercise and t.name == test), "")


def _grade_mutants(course: Course, options: AuditOptions, plan: MutantPlan, result: AuditResult, say: Progress) -> None:
    result.generated = sum(plan.generated.values())
    result.duplicates, result.uncompilable, result.unspliceable = plan.duplicates, plan.uncompilable, plan.unspliceable
    result.stale_equivalents = list(plan.stale_equivalents)
    limited = with_limits(course, options.call_timeout, options.test_timeout)
    result.limits = {"call_timeout": limited.limits.call_timeout, "test_timeout": limited.limits.test_timeout}
    base = reference_submission(course)
    for group, mutants in plan.groups.items():
        exercise = plan.scope.get(group)
        name = exercise or group
        if exercise is None:
            # No exercise of this name in course.yaml: no hidden test can ever take a point for these mistakes.
            untested = [_untested(m, plan) for m in mutants]
            result.mutants += untested
            result.exercises.append(exercise_stats(name, plan.generated.get(group, 0), untested))
            result.untested_modules.append(group)
            say(f"mutants: {name}: no exercise `{group}` in course.yaml, so no hidden test grades this module")
            continue
        if not mutants:
            result.exercises.append(exercise_stats(name, plan.generated.get(group, 0), []))
            continue
        subs = [_mutant_submission(base, m) for m in mutants]

        def tick(_report: GradeReport, total: int = len(subs), name: str = name, done: list[int] = [0]) -> None:  # noqa: B006 - a fresh counter per group
            done[0] += 1
            if done[0] % 10 == 0 or done[0] == total:
                say(f"mutants: {name}: {done[0]}/{total} graded")

        say(f"mutants: {name}: grading the control and {len(subs)} mutant(s)")
        with scoped_course(limited, exercise) as scoped:
            graded = grade_group(scoped, subs, stop_at_first_failure=options.stop_at_first_failure,
                                 replay=options.replay, isolation=options.isolation, on_report=tick)  # fmt: skip
        result.control_failures += _false_fails(graded.control, "reference (audit limits)", None)
        outcomes = [_outcome(m, name, graded, plan) for m in mutants]
        result.mutants += outcomes
        result.exercises.append(exercise_stats(name, plan.generated.get(group, 0), outcomes))
        result.wrong_equivalents += [o.mutant.id for o in outcomes if o.equivalent and o.killed]


def _mutant_submission(base: Submission, mutant: Mutant) -> Submission:
    files = dict(base.files)
    files[f"{mutant.module}.py"] = mutant.source.encode("utf-8")
    return Submission(label=mutant.id, files=files)


def _untested(mutant: Mutant, plan: MutantPlan) -> MutantResult:
    equivalent = plan.equivalents.get(mutant.id)
    return MutantResult(mutant, mutant.module, killed=False, status="untested",
                        equivalent=equivalent.reason if equivalent else "")  # fmt: skip


def _outcome(mutant: Mutant, exercise: str, graded: GroupResult, plan: MutantPlan) -> MutantResult:
    report = graded.reports[mutant.id]
    failing = [t for t in report.tests if not t.passed]
    first = graded.first_failure.get(mutant.id)
    killer = next((t for t in failing if t.name == first), failing[0] if failing else None)
    equivalent = plan.equivalents.get(mutant.id)
    return MutantResult(
        mutant=mutant,
        exercise=exercise,
        killed=bool(failing),
        killed_by=killer.name if killer else "",
        status=killer.status if killer else "",
        equivalent=equivalent.reason if equivalent else "",
        duration=report.duration,
    )
