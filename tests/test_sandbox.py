"""The sandbox session: calls, failures, limits and what the student's process can see."""

from __future__ import annotations

import time

import numpy as np
import pytest

from autograder.errors import (
    IsolationError,
    StudentImportError,
    StudentMissing,
    StudentRaised,
    StudentStop,
    StudentTimeout,
)
from autograder.sandbox import LEVELS, SandboxLimits, StudentSession, available_levels, resolve_level

LEVELS_HERE = available_levels()

MODULE = b"""
import os, sys, time
import numpy as np
print("imported")
calls = 0

def double(x):
    return np.asarray(x) * 2

def count():
    global calls
    calls += 1
    return calls

def env():
    return dict(os.environ)

def where():
    return {"cwd": os.getcwd(), "uid": os.getuid(), "files": sorted(os.listdir("."))}

def loud(n):
    sys.stdout.write("y" * n)
    return n

def slow(seconds):
    time.sleep(seconds)
    return seconds

def boom():
    raise ValueError("bad input")

def stub():
    raise NotImplementedError

def mutate(a):
    a[0] = 99
    return a

def warns(x):
    return np.exp(np.asarray(x, dtype=float))
"""


@pytest.fixture(params=LEVELS_HERE)
def session(request):
    s = StudentSession(
        {"mod.py": MODULE, "broken.py": b"def f(:\n", "hangs.py": b"import time\ntime.sleep(60)\n"},
        level=request.param,
        limits=SandboxLimits(call_timeout=1.5, test_timeout=4, output_kb=1),
    )
    yield s
    s.close()


def test_calls_return_plain_data(session):
    out = session.mod.double(np.arange(3.0))
    assert isinstance(out, np.ndarray) and out.tolist() == [0.0, 2.0, 4.0]
    assert session.mod.double([1, 2]).dtype == np.int64


def test_arguments_are_copies(session):
    a = np.zeros(3)
    back = session.mod.mutate(a)
    assert a[0] == 0 and back[0] == 99


def test_with_inputs_shows_mutation_inside_the_worker(session):
    value, (after,) = session.mod.mutate.with_inputs(np.zeros(3))
    assert value[0] == 99 and after[0] == 99


def test_state_lives_in_one_worker_until_it_dies(session):
    assert [session.mod.count() for _ in range(3)] == [1, 2, 3]
    assert session.workers_started == 1


def test_environment_is_scrubbed(session, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_should_not_leak")
    env = session.mod.env()
    assert "GITHUB_TOKEN" not in env
    assert set(env) <= {
        "LANG",
        "LC_ALL",
        "PATH",
        "HOME",
        "TMPDIR",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "MPLBACKEND",
        "AG_WORKER_TOKEN",
        "PWD",
    }


def test_worker_sees_only_its_copy(session):
    seen = session.mod.where()
    assert "mod.py" in seen["files"]
    if session._level == "namespace":
        assert seen["cwd"] == "/submission" and seen["uid"] != 0


def test_output_is_captured_and_truncated(session):
    assert session.mod.loud(10_000) == 10_000
    text = session.output
    assert text.startswith("imported")
    assert "more bytes of output were not kept" in text
    assert len(text) < 1100


def test_timeout_is_paid_once_per_function(session):
    start = time.monotonic()
    with pytest.raises(StudentStop) as first:
        session.mod.slow(30)
    assert isinstance(first.value.error, StudentTimeout)
    assert "did not return within 1.5 s" in first.value.error.message
    with pytest.raises(StudentStop):
        session.mod.slow(0)  # not called again: fails at once
    assert time.monotonic() - start < 6
    assert session.mod.double(1) == 2  # a fresh worker serves the other functions


def test_test_budget_bounds_all_calls_of_a_test(session):
    session.begin_test()
    with pytest.raises(StudentTimeout, match="in total"):
        for _ in range(10):
            session.mod.slow(1.0)
    session.end_test()


def test_exceptions_are_reported_with_the_students_line(session):
    with pytest.raises(StudentRaised) as err:
        session.mod.boom()
    assert "ValueError: bad input" in err.value.message
    assert "mod.py, line" in err.value.message


def test_not_implemented_is_sticky_and_friendly(session):
    with pytest.raises(StudentStop) as err:
        session.mod.stub()
    assert "not implemented yet" in err.value.error.message
    assert "raise NotImplementedError" in err.value.error.hint


def test_import_failures_are_remembered(session):
    for _ in range(2):
        with pytest.raises(StudentStop) as err:
            session.broken.f()
        assert isinstance(err.value.error, StudentImportError)
        assert "SyntaxError" in err.value.error.message
    with pytest.raises(StudentStop) as err:
        session.hangs.f()
    assert "importing your hangs.py did not finish" in err.value.error.message
    with pytest.raises(StudentStop) as err:
        session.missing.f()
    assert "has no missing.py" in err.value.error.message


def test_missing_function(session):
    with pytest.raises(StudentStop) as err:
        session.mod.nope()
    assert isinstance(err.value.error, StudentMissing)


def test_warnings_are_reported_on_request(session):
    value, warnings = session.mod.warns.with_warnings([1000.0])
    assert np.isinf(value[0]) and any("overflow" in w for w in warnings)


def test_each_test_prints_its_own_warnings_whatever_ran_before(session):
    """Python prints a warning once per place in a process; a worker serves many tests (and a replay that
    stops is rewound), so each test starts afresh: its output holds the warnings it caused, once each,
    even when the test's first call finds no function."""
    printed = []
    for _ in range(2):
        session.begin_test()
        before = len(session.output)
        with pytest.raises(StudentStop):
            session.mod.nope()
        session.mod.warns([1000.0])
        session.mod.warns([1000.0])
        session.end_test()
        printed.append(session.output[before:].count("overflow encountered in exp"))
    assert printed == [1, 1]


def test_session_cleans_up_its_copy(session):
    session.mod.double(1)
    copy = session._copy  # on disk for cold workers; a warm (forked) one gets its files on a pipe
    session.close()
    assert copy is None or not copy.exists()
    assert copy is not None or session._zygote is None


def test_resolve_level_refuses_below_the_minimum():
    assert resolve_level("process", trusted_code=True) == "process"
    with pytest.raises(IsolationError, match="no sandbox.*--trusted-code"):
        resolve_level("process", minimum="user")
    assert resolve_level("auto", trusted_code=True) == LEVELS_HERE[-1]
    with pytest.raises(IsolationError, match="unknown isolation level"):
        resolve_level("docker")
    missing = [lvl for lvl in LEVELS if lvl not in LEVELS_HERE]
    for lvl in missing:
        with pytest.raises(IsolationError, match="not available on this machine"):
            resolve_level(lvl)
    strongest = LEVELS_HERE[-1]
    if strongest != "process":
        with pytest.raises(IsolationError, match="no sandbox"):
            resolve_level("process", minimum=strongest)
    if "user" in LEVELS_HERE and strongest == "namespace":
        with pytest.raises(IsolationError, match="demands isolation of at least 'namespace'"):
            resolve_level("user", minimum="namespace")


def test_printed_output_names_the_students_file_the_same_way_at_every_level():
    """A warning's file name must not carry where the copy happened to live (/tmp/ag-sub-XXXX, /submission)."""
    files = {"m.py": b"import warnings\n\ndef f():\n    warnings.warn('careful')\n    return 1\n"}
    seen = {}
    for level in [lv for lv in ("process", "user", "namespace") if lv in available_levels()]:
        session = StudentSession(files, level=level, limits=SandboxLimits())
        try:
            assert session.m.f() == 1
            seen[level] = session.output
        finally:
            session.close()
    assert all("m.py:4: UserWarning: careful" in out for out in seen.values()), seen
    assert len(set(seen.values())) == 1, seen
    assert not any("ag-sub-" in out or "/submission" in out for out in seen.values())
