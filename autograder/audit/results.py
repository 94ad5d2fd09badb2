"""What an audit found, and the gates it is judged by.

Plain frozen dataclasses that the report writers read; ``AuditResult.gates``
turns them into pass/fail decisions with the thresholds the command line
chose. A gate whose check did not run (``--no-variants``) is "not checked",
never silently "passed".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from autograder.audit.mutate import Mutant

__all__ = ["AuditResult", "ExerciseStats", "FalseFail", "FlakyTest", "Gate", "MutantResult", "exercise_stats"]


@dataclass(frozen=True)
class MutantResult:
    """One graded mutant: killed (some hidden test did not pass) or survived (full marks)."""

    mutant: Mutant
    exercise: str
    killed: bool
    killed_by: str = ""  # the first test that did not pass
    status: str = ""  # that test's status: failed, error, timeout or crashed; "untested": no exercise grades it
    equivalent: str = ""  # the reviewed reason, when audit/equivalent.yaml lists this mutant
    duration: float = 0.0


@dataclass(frozen=True)
class ExerciseStats:
    exercise: str
    generated: int  # distinct mutants of the exercise's module (before sampling)
    graded: int
    killed: int  # non-equivalent mutants killed
    survived: int  # non-equivalent mutants with full marks
    equivalent: int  # reviewed equivalents graded
    timeouts: int  # kills by timeout or crash

    @property
    def kill_rate(self) -> float | None:
        """Killed / graded non-equivalent mutants, in percent; None when there were none."""
        total = self.killed + self.survived
        return 100.0 * self.killed / total if total else None


@dataclass(frozen=True)
class FalseFail:
    """A correct program (the reference or a catalogued variant) that lost points."""

    submission: str
    exercise: str
    test: str
    status: str
    message: str
    seed: int | None = None  # None: the normal deterministic grading profile


@dataclass(frozen=True)
class FlakyTest:
    """A hidden test whose outcome on the reference changed between runs."""

    exercise: str
    test: str
    outcomes: tuple[tuple[str, str], ...]  # (run, status) for every run
    message: str = ""  # from a run where it did not pass


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool | None  # None: not checked in this run
    detail: str


@dataclass
class AuditResult:
    course: str
    mutants: list[MutantResult] = field(default_factory=list)
    exercises: list[ExerciseStats] = field(default_factory=list)
    false_fails: list[FalseFail] = field(default_factory=list)
    flaky: list[FlakyTest] = field(default_factory=list)
    control_failures: list[FalseFail] = field(default_factory=list)  # the reference under the audit's limits
    variants_graded: int = 0
    runs: tuple[str, ...] = ()  # the reference runs compared for flakiness
    stale_equivalents: list[str] = field(default_factory=list)  # listed, but no such mutant any more
    untested_modules: list[str] = field(default_factory=list)  # solution modules no exercise in course.yaml grades
    wrong_equivalents: list[str] = field(default_factory=list)  # listed, but killed: not equivalent
    generated: int = 0
    duplicates: int = 0
    uncompilable: int = 0
    unspliceable: int = 0
    sample: int | None = None  # the --sample size, when mutants were sampled
    sample_seed: int = 0
    checked: tuple[str, ...] = ()  # which checks ran: "mutants", "variants", "flakiness"
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    limits: dict[str, float] = field(default_factory=dict)  # the audit's call / test timeouts

    @property
    def survivors(self) -> list[MutantResult]:
        """Graded non-equivalent mutants that got full marks (mutants of untested modules are summarised apart)."""
        return [m for m in self.mutants if not m.killed and not m.equivalent and m.status != "untested"]

    @property
    def kill_rate(self) -> float | None:
        counted = [m for m in self.mutants if not m.equivalent]
        return 100.0 * sum(m.killed for m in counted) / len(counted) if counted else None

    def gates(self, *, min_kill_rate: float = 95.0, max_false_fails: int = 0, max_flaky: int = 0) -> list[Gate]:
        gates = []
        if "mutants" in self.checked:
            rate = self.kill_rate
            if rate is None:
                gates.append(Gate("kill rate", None, "no non-equivalent mutants were graded"))
            else:
                counted = [m for m in self.mutants if not m.equivalent]
                detail = f"{rate:.1f}% of {len(counted)} non-equivalent mutants killed (need >= {min_kill_rate:g}%)"
                gates.append(Gate("kill rate", rate >= min_kill_rate, detail))
            n = len(self.control_failures)
            gates.append(Gate("reference under audit limits", n == 0,
                              "the reference gets full marks under the audit's time limits" if n == 0 else
                              f"{n} test(s) fail the reference under the audit's limits: kills are not trustworthy; "
                              "raise --call-timeout / --test-timeout"))  # fmt: skip
        if "variants" in self.checked or "flakiness" in self.checked:
            n = len(self.false_fails)
            gates.append(Gate("false fails", n <= max_false_fails,
                              f"{n} test failure(s) on correct programs (allowed: {max_false_fails})"))  # fmt: skip
        else:
            gates.append(Gate("false fails", None, "not checked"))
        if "flakiness" in self.checked:
            n = len(self.flaky)
            gates.append(Gate("flaky tests", n <= max_flaky,
                              f"{n} test(s) changed outcome across {len(self.runs)} runs (allowed: {max_flaky})"))  # fmt: skip
        else:
            gates.append(Gate("flaky tests", None, "not checked"))
        return gates

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for m, raw in zip(self.mutants, d["mutants"]):
            raw["mutant"] = {**raw["mutant"], "id": m.mutant.id}
            raw["mutant"].pop("source", None)
        for e, raw in zip(self.exercises, d["exercises"]):
            raw["kill_rate"] = e.kill_rate
        d["kill_rate"] = self.kill_rate
        return d


def exercise_stats(exercise: str, generated: int, results: list[MutantResult]) -> ExerciseStats:
    counted = [m for m in results if not m.equivalent]
    return ExerciseStats(
        exercise=exercise,
        generated=generated,
        graded=len(results),
        killed=sum(m.killed for m in counted),
        survived=sum(not m.killed for m in counted),
        equivalent=len(results) - len(counted),
        timeouts=sum(m.killed and m.status in ("timeout", "crashed") for m in counted),
    )
