"""The ``user`` level's sandbox users: a uid of its own for every worker, and the end of everything it left.

Where namespaces cannot be had but the grader runs as root (Gradescope's
containers), each worker runs as a uid (and gid) of its own from
``AUTOGRADER_UIDS``. ``SandboxUser`` leases one: unique across grading
processes (a lock file held with ``flock``), never one a process still runs
as, cleaned first if a grader that died left its files or IPC objects. Its
``end`` kills every process of the uid (daemons that left the worker's
process group included) and removes its SysV and POSIX IPC objects and its
files in the folders every user may write.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import signal
import stat
import tempfile
import time
from pathlib import Path

from autograder.errors import IsolationError
from autograder.sandbox import _zygote as leftovers

__all__ = ["SHARED_FOLDERS", "SandboxUser", "sandbox_uids"]

SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock")


def sandbox_uids() -> range:
    """The uids (each also a gid) the ``user`` level hands out: ``AUTOGRADER_UIDS`` (default 61000-61999)."""
    first, _, last = os.environ.get("AUTOGRADER_UIDS", "61000-61999").partition("-")
    return range(int(first), int(last or first) + 1)


_leases = itertools.count()


def _lock_folder() -> Path:
    """Root's folder of lock files, one per uid in use, shared by every grading process on the machine."""
    folder = Path("/run" if os.path.isdir("/run") else tempfile.gettempdir()) / "autograder-uids"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o077:
        raise IsolationError(f"{folder} must be a folder only root can use (it keeps the sandbox uids in use)")
    return folder


class SandboxUser:
    """A uid (and a gid of the same number) that only one worker uses, with a private HOME.

    Unique across grading processes: a uid is taken while its lock file is locked (``flock``, released
    by the kernel if the process dies) and only when no process runs as it. ``end`` kills every process
    of the uid (daemons included) and removes its IPC objects and files; a uid that cannot be cleaned
    stays locked, so this process never hands it out again.
    """

    def __init__(self) -> None:
        uids, folder = sandbox_uids(), _lock_folder()
        start = (os.getpid() * 7919 + next(_leases)) % len(uids)
        for i in range(len(uids)):
            uid = uids[(start + i) % len(uids)]
            fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            if not _as_user(uid, kill=False) or not _end_everything_of(uid, only_if_left=True):
                os.close(fd)  # someone else runs as this uid, or a grader that died left what cannot be removed
                continue
            self.uid, self._lock = uid, fd
            break
        else:
            raise IsolationError(f"no free sandbox uid in {uids.start}-{uids.stop - 1} (AUTOGRADER_UIDS)")
        self.home = Path(tempfile.mkdtemp(prefix="ag-home-"))
        os.chown(self.home, uid, uid)  # mode 0700: its own, and nobody else's
        self.ended = False

    def end(self) -> bool:
        """Kill every process of the uid and remove what it left; True when nothing is left."""
        if self.ended:
            return True
        self.ended = True
        clean = _end_everything_of(self.uid)
        shutil.rmtree(self.home, ignore_errors=True)
        if clean:
            os.close(self._lock)
        return clean


def _processes_of(uid: int) -> list[int]:
    """Live processes (not zombies) whose real, effective or saved uid is ``uid`` (a scan of /proc: slow-ish)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if line.startswith(("State:", "Uid:")))
        except (OSError, ValueError):
            continue
        zombie = fields.get("State", "").strip().startswith("Z")
        if uid in [int(x) for x in fields.get("Uid", "").split()[:3]] and not zombie:
            found.append(int(entry))
    return found


def _as_user(uid: int, kill: bool, timeout: float = 5.0) -> bool:
    """In a fork dropped to ``uid`` (so ``kill(-1)`` reaches exactly its processes): True when none is running.

    ``kill``: SIGKILL them until none is left, then remove the uid's IPC objects and files.
    """
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            code = 0 if _signal_all(signal.SIGKILL if kill else 0, timeout if kill else 0.0) else 1
            if kill:
                leftovers.remove_everything_of(uid, SHARED_FOLDERS)
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _signal_all(sig: int, timeout: float) -> bool:
    """Send ``sig`` to every process this one may signal (never itself) until none is left; True if none is."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(-1, sig)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            # Still signalable: only zombies (nothing left to run) is fine.
            return not [p for p in _processes_of(os.getuid()) if p != os.getpid()]
        if sig and not [p for p in _processes_of(os.getuid()) if p != os.getpid()]:
            return True  # only zombies, waiting for whoever reaps them
        time.sleep(0.001)


def _end_everything_of(uid: int, only_if_left: bool = False) -> bool:
    """Kill every process of ``uid`` and remove its IPC objects and files; True when nothing of it is left.

    ``only_if_left``: only when it has IPC objects or files (a grader that died left them; no process runs).
    """

    def left() -> bool:
        return bool(leftovers.ipc_objects_of(uid) or leftovers.entries_of(uid, SHARED_FOLDERS))

    if only_if_left and not left():
        return True
    return _as_user(uid, kill=True) and not left()
