"""A head start for one grading process: the sandbox gets ready on the other core while pytest loads.

``autograder grade DIR`` calls ``head_start`` before it imports pytest and hypothesis (~0.4 s of one
core). A thread resolves the isolation level (the bubblewrap probe, the course hidden from the sandbox
and the self-check that it is) and, at ``namespace``, starts the warm sandbox the first test leases
(``sandbox.zygote.prestart``). Both are subprocesses, so the work runs beside the imports. What the
thread finds is cached per process: the grading session makes the same calls and gets the answers at
once, or waits for the thread's. An error is left for the session to meet and report in its own
words: the thread only ever saves time, it never decides anything.

The head start also pauses Python's garbage collector until the hidden tests start
(``resume_collector``, called by the grading plugin): start-up allocates hundreds of thousands of
objects that live as long as the process (modules, pytest's plugins, the collected tests), and
collecting while they are made found nothing to free but cost ~0.1 s of a cold process. They are then
frozen (``gc.freeze``), so no later collection walks them again.
"""

from __future__ import annotations

import atexit
import gc
import threading
from pathlib import Path

from autograder.config import Course

__all__ = ["head_start", "resume_collector", "settle"]


def head_start(
    course: Course, isolation: str | None = None, trusted_code: bool = False, *, hide: tuple[Path, ...] = ()
) -> threading.Thread:
    """Start resolving ``course``'s isolation level and its warm sandbox in a thread; returns the thread.

    ``hide``: what the grading session hides besides the course (a class run's output folder), so the
    warm sandbox started here is the one the session leases."""

    def run() -> None:
        try:
            level = course.isolation_level(isolation, trusted_code, hide=hide)
            if level == "namespace":
                from autograder.sandbox import zygote

                if zygote.warm_enabled():
                    zygote.prestart(course.limits)
        except Exception:  # noqa: BLE001 - the grading session meets the same problem and reports it
            pass

    _pause_collector()
    thread = threading.Thread(target=run, name="autograder-head-start", daemon=True)
    thread.start()
    _threads.append(thread)
    atexit.register(thread.join, 60)  # an early exit waits for it: no probe's temporary folder is left behind
    return thread


_collector_paused = False
_threads: list[threading.Thread] = []


def settle(timeout: float = 60.0) -> None:
    """Wait for the head starts of this process to finish (before a fork: none may hold a lock then)."""
    for thread in _threads:
        thread.join(timeout)


def _pause_collector() -> None:
    global _collector_paused
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def resume_collector() -> None:
    """Collect garbage again, if the head start paused it; what exists now is frozen (never collected:
    it lives as long as the process). Called as the hidden tests start; a no-op after the first time."""
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()
