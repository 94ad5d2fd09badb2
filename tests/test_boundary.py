"""The boundary under attack: student code that writes to the grader's reply pipe itself.

Each attack finds the reply pipe's file descriptor in /proc/self/fd (the one
write-only pipe besides stdout and stderr) and writes well-formed frames on
it, then returns a large array whose real reply blocks the worker until the
grader reads it. Before these defences the grader took the forged frame for
the answer, then blocked for ever in ``os.write`` of its next request.

Here: the grader always finishes (every test asserts the worker *died*, not
that it timed out, so no wall clock is involved), the forgery is a crash,
and no answer is ever shifted onto another call. The ``process`` level is
enough: the defences are on the grader's side of the pipe.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from autograder.errors import StudentCodeError, StudentCrashed, StudentStop, StudentTimeout
from autograder.sandbox import SandboxLimits, StudentSession, wire
from autograder.sandbox.worker import Worker, WorkerDied, WorkerForged, WorkerTimeout, prepare_copy

# What a student writes: find the reply pipe, build frames by hand, write them.
FIND_REPLY_PIPE = '''
import os, struct, sys
import numpy as np


def reply_fds():
    """Write-only pipes other than stdout/stderr: the grader's reply channel."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd < 3:
            continue
        try:
            target = os.readlink("/proc/self/fd/%d" % fd)
            with open("/proc/self/fdinfo/%d" % fd) as fh:
                flags = int(fh.read().split("flags:")[1].split()[0], 8)
        except (OSError, ValueError, IndexError):
            continue
        if target.startswith("pipe:") and flags & 3 == 1:
            found.append(fd)
    return found


def frame(header, buffers=(), count=None):
    count = len(buffers) if count is None else count
    sizes = b"".join(struct.pack("!Q", len(b)) for b in buffers) or bytes(8 * count)
    return struct.pack("!IIQ", len(header), count, sum(len(b) for b in buffers)) + sizes + header + b"".join(buffers)


def forge(data):
    for fd in reply_fds():
        os.write(fd, data)


def current_request_id():
    """The id of the request being answered, read from the worker's own frames (student code can)."""
    f = sys._getframe()
    while f is not None:
        request = f.f_locals.get("request")
        if isinstance(request, dict) and "id" in request:
            return request["id"]
        f = f.f_back
    return None
'''

# The attacks, each a function body; ``{big}`` is the large real reply that blocks the worker.
# A well-formed answer {"ok": 1.0} is b'{"$d":[["ok",1.0]]}' on the wire (see wire.encode).
ATTACK_BODIES = {
    "forge_one_frame": 'forge(frame(b\'{{"$d":[["ok",1.0]]}}\'))',
    "forge_fifty_frames": 'forge(frame(b\'{{"$d":[["ok",1.0]]}}\') * 50)',
    "million_empty_buffers": 'forge(frame(b\'{{"$d":[["ok",1.0]]}}\', count=1_000_000))',
    "shared_buffer_64_nodes": (
        'node = b\'{{"$a":0,"dtype":"<f8","shape":[1048576]}}\'\n'
        'forge(frame(b\'{{"$d":[["ok",[\' + b",".join([node] * 64) + b"]]]}}", [bytes(8 << 20)]))'
    ),
    "forge_with_the_request_id": (
        'forge(frame((\'{{"$d":[["ok",1.0],["id","%s"]]}}\' % current_request_id()).encode()))'
    ),
}
BIG = "np.zeros(2_000_000)"  # 16 MB: more than a pipe holds, so the real reply blocks the worker


def attack_function(name: str, body: str, arg: str = "z") -> str:
    lines = "\n".join("    " + line for line in body.format().splitlines())
    return f"def {name}({arg}):\n{lines}\n    return {BIG}\n"


MODULE = (
    FIND_REPLY_PIPE
    + "\n\ndef double(x):\n    return np.asarray(x) * 2\n\n\ndef nap(seconds):\n    import time\n    time.sleep(seconds)\n    return seconds\n\n"
    + "\n".join(attack_function(name, body) for name, body in ATTACK_BODIES.items())
).encode()

LIMITS = SandboxLimits(call_timeout=30, test_timeout=120, memory_mb=1024)


@pytest.fixture
def worker():
    copy = prepare_copy({"mod.py": MODULE})
    w = Worker(copy, "process", LIMITS)
    w.wait_ready(60)
    assert "ok" in w.request({"op": "import", "module": "mod"}, 60)
    yield w
    w.kill()


def call(w: Worker, func: str, *args: object) -> dict:
    return w.request({"op": "call", "module": "mod", "func": func, "args": list(args), "kwargs": {}}, 30)


@pytest.mark.parametrize("attack", sorted(set(ATTACK_BODIES) - {"forge_with_the_request_id"}))
def test_a_forged_frame_kills_the_worker_as_a_crash(worker, attack):
    assert call(worker, "double", 2)["ok"] == 4
    with pytest.raises(WorkerDied) as caught:
        call(worker, attack, 1)
    assert not isinstance(caught.value, WorkerTimeout)
    assert "reply channel" in str(caught.value) or "not a valid answer" in str(caught.value)
    assert not worker.alive


def test_forged_frames_are_caught_before_any_is_taken_for_the_answer(worker):
    with pytest.raises(WorkerForged, match="reply channel") as caught:
        call(worker, "forge_one_frame", 1)
    assert caught.value.earlier is False  # charged to the call that forged


def test_a_frame_forged_with_the_right_id_is_at_most_its_own_answer(worker):
    """Student code can read the current request's id, so it can answer its own call; never another."""
    try:
        reply = call(worker, "forge_with_the_request_id", 1)
    except WorkerForged as forged:
        assert forged.earlier is False  # the real answer was already waiting: caught at once
        return
    assert reply == {"ok": 1.0}  # the forged answer, as good as returning 1.0
    with pytest.raises(WorkerForged) as caught:
        # The real 16 MB answer blocks the worker, which so never reads this 16 MB request: the red
        # team's hang (the grader blocked in os.write). Now the answer is seen, whenever it arrives.
        call(worker, "double", np.zeros(2_000_000))
    assert caught.value.earlier is True


def test_a_million_empty_buffers_fail_fast(worker):
    with pytest.raises(WorkerDied, match="not a valid answer"):
        call(worker, "million_empty_buffers", 1)


def test_any_exception_while_decoding_kills_the_worker(worker, monkeypatch):
    def out_of_memory(*args: object, **kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr(wire, "decode", out_of_memory)
    with pytest.raises(WorkerDied, match="MemoryError"):
        call(worker, "double", 2)
    assert not worker.alive  # never left running one answer behind


def test_large_requests_and_replies_cross_within_their_deadline(worker):
    """A request and a reply much larger than a pipe: written without blocking, read as they come."""
    x = np.arange(2_000_000, dtype=np.float64)  # 16 MB each way
    assert np.array_equal(call(worker, "double", x)["ok"], 2 * x)


def test_a_worker_that_does_not_read_its_request_is_a_timeout(tmp_path):
    """A request larger than the pipe, to a worker busy in student code: the write has the deadline too."""
    copy = prepare_copy({"mod.py": MODULE})
    w = Worker(copy, "process", LIMITS)
    try:
        w.wait_ready(60)
        wire.write_frame(
            w._req, {"op": "call", "module": "mod", "func": "nap", "args": [3600], "kwargs": {}, "id": "x"}
        )
        start = time.monotonic()
        with pytest.raises(WorkerTimeout):
            w.request(
                {"op": "call", "module": "mod", "func": "double", "args": [np.zeros(1_000_000)], "kwargs": {}}, 1.0
            )
        assert time.monotonic() - start < 30  # the deadline, not for ever
        assert not w.alive
    finally:
        w.kill()


# ----------------------------------------------------------------------------- through a session


def outcome(func, *args: object) -> object:
    """What a call gave: its value, or the StudentCodeError it failed with (unwrapped from StudentStop)."""
    try:
        return func(*args)
    except StudentStop as stop:
        return stop.error
    except StudentCodeError as err:
        return err


@pytest.fixture
def session():
    s = StudentSession({"mod.py": MODULE}, level="process", limits=LIMITS)
    yield s
    s.close()


def test_no_answer_is_ever_shifted_onto_another_call(session):
    x = np.arange(5.0)
    for attack in ATTACK_BODIES:
        assert np.array_equal(session.mod.double(x), 2 * x)
        got = outcome(getattr(session.mod, attack), x)
        if isinstance(got, StudentCodeError):
            assert isinstance(got, StudentCrashed), got.message
            assert "reply channel" in got.message or "not a valid answer" in got.message
        else:
            assert attack == "forge_with_the_request_id" and got == 1.0  # its own answer, nobody else's
        assert np.array_equal(session.mod.double(x + 1), 2 * (x + 1)), attack
        big = np.arange(2_000_000.0)  # a request larger than a pipe, to a worker that may be blocked
        assert np.array_equal(session.mod.double(big), 2 * big), attack
    # Every forger is refused from then on, as a crash, without running again.
    for attack in ("forge_with_the_request_id", "forge_one_frame"):
        got = outcome(getattr(session.mod, attack), x)
        assert isinstance(got, StudentCrashed) and "reply channel" in got.message, got
    assert np.array_equal(session.mod.double(x), 2 * x)


def test_the_submission_budget_bounds_a_function_that_sleeps_just_under_the_call_timeout():
    """20 calls of 0.8 s with a 1 s call timeout: the 3 s budget stops it, not 20 x 0.8 s."""
    limits = SandboxLimits(call_timeout=1.0, test_timeout=10, submission_timeout=3)
    s = StudentSession({"mod.py": MODULE}, level="process", limits=limits)
    ran, refused, stopped = 0, 0, 0
    start = time.monotonic()
    try:
        for _ in range(20):
            s.begin_test()
            try:
                got = outcome(s.mod.nap, 0.8)
            finally:
                s.end_test()
            if not isinstance(got, StudentCodeError):
                ran += 1
                continue
            assert isinstance(got, StudentTimeout), got.message
            assert "the submission used its whole time budget of 3 s" in got.message
            if got.message.startswith("not run"):
                refused += 1
            else:
                stopped += 1  # the test that was running fails as a timeout
    finally:
        s.close()
    elapsed = time.monotonic() - start
    assert ran <= 4 and stopped <= 1 and refused >= 15
    assert elapsed < 20 * 0.8  # far less than every test paying its call; about the budget itself
