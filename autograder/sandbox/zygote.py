"""Warm sandboxes: workers forked from a pre-started process instead of started from scratch.

At the namespace level a worker costs ~90 ms to start (bubblewrap, the
interpreter, numpy). A ``Zygote`` is one long-lived namespace sandbox that
has loaded all that once (``_zygote.py``); ``ForkedWorker`` is a worker it
forks for one submission, in a few milliseconds, with the same limits, uid
and view of the filesystem as a cold one. The submission's files go to the
worker on its own pipe after the fork, never through the zygote.

A zygote is leased to one ``StudentSession`` at a time (``lease`` and
``give_back``), so one submission's workers never share it with another's.
Giving it back resets it: every process of the sandbox user is killed,
``/tmp`` and ``/submission`` are emptied and the sandbox user's IPC objects
(SysV shared memory, semaphores and message queues, POSIX shared memory) in
the zygote's IPC namespace are removed. A zygote that does not answer, or
whose reset leaves anything behind, is killed and never reused.

Only the namespace level forks from a zygote: there a PID namespace bounds
what "every process of the sandbox user" means. At the weaker levels each
worker still starts cold. ``AUTOGRADER_WARM=0`` turns zygotes off.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.sandbox import wire
from autograder.sandbox.isolation import NOBODY, RUNTIME_MOUNT, bwrap_argv, mask_key
from autograder.sandbox.limits import SandboxLimits
from autograder.sandbox.worker import Worker, _Output, _runtime_dir, kill_group, worker_env, worker_rlimits

__all__ = ["ForkedWorker", "Zygote", "ZygoteFailed", "give_back", "lease", "prestart", "shutdown", "warm_enabled"]

_REPLY_TIMEOUT = 10.0
_START_TIMEOUT = 60.0


def warm_enabled() -> bool:
    return os.environ.get("AUTOGRADER_WARM", "1") != "0"


class ZygoteFailed(Exception):
    """The zygote did not start, answer or clean up; it has been killed."""


def _send_files(fd: int, files: dict[str, bytes], timeout: float) -> bool:
    """Write the submission's files to a new worker's request pipe, within ``timeout`` seconds.

    False when it could not take them all (it died, or stopped reading): the frame may then be half
    written, and the worker's first answer (``wait_ready``) fails, which ends it. No student code has
    run in it yet, but a grader must never block on a pipe without a deadline.
    """
    payload = {rel: np.frombuffer(data, dtype=np.uint8) for rel, data in files.items()}
    try:
        wire.write_frame(fd, {"files": payload}, deadline=time.monotonic() + timeout)
    except OSError:  # TimeoutError included
        return False
    return True


class _ParentThread:
    """The one thread that starts every zygote, alive as long as the process.

    bubblewrap's ``--die-with-parent`` (``PR_SET_PDEATHSIG``) kills the sandbox when the *thread*
    that started it ends, not the process: a zygote started by a short-lived thread (a head start
    while pytest loads, a Dask task's thread) was killed a moment after it was ready, and the next
    lease quietly started another. Started from here, a zygote lives until it is closed or the
    grading process ends.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.requests: queue.SimpleQueue[tuple[Callable[[], object], queue.SimpleQueue[tuple[bool, object]]]]
        self.requests = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="autograder-sandbox-parent", daemon=True).start()

    def _serve(self) -> None:
        while True:
            job, answer = self.requests.get()
            try:
                answer.put((True, job()))
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                answer.put((False, exc))

    def run(self, job: Callable[[], object]) -> object:
        answer: queue.SimpleQueue[tuple[bool, object]] = queue.SimpleQueue()
        self.requests.put((job, answer))
        ok, value = answer.get()
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value


_parent: _ParentThread | None = None
_parent_lock = threading.Lock()


def _from_the_parent_thread(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(argv, **kwargs)``, called from ``_ParentThread``."""
    global _parent
    with _parent_lock:
        if _parent is None or _parent.pid != os.getpid():  # none yet, or one a forked parent had
            _parent = _ParentThread()
        parent = _parent
    proc = parent.run(lambda: subprocess.Popen(argv, **kwargs))
    assert isinstance(proc, subprocess.Popen)
    return proc


class Zygote:
    """One warm namespace sandbox that forks workers on request."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self.runtime = _runtime_dir(extra=("_zygote.py", "_ag_zygote.py"))
        self.alive = True
        self._ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        spec = {"rlimits": worker_rlimits(limits), "uid": NOBODY}
        boot = (
            "import sys; sys.path[:] = [p for p in sys.path if p]; "
            f"sys.path.insert(0, {RUNTIME_MOUNT!r}); import _ag_zygote; _ag_zygote.main()"
        )
        argv = bwrap_argv(None, str(self.runtime)) + [
            sys.executable, "-s", "-B", "-c", boot, str(theirs.fileno()), json.dumps(spec)]  # fmt: skip
        out_r, out_w = os.pipe()
        try:
            self.proc = _from_the_parent_thread(
                argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, pass_fds=(theirs.fileno(),),
                env=worker_env("/tmp"),
                cwd="/", start_new_session=True, close_fds=True,
            )  # fmt: skip
        finally:
            theirs.close()
            os.close(out_w)
        self.output = _Output(out_r, 16 * 1024)  # its own complaints, for the error message
        self.pid = os.getpid()
        self.dirty = False  # a worker ran since the last reset
        if self._receive(_START_TIMEOUT, "start") != "ready":
            self.kill()
            raise ZygoteFailed("the zygote did not start" + self._said())

    # -- requests ------------------------------------------------------------
    def _ask(self, message: dict, fds: list[int] | None = None, timeout: float = _REPLY_TIMEOUT) -> object:
        if not self.alive:
            raise ZygoteFailed("the zygote is not running")
        try:
            socket.send_fds(self._ctl, [json.dumps(message).encode()], fds or [])
        except OSError as exc:
            self.kill()
            raise ZygoteFailed(f"the zygote failed ({exc})") from None
        return self._receive(timeout, message["op"])

    def _receive(self, timeout: float, what: str) -> object:
        try:
            if not select.select([self._ctl], [], [], timeout)[0]:
                raise ZygoteFailed(f"the zygote did not answer {what!r} within {timeout:g} s")
            data = self._ctl.recv(1 << 16)
            if not data:
                raise ZygoteFailed("the zygote ended" + self._said())
            reply = json.loads(data)
            if not isinstance(reply, dict) or "ok" not in reply:
                raise ZygoteFailed(f"the zygote refused {what!r}: {reply}")
            return reply["ok"]
        except (OSError, ValueError) as exc:
            self.kill()
            raise ZygoteFailed(f"the zygote failed ({exc})") from None
        except ZygoteFailed:
            self.kill()
            raise

    def _said(self) -> str:
        self.output.join(0.2)
        text = bytes(self.output.kept).decode("utf-8", "replace").strip()
        return f": {text[-500:]}" if text else ""

    def spawn(self, files: dict[str, bytes], cpu: int | None, output_limit: int) -> ForkedWorker:
        """Fork a worker and hand it the submission's files; it still has to say it is ready."""
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            pid = self._ask({"op": "spawn", "cpu": cpu}, [req_r, rep_w, out_w])
        except ZygoteFailed:
            for fd in (req_r, req_w, rep_r, rep_w, out_r, out_w):
                os.close(fd)
            raise
        for fd in (req_r, rep_w, out_w):
            os.close(fd)
        self.dirty = True
        worker = ForkedWorker(self, int(pid), req_w, rep_r, out_r, output_limit)  # type: ignore[call-overload]  # a JSON reply: the pid is an int
        _send_files(req_w, files, _REPLY_TIMEOUT)  # a worker that does not take them fails wait_ready
        return worker

    def status(self, pid: int, timeout: float) -> int | None:
        """The wait status of a worker that ended (None if it has not ended within ``timeout``)."""
        value = self._ask({"op": "status", "pid": pid, "timeout": timeout}, timeout=timeout + _REPLY_TIMEOUT)
        return None if value is None else int(value)  # type: ignore[call-overload]

    def reset(self) -> None:
        """Kill every student process in the sandbox, empty its writable folders and remove its IPC objects."""
        if self._ask({"op": "reset"}) is not True:
            self.kill()
            raise ZygoteFailed("the zygote could not clean up after a submission")
        self.dirty = False

    def kill(self) -> None:
        if not self.alive:
            return
        self.alive = False
        try:
            self._ctl.close()
        except OSError:
            pass
        kill_group(self.proc)
        self.output.join()
        shutil.rmtree(self.runtime, ignore_errors=True)


class ForkedWorker(Worker):
    """A worker forked by a zygote; same interface as a cold ``Worker``."""

    def __init__(self, zygote: Zygote, pid: int, req: int, rep: int, out: int, output_limit: int) -> None:
        self.zygote = zygote
        self.level = "namespace"
        self.limits = zygote.limits
        self.pid = pid
        self.exit_reason = ""
        self._req, self._rep = req, rep
        self._reader = wire.Reader(rep)
        self.output = _Output(out, output_limit)
        self.alive = True

    def _exit_status(self) -> int | None:
        try:
            status = self.zygote.status(self.pid, timeout=2)
        except ZygoteFailed:
            return None
        return None if status is None else os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        if not self.alive:
            return
        self.alive = False
        for fd in (self._req, self._rep):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.zygote.reset()  # the worker, and everything it started, dies here
        except ZygoteFailed:
            pass  # the zygote has been killed, and the worker with it
        self.output.join()

    def close(self) -> None:
        self.kill()  # the reset ends it; there is nothing to wait for politely


# ----------------------------------------------------------------------------- leasing

_lock = threading.Lock()
_idle: dict[tuple, list[Zygote]] = {}


def _key(limits: SandboxLimits) -> tuple:
    return (os.getpid(), mask_key(), tuple(sorted(limits.rlimits().items())))


def lease(limits: SandboxLimits) -> Zygote:
    """An idle, clean zygote for these limits, or a new one."""
    with _lock:
        pool = _idle.get(_key(limits), [])
        while pool:
            z = pool.pop()
            if z.alive and z.proc.poll() is None:
                return z
    return Zygote(limits)


_starting: dict[tuple, threading.Thread] = {}


def prestart(limits: SandboxLimits) -> threading.Thread | None:
    """Start a zygote for these limits in a thread (kept idle for the next ``lease``), unless one is idle
    already; a second call while the first is still starting gets the same thread, not another zygote.

    For a grading session that can start it while pytest collects; a zygote that fails to start is
    simply not kept (the first submission then starts its own).
    """
    key = _key(limits)

    def start() -> None:
        try:
            give_back(Zygote(limits))
        except Exception:  # noqa: BLE001 - as without a head start: the first lease starts one
            pass
        finally:
            with _lock:
                _starting.pop(key, None)

    with _lock:
        if _idle.get(key):
            return None
        running = _starting.get(key)
        if running is not None:
            return running
        thread = _starting[key] = threading.Thread(target=start, name="autograder-zygote", daemon=True)
        thread.start()  # under the lock: nobody is handed a thread that has not started
    return thread


def give_back(zygote: Zygote) -> None:
    """Reset a zygote after a submission and keep it for the next (or drop it if it misbehaves)."""
    if not zygote.alive or zygote.pid != os.getpid():
        return
    try:
        if zygote.dirty:
            zygote.reset()
    except ZygoteFailed:
        return
    with _lock:
        _idle.setdefault(_key(zygote.limits), []).append(zygote)


def shutdown() -> None:
    """Kill this process's idle zygotes (at exit; a process that ends with ``os._exit`` calls it itself)."""
    _close_all()


@atexit.register
def _close_all() -> None:
    with _lock:
        zygotes = [z for pool in _idle.values() for z in pool]
        _idle.clear()
    for z in zygotes:
        if z.pid == os.getpid():
            z.kill()
