"""The ``user`` level separates students: a uid of its own per worker, copies it can read and no one else can.

The attack a red team ran: a daemon that escapes the worker (``setsid``, then ``execve`` with an empty
environment, so no token finds it) reads and rewrites the other submissions' copies and the
reference's (calibration) copy while they are graded.
"""

from __future__ import annotations

import ctypes
import os
import stat
import time
from pathlib import Path

import pytest

from autograder.sandbox import SandboxLimits, StudentSession, available_levels
from autograder.sandbox.users import sandbox_uids

pytestmark = pytest.mark.skipif(
    "user" not in available_levels(), reason="the user level needs root and an interpreter other uids can run"
)

LIMITS = SandboxLimits(call_timeout=5)

PROBE = b'''
import os

def me():
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "home": os.environ["HOME"],
            "tmpdir": os.environ["TMPDIR"], "cwd": os.getcwd()}

def can(path, mode):
    try:
        with open(path, mode) as fh:
            if "r" in mode:
                fh.read()
            else:
                fh.write("# changed")
        return True
    except OSError:
        return False

def answer():
    return 42

def escape(script):
    """A daemon: out of the worker's session, an empty environment, then the script runs forever."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execve("/bin/sh", ["sh", "-c", script], {})
        os._exit(0)
    return True
'''

# The daemon: again and again, read every file of every copy and home it can reach (appending it to
# a loot file), try to rewrite them, and count its rounds.
DAEMON = r"""
while :; do
  for f in /tmp/ag-sub-*/* /tmp/ag-sub-*/*/* /tmp/ag-home-*/*; do
    [ -f "$f" ] || continue
    if cat "$f" >/dev/null 2>&1; then echo "$f" >> {loot}; fi
    echo "# rewritten" >> "$f" 2>/dev/null
  done
  echo . >> {rounds}
  sleep 0.02
done
"""

REFERENCE = b"def answer():\n    return 42\n# the reference: never readable by a student\n"


def session(files: dict[str, bytes]) -> StudentSession:
    return StudentSession(files, level="user", limits=LIMITS)


def _files_of(copy: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in copy.iterdir() if p.is_file()}


def test_each_worker_gets_a_uid_of_its_own_and_a_read_only_copy_only_it_can_read():
    a, b = session({"probe.py": PROBE}), session({"probe.py": PROBE})
    try:
        me_a, me_b = a.probe.me(), b.probe.me()
        assert me_a["uid"] != me_b["uid"]
        for me in (me_a, me_b):
            assert me["uid"] in sandbox_uids() and me["gid"] == me["uid"] and me["groups"] == []
            home = os.stat(me["home"])
            assert (home.st_uid, stat.S_IMODE(home.st_mode)) == (me["uid"], 0o700) and me["tmpdir"] == me["home"]
        for s, me in ((a, me_a), (b, me_b)):
            copy = os.stat(me["cwd"])
            assert (copy.st_uid, copy.st_gid, stat.S_IMODE(copy.st_mode)) == (0, me["gid"], 0o750)
            probe = os.stat(os.path.join(me["cwd"], "probe.py"))
            assert (probe.st_uid, probe.st_gid, stat.S_IMODE(probe.st_mode)) == (0, me["gid"], 0o640)
            assert s.probe.can(os.path.join(me["cwd"], "probe.py"), "r")
            assert not s.probe.can(os.path.join(me["cwd"], "probe.py"), "a")  # its own copy is read-only
        assert not a.probe.can(os.path.join(me_b["cwd"], "probe.py"), "r")  # and the other's is out of reach
        assert not a.probe.can(os.path.join(me_b["home"], "x"), "w")
    finally:
        a.close()
        b.close()


def test_an_escaped_daemon_reaches_no_other_copy_and_dies_with_its_worker(tmp_path):
    attacker = session({"probe.py": PROBE})
    victim = session({"probe.py": PROBE, "notes.txt": b"the victim's work\n"})
    calibration = session({"solution.py": REFERENCE, "probe.py": PROBE})  # the reference, graded like a submission
    try:
        victim_dir, calibration_dir = Path(victim.probe.me()["cwd"]), Path(calibration.probe.me()["cwd"])
        before = {"victim": _files_of(victim_dir), "calibration": _files_of(calibration_dir)}
        uid, home = attacker.probe.me()["uid"], Path(attacker.probe.me()["home"])
        loot, rounds = home / "loot", home / "rounds"
        assert attacker.probe.escape(DAEMON.replace("{loot}", str(loot)).replace("{rounds}", str(rounds)))
        _wait_for_rounds(rounds, 5)  # the daemon ran over every copy at least 5 times
        own = (attacker.probe.me()["cwd"] + "/", str(home) + "/")
        taken = [p for p in loot.read_text().split() if p.startswith("/")] if loot.exists() else []
        assert taken and all(p.startswith(own) for p in taken), "it read another student's or the reference's copy"
        assert {"victim": _files_of(victim_dir), "calibration": _files_of(calibration_dir)} == before
        assert victim.probe.answer() == 42 and calibration.probe.answer() == 42
        assert attacker._worker is not None
        attacker._retire_worker()  # a worker ends (as after a timeout or crash): everything of its uid ends
        assert uid not in _processes_of_sandbox_uids().values()
        assert not home.exists()
        assert attacker.probe.answer() == 42  # a fresh worker serves the next call
    finally:
        attacker.close()
        victim.close()
        calibration.close()
    assert _processes_of_sandbox_uids() == {}


def test_files_and_ipc_a_uid_leaves_in_shared_folders_are_removed():
    s = session({"probe.py": PROBE})
    try:
        me = s.probe.me()
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            assert s.probe.can(f"{folder}/ag-left-{me['uid']}", "w")
    finally:
        s.close()
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        assert not os.path.exists(f"{folder}/ag-left-{me['uid']}")


def _wait_for_rounds(rounds: Path, n: int, timeout: float = 60.0) -> None:
    """Wait until the daemon has written ``n`` rounds (a bound for a stuck daemon, not a timing assumption)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if rounds.exists() and rounds.read_text().count(".") >= n:
            return
        time.sleep(0.05)
    raise AssertionError("the daemon did not run")


def _processes_of_sandbox_uids() -> dict[int, int]:
    """{pid: uid} of every process whose real, effective or saved uid is a sandbox uid (zombies aside)."""
    uids, found = sandbox_uids(), {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/status") as fh:
                lines = {k: v for k, _, v in (line.partition(":") for line in fh)}
        except OSError:
            continue
        if lines.get("State", "").strip().startswith("Z"):
            continue
        hits = [int(u) for u in lines.get("Uid", "").split()[:3] if int(u) in uids]
        if hits:
            found[int(entry)] = hits[0]
    return found


def test_a_uid_a_dead_grader_left_dirty_is_cleaned_before_it_is_handed_out(monkeypatch):
    from autograder.sandbox.users import SandboxUser

    uid = sandbox_uids()[-1]
    monkeypatch.setenv("AUTOGRADER_UIDS", f"{uid}-{uid}")  # the only uid there is to hand out
    pid = os.fork()
    if pid == 0:  # what a grader killed mid-submission leaves: a segment and a file of the uid, no process
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            ctypes.CDLL(None).shmget(0x41479999, 4096, 0o1600)
            open(f"/tmp/ag-left-{uid}", "w").close()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.path.exists(f"/tmp/ag-left-{uid}") and _shm_of(uid)
    user = SandboxUser()
    try:
        assert user.uid == uid
        assert not os.path.exists(f"/tmp/ag-left-{uid}") and not _shm_of(uid)
    finally:
        assert user.end()


def _shm_of(uid: int) -> list[str]:
    with open("/proc/sysvipc/shm") as fh:
        return [line for line in fh.readlines()[1:] if str(uid) in line.split()[7:10]]
