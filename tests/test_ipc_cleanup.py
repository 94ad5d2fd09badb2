"""Shared memory and message queues do not outlive a submission, at any level that runs untrusted code.

SysV IPC objects (shared memory, semaphores, message queues) and POSIX shared memory belong to
no process: without a cleanup they outlive the worker (and its memory is outside RLIMIT_AS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autograder.sandbox import SandboxLimits, StudentSession, available_levels
from autograder.sandbox.zygote import Zygote, ZygoteFailed
from tests.test_zygote import _descendants

LEVELS_HERE = available_levels()
LIMITS = SandboxLimits(call_timeout=5)
SEGMENT = 64 * 1024 * 1024

PLANT = b'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT, KEYS = 0o1000, (0x41470001, 0x41470002, 0x41470003)

def plant(size):
    """A SysV segment (touched, so it holds memory), semaphore set and queue, a POSIX shm file and queue."""
    libc.shmat.restype = ctypes.c_void_p
    shm = libc.shmget(KEYS[0], size, IPC_CREAT | 0o666)
    if shm >= 0:
        addr = libc.shmat(shm, None, 0)
        ctypes.memset(addr, 7, size)
        libc.shmdt(ctypes.c_void_p(addr))
    sem = libc.semget(KEYS[1], 1, IPC_CREAT | 0o666)
    msg = libc.msgget(KEYS[2], IPC_CREAT | 0o666)
    try:
        with open("/dev/shm/ag-planted", "w") as fh:
            fh.write("answers")
        posix = True
    except OSError:
        posix = False
    mq = libc.mq_open(b"/ag-planted", os.O_CREAT | os.O_RDWR, 0o666, None)
    return {"shm": shm, "sem": sem, "msg": msg, "posix_shm": posix, "posix_mq": mq >= 0, "uid": os.getuid()}

def harvest():
    """What of a planted object this process can still see."""
    mq = libc.mq_open(b"/ag-planted", os.O_RDONLY)
    return {"shm": libc.shmget(KEYS[0], 0, 0) >= 0, "sem": libc.semget(KEYS[1], 0, 0) >= 0,
            "msg": libc.msgget(KEYS[2], 0) >= 0, "posix_shm": os.path.exists("/dev/shm/ag-planted"),
            "posix_mq": mq >= 0,
            "sysvipc": [open(f"/proc/sysvipc/{k}").read().count("\\n") - 1 for k in ("shm", "sem", "msg")]}
'''
NOTHING = {"shm": False, "sem": False, "msg": False, "posix_shm": False, "posix_mq": False, "sysvipc": [0, 0, 0]}


def session(level: str) -> StudentSession:
    return StudentSession({"probe.py": PLANT}, level=level, limits=LIMITS)


@pytest.mark.parametrize("level", [lv for lv in LEVELS_HERE if lv != "process"])
def test_the_next_submission_sees_nothing_of_the_last(level):
    first = session(level)
    try:
        made = first.probe.plant(SEGMENT)
        zygote = first._zygote
    finally:
        first.close()
    assert made["shm"] >= 0 and made["sem"] >= 0 and made["msg"] >= 0  # the attack did create them
    assert not made["posix_mq"]  # RLIMIT_MSGQUEUE is 0: no POSIX message queue at all
    second = session(level)
    try:
        seen = second.probe.harvest()
        if zygote is not None:
            assert second._zygote is zygote  # the same warm sandbox served both: its reset cleaned
    finally:
        second.close()
    if level == "user":
        seen["sysvipc"] = [0, 0, 0]  # the host's table: other programs' objects are none of our business
    assert seen == NOTHING


def test_a_zygote_reset_removes_the_segment_and_frees_its_memory():
    if "namespace" not in LEVELS_HERE:
        pytest.skip("zygotes serve the namespace level")
    z = Zygote(LIMITS)
    try:
        w = z.spawn({"probe.py": PLANT}, None, 1024)
        w.wait_ready(30)
        w.request({"op": "import", "module": "probe"}, 30)
        made = w.request({"op": "call", "module": "probe", "func": "plant", "args": [SEGMENT], "kwargs": {}}, 30)
        made = made["ok"]
        assert made["shm"] >= 0
        before = _sysvipc_of(z)
        assert f" {made['shm']} " in before["shm"] and str(SEGMENT) in before["shm"]
        w.kill()  # a reset: the worker and everything of nobody go
        after = _sysvipc_of(z)
        assert after == {"shm": "", "sem": "", "msg": ""}
        w2 = z.spawn({"probe.py": PLANT}, None, 1024)  # and the zygote is still good for the next one
        w2.wait_ready(30)
        w2.request({"op": "import", "module": "probe"}, 30)
        seen = w2.request({"op": "call", "module": "probe", "func": "harvest", "args": [], "kwargs": {}}, 30)
        assert seen["ok"] == NOTHING
        w2.kill()
        assert z.alive
    finally:
        z.kill()


def test_a_zygote_whose_reset_leaves_something_is_killed():
    if "namespace" not in LEVELS_HERE or os.geteuid() != 0:
        pytest.skip("needs the namespace level as root (to leave something nobody cannot remove)")
    z = Zygote(LIMITS)
    try:
        w = z.spawn({"probe.py": PLANT}, None, 1024)
        w.wait_ready(30)
        # A file of nobody in the sandbox's /dev/shm (root's, 0755) that nobody cannot remove.
        planted = f"/proc/{_zygote_pid(z)}/root/dev/shm/left"
        with open(planted, "w"):
            pass
        os.chown(planted, 65534, 65534)
        w.kill()
        assert not z.alive and z.proc.poll() is not None
        with pytest.raises(ZygoteFailed):
            z.reset()
    finally:
        z.kill()


def test_a_cold_namespace_worker_takes_its_ipc_namespace_with_it(monkeypatch):
    if "namespace" not in LEVELS_HERE:
        pytest.skip("needs the namespace level")
    monkeypatch.setenv("AUTOGRADER_WARM", "0")
    s = session("namespace")
    try:
        assert s.probe.plant(1 << 20)["shm"] >= 0
        inner = [p for p in _descendants([s._worker.proc.pid]) if _ns(p) != _ns(os.getpid())]
        assert inner, "the worker should run in an IPC namespace of its own"
        namespace = _ns(inner[0])
    finally:
        s.close()
    # Nothing on the machine is in that namespace any more, so the kernel has freed it and its objects.
    assert [p for p in os.listdir("/proc") if p.isdigit() and _ns(int(p)) == namespace] == []


def test_at_process_level_objects_made_by_the_worker_are_removed():
    s = session("process")
    try:
        made = s.probe.plant(1 << 20)
    finally:
        s.close()
    table = {k: _read(f"/proc/sysvipc/{k}") for k in ("shm", "sem", "msg")}
    for kind in ("shm", "sem", "msg"):
        ids = {line.split()[1] for line in table[kind].splitlines()[1:]}
        assert str(made[kind]) not in ids, f"the {kind} object outlived the worker"
    if made["posix_shm"]:
        os.unlink("/dev/shm/ag-planted")  # not removed at this level (see docs/sandbox.md)


# ----------------------------------------------------------------------------- helpers


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _ns(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/ipc")
    except OSError:
        return ""


def _zygote_pid(z: Zygote) -> int:
    """The zygote inside its sandbox (not the bubblewrap process outside, whose command line names it too)."""
    for pid in _descendants([z.proc.pid]):
        if _ns(pid) == _ns(os.getpid()):
            continue
        try:
            if b"_ag_zygote" in open(f"/proc/{pid}/cmdline", "rb").read() and _uid(pid) == 0:
                return pid
        except OSError:
            continue
    raise AssertionError("the zygote process was not found")


def _uid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Uid:"))


def _sysvipc_of(z: Zygote) -> dict[str, str]:
    """The zygote's IPC namespace's SysV tables (rows only), read from inside it (setns, as root)."""
    if os.geteuid() != 0:
        pytest.skip("reading another IPC namespace needs root")
    code = (
        "import ctypes, json, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "if ctypes.CDLL(None).setns(fd, 0x08000000) != 0: sys.exit(3)\n"
        "print(json.dumps({k: ''.join(open('/proc/sysvipc/' + k).readlines()[1:]) for k in ('shm', 'sem', 'msg')}))\n"
    )
    argv = [sys.executable, "-c", code, f"/proc/{_zygote_pid(z)}/ns/ipc"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode == 3:
        pytest.skip("this machine does not let root enter another IPC namespace")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
