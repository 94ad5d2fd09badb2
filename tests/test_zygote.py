"""Warm sandboxes: workers forked from a zygote see exactly what a cold worker sees, and nothing of earlier submissions."""

from __future__ import annotations

import os
import threading
import time

import pytest

from autograder.errors import StudentStop
from autograder.sandbox import SandboxLimits, StudentSession, available_levels
from autograder.sandbox.worker import Worker
from autograder.sandbox.zygote import ForkedWorker, Zygote

pytestmark = pytest.mark.skipif("namespace" not in available_levels(), reason="zygotes serve the namespace level")

PROBE = b'''
import os, signal, subprocess, sys, time

def view():
    return {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir(".")), "tmp": sorted(os.listdir("/tmp")),
            "env": sorted(os.environ), "path0": sys.path[0]}

def others():
    """Processes of this user other than this one (and its parent, the zygote, is not ours)."""
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                if os.stat(f"/proc/{entry}").st_uid == os.getuid():
                    out.append(int(entry))
            except OSError:
                pass
    return out

def litter():
    with open("/tmp/answers.txt", "w") as fh:
        fh.write("copied")
    os.makedirs("/tmp/locked/deeper")
    os.chmod("/tmp/locked", 0)
    if os.fork() == 0:  # a daemon that outlives the call
        os.setsid()
        while True:
            time.sleep(0.05)
    return others()

def attack_parent():
    try:
        os.kill(os.getppid(), signal.SIGKILL)
        return "killed"
    except PermissionError:
        return "refused"

def touch_own_files():
    try:
        open("probe.py", "a").write("# changed")
        return "written"
    except OSError:
        return "refused"

def exit_with(code):
    os._exit(code)

def hang():
    while True:
        pass
'''

LIMITS = SandboxLimits(call_timeout=2)


def session(files: dict[str, bytes] | None = None) -> StudentSession:
    return StudentSession(files or {"probe.py": PROBE}, level="namespace", limits=LIMITS)


def test_a_forked_worker_sees_what_a_cold_one_sees(monkeypatch):
    warm = session()
    try:
        warm_view = warm.probe.view()
        assert isinstance(warm._worker, ForkedWorker)
    finally:
        warm.close()
    monkeypatch.setenv("AUTOGRADER_WARM", "0")
    cold = session()
    try:
        cold_view = cold.probe.view()
        assert type(cold._worker) is Worker
    finally:
        cold.close()
    assert warm_view == cold_view
    assert warm_view["uid"] == 65534 and warm_view["files"] == ["probe.py"]
    assert not {"answers.txt", "locked"} & set(warm_view["tmp"])


def test_nothing_a_submission_leaves_behind_reaches_the_next():
    first = session()
    try:
        assert first.probe.litter()  # the daemon is running
        zygote = first._zygote
    finally:
        first.close()
    second = session({"probe.py": PROBE, "other.py": b"x = 1\n"})
    try:
        view = second.probe.view()
        assert second._zygote is zygote  # the same warm sandbox served both
        assert not {"answers.txt", "locked"} & set(view["tmp"]) and view["files"] == ["other.py", "probe.py"]
        assert second.probe.others() == []  # the daemon died with the first submission
    finally:
        second.close()


def test_student_code_cannot_touch_the_zygote_or_its_own_files():
    s = session()
    try:
        assert s.probe.attack_parent() == "refused"
        assert s.probe.touch_own_files() == "refused"
        assert s.probe.view()["uid"] == 65534  # and the worker still answers
    finally:
        s.close()


def test_a_hung_worker_is_killed_and_the_next_call_gets_a_fresh_one():
    s = session()
    try:
        s.probe.litter()
        started = time.monotonic()
        with pytest.raises(StudentStop) as err:
            s.probe.hang()
        assert time.monotonic() - started < LIMITS.call_timeout + 5
        assert "did not return within 2 s" in err.value.error.message
        assert s.probe.others() == []  # the reset took the daemon too
        assert not {"answers.txt", "locked"} & set(s.probe.view()["tmp"])
        assert s.workers_started == 2
    finally:
        s.close()


@pytest.mark.parametrize(("code", "said"), [(3, "exit status 3"), (0, "exit status 0")])
def test_how_a_forked_worker_ended_is_reported(code, said):
    s = session()
    try:
        with pytest.raises(Exception) as err:
            s.probe.exit_with(code)
        assert said in str(getattr(err.value, "error", err.value))
    finally:
        s.close()


def test_a_zygote_that_is_gone_is_replaced():
    s = session()
    try:
        s.probe.view()
        z = s._zygote
        assert z is not None
    finally:
        s.close()
    z.kill()  # as if it had died between submissions
    t = session()
    try:
        assert t.probe.view()["files"] == ["probe.py"]
        assert t._zygote is not z and t._zygote.alive
    finally:
        t.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="reads the sandbox's memory, which needs root")
def test_a_zygote_never_holds_a_submission():
    """Workers fork from the zygote, so what it holds, every later worker inherits: never a submission."""
    secret = b"only-in-the-" + b"worker-" + os.urandom(6).hex().encode()
    z = Zygote(LIMITS)
    try:
        w = z.spawn({"m.py": b"SECRET = '" + secret + b"'\n"}, None, 1024)
        w.wait_ready(30)
        w.request({"op": "import", "module": "m"}, 30)
        by_uid = {}
        for pid in _descendants([z.proc.pid]):
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"_ag_zygote" in fh.read():
                    by_uid[_uid(pid)] = pid
        try:
            worker_memory = _memory_of(by_uid[65534])
        except PermissionError:
            pytest.skip("this machine does not let root read another process's memory (no CAP_SYS_PTRACE)")
        assert secret in worker_memory  # the check can see a secret where there is one
        assert secret not in _memory_of(by_uid[0])
        w.kill()
    finally:
        z.kill()


def _uid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Uid:"))


def _descendants(pids: list[int]) -> list[int]:
    out = []
    while pids:
        pid = pids.pop()
        out.append(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                pids += [int(p) for p in fh.read().split()]
        except OSError:
            pass
    return out


def _memory_of(pid: int) -> bytes:
    """The writable memory of a process (its heap), read as root."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if not perms.startswith("rw"):
                continue
            start, end = (int(x, 16) for x in addr.split("-"))
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except OSError:
                continue
    return b"".join(chunks)


def test_a_head_start_is_the_one_warm_sandbox_grading_uses(tmp_path, monkeypatch):
    """``autograder grade`` starts the sandbox while pytest loads (grading.headstart); the session then uses that
    zygote: one is started, not two, even while it is still starting when the session asks for one."""
    from autograder import grade, load_course
    from autograder.grading.headstart import head_start
    from autograder.sandbox import zygote
    from tests.test_batch import REFERENCE, make_course

    course = load_course(make_course(tmp_path / "course"))
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "mini.py").write_text(REFERENCE)
    started = []
    real_init = zygote.Zygote.__init__

    def counting(self, limits):
        started.append(limits)
        real_init(self, limits)

    monkeypatch.setattr(zygote.Zygote, "__init__", counting)
    head_start(course).join()  # the level is resolved; the zygote may still be starting
    report = grade(tmp_path / "alice", course, replay=False)
    assert report.isolation == "namespace" and report.score == report.max_score
    assert len(started) == 1


def test_a_zygote_started_by_a_thread_that_ends_stays_alive():
    """bubblewrap's --die-with-parent follows the thread that started it: a zygote a short-lived thread started
    (a head start, a Dask task) must not be killed when that thread ends."""
    from autograder.sandbox import zygote

    made = []
    thread = threading.Thread(target=lambda: made.append(Zygote(SandboxLimits())))
    thread.start()
    thread.join()
    z = made[0]
    try:
        time.sleep(0.3)  # the death signal, if any, comes as the thread exits
        assert z.proc.poll() is None, "the zygote died with the thread that started it"
        worker = z.spawn({"m.py": b"def f():\n    return 41 + 1\n"}, None, 1 << 16)
        worker.close()
    finally:
        z.kill()
    assert zygote._parent is not None and zygote._parent.pid == os.getpid()


def test_handing_a_worker_its_files_never_blocks_past_the_deadline():
    """The files go to a new worker on its request pipe; one that stops reading costs the deadline, not a hang."""
    from autograder.sandbox.zygote import _send_files

    r, w = os.pipe()
    try:
        start = time.monotonic()
        assert _send_files(w, {"big.py": b"x" * (4 << 20)}, 0.3) is False  # 4 MiB into a pipe nobody reads
        assert time.monotonic() - start < 5
    finally:
        os.close(r)
        os.close(w)
    r, w = os.pipe()
    got = []
    reader = threading.Thread(target=lambda: got.append(_drain(r)))
    reader.start()
    try:
        assert _send_files(w, {"m.py": b"def f():\n    return 1\n"}, 5.0) is True
    finally:
        os.close(w)
        reader.join()
        os.close(r)
    assert got and got[0] > 0


def _drain(fd: int) -> int:
    total = 0
    while chunk := os.read(fd, 1 << 16):
        total += len(chunk)
    return total
