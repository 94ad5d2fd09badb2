"""The warm sandbox: pays for Python and numpy once, then forks a fresh worker per request.

Starting a worker costs ~90 ms, nearly all of it the interpreter and numpy
loading. This process loads them once inside the namespace sandbox and
forks one worker per request; a fork costs a few milliseconds. It is the
sandbox's root, which there may only change uids (bubblewrap drops every
other capability), and it never runs student code or sees a submission:
each worker receives its files from the grader on its own pipe, after the
fork, so one student's files are never in memory another's worker inherits.

Workers drop to ``nobody``; the zygote stays root, so student code cannot
signal, trace or read it. Between submissions the grader asks for a reset:
every process of ``nobody`` in this PID namespace is killed, the only place
student code can write files (``/tmp``) is emptied, and every SysV IPC
object (shared memory, semaphores, message queues) and POSIX shared memory
or message queue of ``nobody`` in this IPC namespace is removed, so nothing
one submission leaves behind reaches the next. A reset that finds anything
left answers false, and the grader kills this zygote.

Control messages, one datagram each way (SOCK_SEQPACKET), JSON; first the
zygote says ``{"ok": "ready"}`` once numpy is loaded::

    -> {"op": "spawn", "cpu": c|null} with 3 fds: requests, replies, output
    <- {"ok": pid}
    -> {"op": "status", "pid": p, "timeout": s}     how a worker ended (a wait status) or null
    <- {"ok": status|null}
    -> {"op": "reset"}
    <- {"ok": true|false}                          false: something could not be cleaned

Like ``_worker.py`` this file is copied into a private runtime folder and
imports nothing from the ``autograder`` package.
"""

import ctypes
import json
import os
import shutil
import signal
import socket
import sys
import time

SUBMISSION = "/submission"
WRITABLE = "/tmp"
# Folders of IPC objects that live as files (POSIX shared memory and message queues).
IPC_FOLDERS = ("/dev/shm", "/dev/mqueue")
_IPC_RMID = 0


def main():
    ctl = socket.socket(fileno=int(sys.argv[1]))
    spec = json.loads(sys.argv[2])
    import _ag_wire  # noqa: F401
    import _ag_worker  # noqa: F401
    import numpy  # noqa: F401  (the expensive part, paid once; workers inherit it)

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    # What /tmp holds before any student: folders bubblewrap made for runtime paths that live under
    # /tmp (a virtual environment in /tmp/...), root's and read-only. A reset keeps exactly those.
    spec["keep"] = sorted(os.listdir(WRITABLE))
    ctl.send(b'{"ok": "ready"}')
    ended = {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 3)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)  # the grader has gone
        request = json.loads(data)
        op = request.get("op")
        if op == "spawn" and len(fds) == 3:
            reply = {"ok": _spawn(ctl, fds, request.get("cpu"), spec)}
        elif op == "status":
            reply = {"ok": _status(int(request["pid"]), float(request["timeout"]), ended)}
        elif op == "reset":
            reply = {"ok": _reset(spec["uid"], ended, set(spec["keep"]))}
        else:
            for fd in fds:
                os.close(fd)
            reply = {"error": f"unknown request {op!r}"}
        ctl.send(json.dumps(reply).encode())


def _spawn(ctl, fds, cpu, spec):
    req_r, rep_w, out_w = fds
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            ctl.close()
            os.setsid()  # its own session: the grader's view of "the worker" is this group
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            os.close(out_w)
            if cpu is not None:
                try:
                    os.sched_setaffinity(0, {int(cpu)})
                except OSError:
                    pass
            _worker_child(req_r, rep_w, spec)
        except BaseException as exc:  # noqa: BLE001 - reported on the worker's output, then exit
            try:
                os.write(2, f"the worker could not start: {type(exc).__name__}: {exc}\n".encode())
            except OSError:
                pass
        os._exit(code)
    for fd in fds:
        os.close(fd)
    return pid


def _worker_child(req_r, rep_w, spec):
    """In the fork: receive the submission's files, write them, drop privileges, serve."""
    import _ag_wire as wire
    import _ag_worker as worker

    message = wire.Reader(req_r).read_frame()
    files = message["files"]
    _empty(SUBMISSION)
    for rel, data in files.items():
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts or "" in parts:
            raise ValueError(f"refused file name {rel!r}")
        target = os.path.join(SUBMISSION, *parts)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data.tobytes())
        os.chmod(target, 0o644)
    del message, files
    worker._apply_limits(spec)  # rlimits, then the uid drop: only now does student code get near
    worker.serve(req_r, rep_w, SUBMISSION)


def _reap(ended):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ended[pid] = status


def _status(pid, timeout, ended):
    end = time.monotonic() + timeout
    while True:
        _reap(ended)
        if pid in ended:
            return ended[pid]
        if time.monotonic() >= end:
            return None
        time.sleep(0.005)


def _kill_all_of(uid):
    """Signal every process of ``uid`` in this PID namespace; True if any was found."""
    os.setresuid(-1, uid, -1)  # as that user: allowed to signal its processes and no others
    try:
        os.kill(-1, signal.SIGKILL)  # never signals the caller itself or the namespace's init
        return True
    except (ProcessLookupError, PermissionError):
        return False
    finally:
        os.setresuid(-1, 0, -1)


def _reset(uid, ended, keep):
    deadline = time.monotonic() + 5
    while _kill_all_of(uid):
        _reap(ended)  # killed workers are our children; daemons they left are reaped by init
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    _reap(ended)
    if len(ended) > 1000:
        ended.clear()
    _empty(SUBMISSION)
    if _is_clean(uid, keep):
        return True
    pid = os.fork()
    if pid == 0:  # files and IPC objects are removed as the student's user: it may, and root here may not
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            _empty(WRITABLE, keep)
            remove_everything_of(uid, IPC_FOLDERS)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return _is_clean(uid, keep) and not os.listdir(SUBMISSION)


def _is_clean(uid, keep):
    """Nothing of a submission is left: no file in /tmp, no IPC object of ``uid`` in this namespace."""
    return set(os.listdir(WRITABLE)) <= keep and not ipc_objects_of(uid) and not entries_of(uid, IPC_FOLDERS)


# ----------------------------------------------------------------------------- what a uid leaves behind
# Also used by the grader (worker.py) for the user and process levels, outside any namespace.


def ipc_objects_of(uid, since=None):
    """SysV IPC objects ``uid`` created or owns, as (kind, id), from /proc/sysvipc (this IPC namespace's).

    ``since`` (seconds since the epoch): only objects created or changed since then.
    """
    out = []
    for kind in ("shm", "sem", "msg"):
        try:
            with open(f"/proc/sysvipc/{kind}") as fh:
                header = fh.readline().split()
                rows = [dict(zip(header, line.split())) for line in fh]
        except OSError:
            continue
        for row in rows:
            if uid not in (int(row["uid"]), int(row["cuid"])):
                continue
            if since is not None and int(row["ctime"]) < int(since):
                continue
            out.append((kind, int(row[header[1]])))  # the second column is the id (shmid, semid, msqid)
    return out


def remove_ipc(objects):
    """IPC_RMID each object (a shared memory segment goes once no process has it attached)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ident in objects:
        if kind == "shm":
            libc.shmctl(ident, _IPC_RMID, None)
        elif kind == "sem":
            libc.semctl(ident, 0, _IPC_RMID)
        else:
            libc.msgctl(ident, _IPC_RMID, None)


def entries_of(uid, folders):
    """Paths of the entries directly in ``folders`` that ``uid`` owns (what it may create in shared folders)."""
    out = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                if os.lstat(path).st_uid == uid:
                    out.append(path)
            except OSError:
                continue
    return out


def remove_everything_of(uid, folders):
    """Remove the IPC objects of ``uid`` and its entries in ``folders``; run as ``uid`` (or root)."""
    remove_ipc(ipc_objects_of(uid))
    for path in entries_of(uid, folders):
        if os.path.isdir(path) and not os.path.islink(path):
            _unlock(path)
            _empty(path)
            try:
                os.rmdir(path)
            except OSError:
                pass
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _empty(folder, keep=()):
    """Remove everything in ``folder`` but ``keep``, first giving back the owner's access to locked directories."""
    for name in os.listdir(folder):
        if name in keep:
            continue
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            _unlock(path)
            for here, dirs, _files in os.walk(path):
                for d in dirs:
                    _unlock(os.path.join(here, d))
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _unlock(path):
    try:
        if not os.path.islink(path):
            os.chmod(path, 0o700)
    except OSError:
        pass


if __name__ == "__main__":
    main()
