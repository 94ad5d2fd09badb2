"""Isolation levels, weakest to strongest, and how to start a worker at each.

``process``
    A separate process in its own session, with rlimits, a scrubbed
    environment and a private temporary copy of the submission as its
    working directory. Student code cannot touch the grader's memory, but
    can read whatever the grader's user can read.
``user``
    As ``process``, and the worker drops to an unprivileged uid (``nobody``)
    before importing student code, so the process limit applies and the
    grader's private files (mode ``o=``) are out of reach. Needs root.
``namespace``
    As ``user``, inside bubblewrap: a private mount namespace in which only
    the Python runtime, its libraries and the submission copy exist, an
    empty ``/tmp``, its own PID namespace (every process it leaves behind
    dies with it) and no network. Hidden tests, solutions and the output
    folder are simply not there.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from typing import Literal

from ..errors import IsolationError

__all__ = ["LEVELS", "Level", "available_levels", "best_level", "resolve_level", "NOBODY"]

Level = Literal["process", "user", "namespace"]
LEVELS: tuple[Level, ...] = ("process", "user", "namespace")
NOBODY = 65534

SUBMISSION_MOUNT = "/submission"
RUNTIME_MOUNT = "/grader-runtime"


def _is_root() -> bool:
    return os.geteuid() == 0


def _python_dirs() -> list[str]:
    """Folders the interpreter needs: its prefixes and the library folders on sys.path."""
    import numpy

    dirs = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    dirs.add(os.path.realpath(os.path.dirname(os.path.dirname(numpy.__file__))))
    for entry in sys.path:
        if entry and os.path.isdir(entry) and os.path.basename(entry) in ("site-packages", "dist-packages"):
            dirs.add(os.path.realpath(entry))
    exe = os.path.realpath(sys.executable)
    dirs.add(os.path.dirname(os.path.dirname(exe)))
    # Keep only outermost folders; never bind a system root we bind anyway.
    system = ("/usr", "/lib", "/lib64", "/bin", "/sbin")
    out: list[str] = []
    for d in sorted(dirs, key=len):
        if d in ("/", *system) or d.startswith(tuple(s + "/" for s in system)):
            continue
        if not any(d == o or d.startswith(o + "/") for o in out):
            out.append(d)
    return out


def _parents(path: str) -> list[str]:
    parts, out = path.strip("/").split("/")[:-1], []
    for i in range(len(parts)):
        out.append("/" + "/".join(parts[: i + 1]))
    return out


def bwrap_argv(copy_dir: str | None, runtime_dir: str, tmp_bytes: int = 64 * 1024 * 1024) -> list[str]:
    """The bubblewrap command line that sandboxes one worker (or a zygote, ``copy_dir`` None).

    The submission copy is mounted read-only; the only writable place is a
    size-bounded ``/tmp``, so student code cannot fill the disk or the memory
    through files. A zygote gets an empty ``/submission`` that only the
    sandbox's root can write: its workers put their files there before they
    drop to ``nobody``.
    """
    argv = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--ro-bind-try", "/lib", "/lib", "--ro-bind-try", "/lib64", "/lib64",
        "--ro-bind-try", "/bin", "/bin", "--ro-bind-try", "/sbin", "/sbin",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp",
    ]  # fmt: skip
    made: set[str] = {"/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/tmp", "/proc", "/dev"}
    for d in _python_dirs():
        for parent in _parents(d):
            if parent not in made:
                argv += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        argv += ["--ro-bind", d, d]
    argv += ["--ro-bind", runtime_dir, RUNTIME_MOUNT]
    if copy_dir is None:
        argv += ["--perms", "0755", "--dir", SUBMISSION_MOUNT]
    else:
        argv += ["--ro-bind", copy_dir, SUBMISSION_MOUNT]
    if _is_root():
        # Root in the sandbox may only change its own uid: the worker drops to nobody itself.
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user"]
    argv += ["--chdir", SUBMISSION_MOUNT, "--"]
    return argv


@functools.lru_cache(maxsize=None)
def _bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    import tempfile

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        argv = bwrap_argv(a, b) + [sys.executable, "-c", "import numpy"]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0


@functools.lru_cache(maxsize=None)
def _nobody_can_run_python() -> bool:
    """As root, can the interpreter and numpy still be loaded after dropping to ``nobody``?

    Not when Python lives under a private folder such as ``/root/.pyenv``.
    """
    if not _is_root():
        return False
    code = (
        "import os; os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534); "
        "import numpy, json, importlib"
    )
    try:
        done = subprocess.run([sys.executable, "-s", "-c", code], capture_output=True, timeout=30, cwd="/")
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def available_levels() -> tuple[Level, ...]:
    """The levels this machine can provide, weakest first."""
    levels: list[Level] = ["process"]
    if _nobody_can_run_python():
        levels.append("user")
    if _bwrap_works():
        levels.append("namespace")
    return tuple(levels)


def best_level() -> Level:
    return available_levels()[-1]


def resolve_level(requested: str, minimum: str = "process") -> Level:
    """Pick the level to use: ``auto`` means the strongest available; never below ``minimum``."""
    have = available_levels()
    level = have[-1] if requested == "auto" else requested
    if level not in LEVELS:
        raise IsolationError(f"unknown isolation level {requested!r}; use one of auto, {', '.join(LEVELS)}")
    if level not in have:
        raise IsolationError(
            f"isolation level {level!r} is not available on this machine (available: {', '.join(have)}). "
            + _how_to_get(level)
        )
    if LEVELS.index(level) < LEVELS.index(minimum):  # type: ignore[arg-type]
        raise IsolationError(
            f"course.yaml demands isolation of at least {minimum!r} (key sandbox.minimum_isolation), "
            f"but only {', '.join(have)} is available here. " + _how_to_get(minimum)
        )
    return level  # type: ignore[return-value]


def _how_to_get(level: str) -> str:
    if level == "namespace":
        return "Install bubblewrap (apt-get install bubblewrap) and allow user namespaces, or run as root."
    if level == "user":
        return (
            "Run the grader as root (as CI containers do) with a Python installation that other users can read "
            "(not under /root), so the worker can drop to an unprivileged user."
        )
    return ""
