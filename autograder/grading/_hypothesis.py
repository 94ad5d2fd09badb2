"""Hypothesis under grading: the deterministic profile, course.yaml's example counts, the audit's seed.

This module is also the one place that reaches into hypothesis's internals (``INTERNALS`` lists
them): the forced seed, a test's attached settings, its inner test function, the source digest
that derandomized seeds come from, and the failing calls hypothesis hands its pytest plugin.
tests/test_hypothesis_internals.py fails with a message naming the one a new release moved.

Grading runs every hidden test under the profile ``autograder-grading``:
derandomized (the same inputs for every submission, every time), no example
database, no deadline, ``max_examples`` from course.yaml (per test where
course.yaml says so). Only ``autograder audit``'s flakiness check runs
seeded instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings

__all__ = [
    "INTERNALS",
    "PROFILE",
    "failing_examples",
    "inner_test",
    "is_hypothesis_test",
    "load_profile",
    "no_local_constants",
    "register_profile",
    "set_inner_test",
    "set_max_examples",
    "source_digest",
    "unset_seed",
]

# Every hypothesis internal the grader relies on, and what breaks if a release moves it.
INTERNALS = {
    "hypothesis.core.global_force_seed": "the audit's seeded runs (load_profile, unset_seed)",
    "test._hypothesis_internal_use_settings": "course.yaml's per-test max_examples (set_max_examples)",
    "test.hypothesis.inner_test": "recording and replaying examples (inner_test, set_inner_test)",
    "hypothesis.internal.reflection.function_digest": "checking a recording wrapper keeps the seed (source_digest)",
    "item._hypothesis_failing_examples": "the minimal failing call in students' messages (failing_examples)",
    "hypothesis.internal.conjecture.providers._get_local_constants": "inputs that do not depend on what else "
    "the process loaded (no_local_constants)",
    "hypothesis.internal.conjecture.providers.CONSTANTS_CACHE": "the same (no_local_constants)",
    "hypothesis.internal.conjecture.providers.Constants": "the same (no_local_constants)",
}

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


def no_local_constants() -> Callable[[], None]:
    """Draw no constants from the process's own modules while grading; returns the function that undoes it.

    Hypothesis (6.131 and later) sometimes draws a constant found in the source of any *local* module
    the process has loaded (one draw in twenty may be one). Which modules are local depends on the
    installation (the autograder installed editable or as a wheel), on how grading was started
    (``autograder grade``, a batch job, ``pytest tests/grading``) and on what was imported before: the
    same derandomized test got other inputs in another process, and so could give another grade. With
    this, the inputs depend only on the hidden test, the hypothesis version and the seed. (Hypothesis's
    own built-in constants are still drawn.)
    """
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    nothing = providers.Constants()  # empty (calling the original would scan every loaded module)

    def none_here() -> Any:
        return nothing

    providers._get_local_constants = none_here
    providers.CONSTANTS_CACHE.cache.clear()  # allowed constants computed before, local ones included

    def undo() -> None:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()

    return undo


def unset_seed() -> None:
    """A seeded audit run leaves no seed behind for later sessions."""
    from hypothesis import core

    core.global_force_seed = None


def is_hypothesis_test(test: Any) -> bool:
    return bool(getattr(test, "is_hypothesis_test", False)) and hasattr(test, "hypothesis")


def inner_test(test: Any) -> Callable[..., Any]:
    """The function a ``@given`` test calls with each drawn example."""
    return test.hypothesis.inner_test


def set_inner_test(test: Any, function: Callable[..., Any]) -> None:
    test.hypothesis.inner_test = function


def source_digest(function: Callable[..., Any]) -> bytes:
    """What a derandomized test's seed is derived from (a wrapper must keep it to see the same inputs)."""
    from hypothesis.internal.reflection import function_digest

    return function_digest(function)


def failing_examples(item: Any) -> object:
    """The minimal failing calls hypothesis handed its pytest plugin for ``item`` (None if none)."""
    return getattr(item, "_hypothesis_failing_examples", None)


def set_max_examples(test: Any, n: int) -> None:
    """course.yaml's per-test example count, layered over the test's own settings (idempotent).

    Parametrized items share one function, and a test may carry its own
    ``@settings``; so the attached settings object is replaced rather than
    decorated again (hypothesis refuses a second decoration).
    """
    current = getattr(test, "_hypothesis_internal_use_settings", None) or settings.get_profile(PROFILE)
    if current.max_examples != n:
        test._hypothesis_internal_use_settings = settings(current, max_examples=n)
