"""Outcomes: the exception a hidden test ended with, as a status, a message and a hint for students.

Outcomes come from the exception itself, never from pytest's text output:

==========================================================  =========
the test ended with                                          status
==========================================================  =========
nothing                                                      passed
``AssertionError`` / ``Mismatch``                            failed
``StudentRaised``, ``StudentImportError``, ``StudentMissing``  error
``StudentTimeout``                                           timeout
``StudentCrashed``                                           crashed
``StudentBadValue``                                          failed
any other exception while checking                           failed
==========================================================  =========

When hypothesis found the failure, the message ends with its minimal failing
call, worded for students ("Smallest failing input: ...") and without the
arguments pytest gave the test (``student``, ``reference``, ``record``...).
Tracebacks and test source are never part of a message, and numpy scalars
read as plain numbers (``testing.plain_reprs``: ``0.5``, not ``np.float64(0.5)``).
"""

from __future__ import annotations

import builtins
import re
from typing import Any

import pytest
from hypothesis.errors import Flaky

from autograder.config import TestSpec
from autograder.errors import StudentCodeError, StudentStop
from autograder.grading._hypothesis import failing_examples
from autograder.model import TestResult
from autograder.testing import plain_reprs

__all__ = ["classify", "failing_calls", "fixture_names", "not_run", "result", "tidy_call", "tidy_note"]

MESSAGE_LIMIT = 4000


def result(item: pytest.Item, call: pytest.CallInfo[None], spec: TestSpec) -> TestResult:
    """The ``TestResult`` of one hidden test's setup or call phase."""
    description = ((getattr(item, "obj", None) and item.obj.__doc__) or "").strip().splitlines()  # type: ignore[attr-defined]
    base = dict(
        name=spec.name,
        exercise=spec.exercise,
        max_score=spec.points,
        visibility=spec.visibility,
        duration=round(call.duration, 4),
        description=description[0] if description else "",
    )
    if call.excinfo is None:
        return TestResult(status="passed", score=spec.points, **base)  # type: ignore[arg-type]
    status, message, hint = classify(call.excinfo.value, item)
    return TestResult(status=status, score=0.0, message=message, hint=hint or spec.hint, **base)  # type: ignore[arg-type]


def not_run(spec: TestSpec) -> TestResult:
    """A test the session never reported on (it was not collected, or the session stopped)."""
    return TestResult(
        name=spec.name,
        exercise=spec.exercise,
        status="error",
        score=0.0,
        max_score=spec.points,
        message="this test did not run",
        visibility=spec.visibility,
    )


def classify(exc: BaseException, item: Any) -> tuple[str, str, str]:
    """(status, student-facing message, hint) for the exception a test ended with."""
    if isinstance(exc, StudentStop):
        exc = exc.error
    inner = _student_error_in(exc)
    if inner is not None:
        exc = inner
    if isinstance(exc, StudentCodeError):
        status, message, hint = exc.status, exc.message, exc.hint
    elif isinstance(exc, Flaky):
        status = "failed"
        message = "your code gave different answers when called twice with the same input"
        hint = "Do not keep state between calls and do not use unseeded randomness."
    elif isinstance(exc, AssertionError):
        status, message, hint = "failed", str(exc) or "the answer was wrong", getattr(exc, "hint", "")
    elif isinstance(exc, pytest.skip.Exception):
        status, message, hint = "error", "the grader skipped this test", ""
    else:
        status = "failed"
        message = f"your answer could not be checked ({type(exc).__name__}: {exc})"
        hint = "Check the type and shape of what you return against the stub's docstring."
    if not hint:
        marker = item.get_closest_marker("hint")
        hint = str(marker.args[0]) if marker and marker.args else ""
    inputs = [tidy_call(call, fixture_names(item)) for call in failing_calls(exc, item)]
    if inputs:
        message = message.rstrip() + "\n" + "\n".join(inputs)
    message = plain_reprs(message)  # np.float64(0.5) -> 0.5, in whatever way the test wrote the value
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + " [...]"
    return status, message, hint


_GROUP = getattr(builtins, "BaseExceptionGroup", ())  # Python 3.11+


def _student_error_in(exc: BaseException) -> StudentCodeError | None:
    """The student's error inside an exception group (hypothesis wraps inconsistent failures in one)."""
    if _GROUP and isinstance(exc, _GROUP):
        for sub in exc.exceptions:
            found = _student_error_in(sub)
            if found is not None:
                return found
    return None


# How hypothesis words the note holding the minimal failing call: "Falsifying example: test_x(...)"
# up to 6.158, "Failing test case: test_x(...)" since 6.159 (and "... explicit example: " for @example).
_EXAMPLE_NOTE = re.compile(r"^(?:Falsifying|Failing) (?:explicit )?(?:example|test case): ")
FIXTURES = ("student", "reference", "record", "course")


def failing_calls(exc: BaseException, item: Any) -> list[str]:
    """The minimal failing calls hypothesis found, as it prints them (``test_x(`` then one argument a line).

    First what hypothesis hands its own pytest plugin (``item._hypothesis_failing_examples``: the
    calls without any wording around them); else its notes on the exception, in either wording
    (no pytest plugin, an explicit ``@example``, or a hypothesis that stopped setting the attribute).
    """
    calls = failing_examples(item)
    if isinstance(calls, (list, tuple)) and calls and all(isinstance(c, str) for c in calls):
        return [c for c in calls if c.strip()]
    notes = [n for n in getattr(exc, "__notes__", None) or () if isinstance(n, str)]
    return [n[m.end() :] for n in notes if (m := _EXAMPLE_NOTE.match(n)) and n[m.end() :].strip()]


def fixture_names(item: Any) -> tuple[str, ...]:
    """Arguments pytest gives the test (``student``, ``reference``...): never part of a student's input."""
    info = getattr(item, "_fixtureinfo", None)
    return tuple(dict.fromkeys((*FIXTURES, *getattr(info, "argnames", ()))))


def tidy_call(call: str, fixtures: tuple[str, ...] = FIXTURES) -> str:
    """A failing call, worded for students: "Smallest failing input: ...", without the fixture arguments."""
    fixture_arg = re.compile(rf"^(\s*)(?:{'|'.join(map(re.escape, fixtures))})=")
    lines: list[str] = []
    skipping = -1  # the indent of the fixture argument being left out, while its value goes on
    for line in call.splitlines():
        indent = len(line) - len(line.lstrip())
        if skipping >= 0 and (indent > skipping or (indent == skipping and line.lstrip()[:1] in (")", "]", "}"))):
            continue  # the value of a fixture argument, printed over several lines
        found = fixture_arg.match(line)
        skipping = len(found.group(1)) if found else -1
        if not found:
            lines.append(line)
    return "Smallest failing input: " + "\n".join(lines)


def tidy_note(note: str) -> str:
    """A hypothesis note (either wording) as ``tidy_call`` words it; other notes unchanged."""
    match = _EXAMPLE_NOTE.match(note)
    return tidy_call(note[match.end() :]) if match else note
