"""Hypothesis under grading: the deterministic profile, course.yaml's example counts, the audit's seed.

Grading runs every hidden test under the profile ``autograder-grading``:
derandomized (the same inputs for every submission, every time), no example
database, no deadline, ``max_examples`` from course.yaml (per test where
course.yaml says so). Only ``autograder audit``'s flakiness check runs
seeded instead.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings

__all__ = ["PROFILE", "load_profile", "register_profile", "set_max_examples", "unset_seed"]

PROFILE = "autograder-grading"


def register_profile(max_examples: int, derandomize: bool = True) -> None:
    """The deterministic hypothesis profile used for grading: same inputs for every submission, every time.

    ``derandomize=False`` is only for ``autograder audit``'s flakiness check, which seeds hypothesis itself.
    """
    settings.register_profile(
        PROFILE,
        derandomize=derandomize,
        database=None,
        deadline=None,
        max_examples=max_examples,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        # Students' messages quote hypothesis's minimal failing call, which it only reports at
        # normal verbosity or above: never inherit a quieter default from the environment.
        verbosity=Verbosity.normal,
        # No "explain" phase: its notes name grader files and lines, which students need not see.
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    )


def load_profile(max_examples: int, seed: int | None = None) -> None:
    """Register and load the grading profile; with ``seed`` (audit only), explore with that seed instead."""
    register_profile(max_examples, derandomize=seed is None)
    settings.load_profile(PROFILE)
    if seed is not None:
        from hypothesis import core  # what ``pytest --hypothesis-seed`` sets; ignored while derandomized

        core.global_force_seed = seed  # type: ignore[assignment]  # hypothesis declares it as a bare None


def unset_seed() -> None:
    """A seeded audit run leaves no seed behind for later sessions."""
    from hypothesis import core

    core.global_force_seed = None


def set_max_examples(test: Any, n: int) -> None:
    """course.yaml's per-test example count, layered over the test's own settings (idempotent).

    Parametrized items share one function, and a test may carry its own
    ``@settings``; so the attached settings object is replaced rather than
    decorated again (hypothesis refuses a second decoration).
    """
    current = getattr(test, "_hypothesis_internal_use_settings", None) or settings.get_profile(PROFILE)
    if current.max_examples != n:
        test._hypothesis_internal_use_settings = settings(current, max_examples=n)
