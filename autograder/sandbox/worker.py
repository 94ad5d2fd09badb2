"""The trusted side's handle on one worker process.

``Worker`` starts ``_worker.py`` at the chosen isolation level, sends
requests, and waits for answers with a wall-clock deadline. It never trusts
the answer: frames are decoded by ``wire.decode`` (no pickle) and anything
malformed counts as a crash. Output the student prints is drained by a
thread into a bounded buffer, so printing a gigabyte costs the student a
truncated log, not the grader its memory.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from autograder.errors import IsolationError
from autograder.sandbox import _zygote as leftovers
from autograder.sandbox import wire
from autograder.sandbox.isolation import NOBODY, RUNTIME_MOUNT, SUBMISSION_MOUNT, Level, bwrap_argv
from autograder.sandbox.limits import SandboxLimits
from autograder.sandbox.users import SandboxUser

__all__ = ["Worker", "WorkerDied", "WorkerForged", "WorkerTimeout", "prepare_copy"]

_HERE = Path(__file__).parent
ENV_ALLOW = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
# Where a sandbox uid may leave files or IPC objects outside its private folder (world-writable folders).


_T = TypeVar("_T")


class WorkerDied(Exception):
    """The worker ended (or sent garbage) while a request was open."""


class WorkerForged(WorkerDied):
    """Something other than the answer to this request arrived on the reply pipe; the worker has been killed.

    ``earlier`` is True when it belongs to an earlier request (a stale answer
    or bytes left over before this request was sent): then the request this
    was raised for never got its own answer, and the culprit is the call
    before it. False: the extra bytes came after this request's answer.
    """

    def __init__(self, detail: str, *, earlier: bool) -> None:
        super().__init__(detail)
        self.earlier = earlier


class WorkerTimeout(Exception):
    """The worker did not answer before the deadline; it has been killed."""


def prepare_copy(files: dict[str, bytes], extra: dict[str, Path] | None = None) -> Path:
    """Write a private temporary copy of the submission (and read-only extras) and return its folder.

    The folder is root's (mode 0700, from ``mkdtemp``) until a worker at the ``user`` or ``namespace``
    level hands it to its group, read-only (``_chown_tree``).
    """
    root = Path(tempfile.mkdtemp(prefix="ag-sub-"))
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for rel, source in (extra or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    return root


def _runtime_dir(extra: tuple[str, str] | None = None) -> Path:
    """A private folder with the worker and the wire module (and ``extra``: source, name), outside any checkout."""
    folder = Path(tempfile.mkdtemp(prefix="ag-rt-"))
    shutil.copyfile(_HERE / "_worker.py", folder / "_ag_worker.py")
    shutil.copyfile(_HERE / "wire.py", folder / "_ag_wire.py")
    if extra is not None:
        shutil.copyfile(_HERE / extra[0], folder / extra[1])
    folder.chmod(0o755)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder


def worker_rlimits(limits: SandboxLimits) -> dict[str, int]:
    """The worker's rlimits: the course's, and no POSIX message queue at all (none outlives a worker)."""
    return {**limits.rlimits(), "RLIMIT_MSGQUEUE": 0}


def worker_env(home: str) -> dict[str, str]:
    """The whole environment of a worker: an allow-list, nothing inherited (no tokens, no CI secrets)."""
    return {
        **ENV_ALLOW,
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OPENBLAS_NUM_THREADS": "1",  # single-threaded BLAS: deterministic sums, and safe to fork
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


class _Output:
    """Drains the worker's stdout+stderr, keeping the first ``limit`` bytes.

    A thread drains the pipe while the worker runs (so printing a gigabyte
    never blocks it); ``sync`` reads what is already in the pipe, so output
    written before an answer is kept by the time the answer is read.
    """

    def __init__(self, fd: int, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self._fd = fd
        self._lock = threading.Lock()
        self._open = True
        os.set_blocking(fd, False)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                select.select([self._fd], [], [])
            except (OSError, ValueError):
                pass
            with self._lock:
                if not self._read_available():
                    self._open = False
                    os.close(self._fd)
                    return

    def _read_available(self) -> bool:
        """Read until the pipe is empty; False once the worker's end is closed (or the pipe broke)."""
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            room = self.limit - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))

    def sync(self) -> None:
        with self._lock:
            if self._open:
                self._read_available()

    def join(self, timeout: float = 1.0) -> None:
        self._thread.join(timeout)


class Worker:
    """One running worker process for one submission copy."""

    def __init__(self, copy_dir: Path, level: Level, limits: SandboxLimits, output_limit: int | None = None) -> None:
        self.copy_dir = copy_dir
        self.level = level
        self.limits = limits
        self.runtime = _runtime_dir()
        self.exit_reason = ""
        self.token = secrets.token_hex(8)
        in_sandbox = level == "namespace"
        self.started = time.time()
        self.user = SandboxUser() if level == "user" and os.geteuid() == 0 else None
        try:
            home, uid = self._prepare_files(copy_dir, level)
        except BaseException:
            self._end_user()
            raise
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        spec = {
            "submission": SUBMISSION_MOUNT if in_sandbox else str(copy_dir),
            "rlimits": worker_rlimits(limits),
            "uid": uid,
        }
        runtime = RUNTIME_MOUNT if in_sandbox else str(self.runtime)
        boot = (
            "import sys; sys.path[:] = [p for p in sys.path if p]; "
            f"sys.path.insert(0, {runtime!r}); import _ag_worker; _ag_worker.main()"
        )
        argv = [sys.executable, "-s", "-B", "-c", boot, str(req_r), str(rep_w), json.dumps(spec)]
        if in_sandbox:
            argv = bwrap_argv(str(copy_dir), str(self.runtime)) + argv
        env = worker_env(home)
        if level == "process":
            env["AG_WORKER_TOKEN"] = self.token  # finds leftovers; an own uid or PID namespace needs no such trick
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w),
                env=env,
                cwd=str(copy_dir),
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            self._end_user()
            raise
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        self._req, self._rep = req_w, rep_r
        self._reader = wire.Reader(rep_r)
        self.output = _Output(out_r, output_limit if output_limit is not None else limits.output_kb * 1024)
        self.alive = True

    def _prepare_files(self, copy_dir: Path, level: Level) -> tuple[str, int | None]:
        """Give the copy to the worker's group, read-only; return its HOME and the uid it drops to.

        ``user``: a uid and gid of its own (``SandboxUser``) and a private HOME; ``namespace``: ``nobody``
        in a sandbox where ``/tmp`` is its own; ``process``: the copy holds its own writable ``tmp``.
        """
        if self.user is not None:
            _chown_tree(copy_dir, self.user.uid)
            return str(self.user.home), self.user.uid
        if level == "namespace":
            if os.geteuid() == 0:
                _chown_tree(copy_dir, NOBODY)
            return "/tmp", NOBODY
        if level == "user":
            raise IsolationError("the user level needs the grader to run as root")
        (copy_dir / "tmp").mkdir(exist_ok=True)
        return str(copy_dir / "tmp"), None

    def _end_user(self) -> None:
        if self.user is not None:
            self.user.end()

    # -- requests --------------------------------------------------------
    # One request, one reply, each within the deadline. The request is written
    # without blocking (a worker that stops reading cannot hold the grader).
    # Each request carries a fresh random id that its reply must repeat, and
    # nothing may wait on the reply pipe before a request or after a reply:
    # student code that writes frames there itself is caught, and no frame is
    # ever taken for the answer to another call.
    FORGED = "it wrote to the grader's reply channel itself (an extra answer arrived)"
    _last_id: str | None = None  # the id of the request before the current one

    def wait_ready(self, timeout: float) -> None:
        self._receive(time.monotonic() + timeout, None)

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and return the decoded reply; kills the worker on timeout, garbage or forgery."""
        deadline = time.monotonic() + timeout
        request_id, previous = self._send(message, deadline)
        return self._receive(deadline, request_id, previous)

    def start_script(self, frames: list[bytes], timeout: float) -> str:
        """Send a script (see ``_worker.py``): its calls as encoded request frames. Each answer is read
        with ``script_raw`` and checked with ``script_answer``; after each but the last, the worker
        waits for ``script_word``.

        Returns the script's id. Until its last answer is read, or a stop is sent,
        nothing else may be sent: the worker is still answering the script.
        """
        calls = [np.frombuffer(f, dtype=np.uint8) for f in frames]  # sent as they are: not encoded again
        request_id, _ = self._send({"op": "script", "calls": calls}, time.monotonic() + timeout)
        return request_id

    def script_raw(self, timeout: float) -> bytes:
        """The next answer of the running script, read but not decoded; kills the worker as ``request``
        does when none comes in time or what comes is not a frame."""
        return self._read(self._reader.read_raw, time.monotonic() + timeout)

    def script_word(self, go: bool, timeout: float) -> None:
        """Tell the worker to run the script's next call (``go``) or to end the script."""
        try:
            wire.write_word(self._req, b"+" if go else b"-", deadline=time.monotonic() + timeout)
        except OSError as exc:
            raise self._unwritable(exc) from None

    def _unwritable(self, exc: OSError) -> WorkerTimeout | WorkerDied:
        """What a failed write to the worker means (a deadline passed, or it is gone); kills it."""
        detail = "" if isinstance(exc, TimeoutError) else self._describe_exit()
        self.kill()
        return WorkerTimeout() if isinstance(exc, TimeoutError) else WorkerDied(detail)

    def _send(self, message: dict, deadline: float) -> tuple[str, str | None]:
        """Write one request with a fresh id; returns (its id, the previous request's id)."""
        if not self.alive:
            raise WorkerDied(self.exit_reason or "the worker is not running")
        if self._reader.pending():
            self.kill()
            raise WorkerForged(self.FORGED, earlier=True)
        request_id = secrets.token_hex(8)
        self._last_id, previous = request_id, self._last_id
        try:
            wire.write_frame(self._req, {**message, "id": request_id}, deadline=deadline, watch=self._rep)
        except wire.PeerSpoke:  # it wrote before reading this request: an answer to an earlier one, or its death
            forged = self._reader.pending()
            detail = self.FORGED if forged else self._describe_exit()
            self.kill()
            raise (WorkerForged(detail, earlier=True) if forged else WorkerDied(detail)) from None
        except OSError as exc:
            raise self._unwritable(exc) from None
        return request_id, previous

    def pending(self) -> bool:
        """True when something arrived beyond the answers read (what ``_send`` refuses to send after)."""
        return self._reader.pending()

    def script_frame(self, deadline: float) -> bytes:
        """``script_raw`` that kills nothing: it raises what the reader raises, and a failure stays on
        the pipe, so ``script_raw`` meets it again."""
        return self._reader.read_raw(deadline)

    def script_answer(self, frame: bytes, script_id: str, n: int, *, pending: bool | None) -> tuple[dict, bool]:
        """A script's answer read with ``script_raw`` or ``script_frame``, decoded and checked as any
        answer is (``_receive``): the answer and whether the message has more calls. ``pending``:
        whether more had arrived right after it (None: look now)."""
        try:
            reply = wire.decode_frame(frame)
        except Exception as exc:  # noqa: BLE001 - as in _receive
            raise self._unreadable(exc) from None
        return self._checked(reply, script_id, None, n, pending=pending)

    def _receive(self, deadline: float, request_id: str | None, previous: str | None = None) -> dict:
        """The answer to ``request_id`` (a script's answers are read with ``script_raw``)."""
        return self._checked(self._read(self._reader.read_frame, deadline), request_id, previous, None)[0]

    def _read(self, read: Callable[[float], _T], deadline: float) -> _T:
        """``read(deadline)`` from the reply pipe; the worker is killed when it fails."""
        try:
            return read(deadline)
        except TimeoutError:
            self.kill()
            raise WorkerTimeout() from None
        except Exception as exc:  # noqa: BLE001 - EOF, garbage, MemoryError: the worker is done either way
            raise self._unreadable(exc) from None

    def _unreadable(self, exc: Exception) -> WorkerDied:
        detail = self._describe_exit() if isinstance(exc, (EOFError, OSError)) else ""
        self.kill()
        if isinstance(exc, wire.WireError):
            detail = f"it sent something that is not a valid answer ({exc})"
        elif not detail:
            detail = f"its answer could not be read ({type(exc).__name__})"
        return WorkerDied(detail)

    def _checked(
        self, reply: object, request_id: str | None, previous: str | None, n: int | None, *, pending: bool | None = None
    ) -> tuple[dict, bool]:
        """``reply`` if it is the answer to ``request_id`` (answer ``n`` of a script), and whether more follow."""
        if not isinstance(reply, dict):
            self.kill()
            raise WorkerDied("it sent something that is not a valid answer")
        got = reply.pop("id", None)
        if got != request_id:
            self.kill()  # the previous request's answer (after a forged one), or a frame forged during this one
            raise WorkerForged(self.FORGED, earlier=got is not None and got == previous)
        more = False
        if n is not None:
            more = reply.pop("more", None)
            if reply.pop("n", None) != n or type(more) is not bool:
                self.kill()
                raise WorkerDied("it sent something that is not a valid answer")
        if len(reply) != 1:
            self.kill()
            raise WorkerDied("it sent something that is not a valid answer")
        if not more and (self._reader.pending() if pending is None else pending):
            self.kill()
            raise WorkerForged(self.FORGED, earlier=False)
        return reply, more

    # -- ending ------------------------------------------------------------
    def _exit_status(self) -> int | None:
        """The worker's exit code (negative: the signal that ended it), or None if it is still running."""
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def _describe_exit(self) -> str:
        code = self._exit_status()
        if code is None:
            return "it stopped answering"
        if code < 0:
            sig = signal.Signals(-code)
            if sig == signal.SIGXCPU:
                return f"it used more than {self.limits.cpu_seconds} s of CPU time"
            if sig == signal.SIGXFSZ:
                return f"it wrote a file larger than {self.limits.max_file_mb} MiB"
            return f"it was killed by signal {sig.name}"
        if self.level == "namespace" and code == 1 and not self.output.kept:
            return "it ended the process"
        return f"it ended the process with exit status {code}"

    def kill(self) -> None:
        """Kill the worker and everything it started; idempotent."""
        if not self.alive:
            return
        self.alive = False
        for fd in (self._req, self._rep):
            try:
                os.close(fd)
            except OSError:
                pass
        kill_group(self.proc)
        if self.user is not None:
            self.user.end()  # every process, file and IPC object of its uid
        elif self.level == "process":
            _kill_leftovers(self.token)
            # IPC objects outlive processes; at this level they are the grader's user's: remove those made
            # while the worker ran (a namespace's die with it; POSIX shared memory is left, see docs/sandbox.md).
            leftovers.remove_ipc(leftovers.ipc_objects_of(os.geteuid(), since=self.started))
        self.output.join()
        shutil.rmtree(self.runtime, ignore_errors=True)

    def close(self) -> None:
        """Ask the worker to end (EOF on its request pipe), then make sure it did."""
        if not self.alive:
            return
        try:
            os.close(self._req)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        self._req = -1
        self.kill()


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a process started in its own session, with its group, and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _chown_tree(root: Path, gid: int) -> None:
    """Make a copy root's and readable (never writable) by group ``gid`` only: dirs 0750, files 0640."""
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, 0, gid)
        os.chmod(dirpath, 0o750)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chown(path, 0, gid)
                os.chmod(path, 0o640)
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                os.lchown(path, 0, gid)


def _kill_leftovers(token: str) -> None:
    """Kill processes the worker left behind (daemons that left its process group).

    Outside the namespace sandbox there is no PID namespace to tear down, so
    leftovers are found by the token in their environment. A process that
    scrubbed its own environment can escape this; the namespace level is the
    real answer to daemons.
    """
    needle = f"AG_WORKER_TOKEN={token}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError):
            continue
