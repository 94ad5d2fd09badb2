"""A head start for one grading process: the sandbox gets ready on the other core while pytest loads.

``autograder grade DIR`` calls ``head_start`` before it imports pytest and hypothesis (~0.4 s of one
core). A thread resolves the isolation level (the bubblewrap probe, the course hidden from the sandbox
and the self-check that it is) and, at ``namespace``, starts the warm sandbox the first test leases
(``sandbox.zygote.prestart``). Both are subprocesses, so the work runs beside the imports. What the
thread finds is cached per process: the grading session makes the same calls and gets the answers at
once, or waits for the thread's. An error is left for the session to meet and report in its own
words: the thread only ever saves time, it never decides anything.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from autograder.config import Course

__all__ = ["head_start"]


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

    thread = threading.Thread(target=run, name="autograder-head-start", daemon=True)
    thread.start()
    atexit.register(thread.join, 60)  # an early exit waits for it: no probe's temporary folder is left behind
    return thread
