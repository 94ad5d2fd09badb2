"""A function that calls one that timed out is failed at once (autograder.sandbox.session): one loop, one timeout."""

from __future__ import annotations

import time

import pytest

from autograder.errors import StudentStop, StudentTimeout
from autograder.sandbox import SandboxLimits, StudentSession

SOURCE = b"""\
def spin(x):
    while True:
        pass


def helper(x):
    return spin(x) + 1


def uses_spin_indirectly(x):
    return helper(x) * 2


def independent(x):
    return x + 1


def shadows(x):
    spin = 3  # a local that happens to share the name still counts as reaching spin(): documented
    return x + spin
"""


@pytest.fixture
def session():
    s = StudentSession({"m.py": SOURCE}, level="process", limits=SandboxLimits(call_timeout=1.0, test_timeout=30))
    yield s
    s.close()


def _timeout_message(call):
    with pytest.raises(StudentStop) as info:
        call()
    assert isinstance(info.value.error, StudentTimeout)
    return info.value.error.message


def test_callers_of_a_hung_function_fail_at_once_and_others_still_run(session):
    t0 = time.monotonic()
    assert "did not return within 1 s" in _timeout_message(lambda: session.m.spin(1))
    first = time.monotonic() - t0
    t1 = time.monotonic()
    message = _timeout_message(lambda: session.m.uses_spin_indirectly(1))
    assert "calls spin()" in message and "was not run" in message
    assert time.monotonic() - t1 < first  # no second timeout was spent
    assert "calls spin()" in _timeout_message(lambda: session.m.helper(1))
    assert session.m.independent(1) == 2


def test_nothing_is_refused_before_a_timeout(session):
    assert session.m.independent(41) == 42
    assert session.m.shadows(1) == 4
