"""Keep the grading thread and its worker on one core.

A call into the sandbox is synchronous: the grader writes a request and
waits, the worker computes and answers, the grader goes on. The two never
run at the same time, so giving them two cores buys nothing, and costs a
lot: each hand-over then wakes an idle core (on a virtual machine, an
inter-processor interrupt through the hypervisor) and runs on cold caches.
Measured here with a 1,000-element array: 190-240 µs per round trip when
the scheduler spreads the pair over two cores, 110-120 µs on one.

So a worker is confined to the core its grading thread was on when the
worker started, and the thread joins it there while it uses the worker:
for the length of a hidden test (``StudentSession.begin_test``), or of one
call outside tests (``CoreShare.pinned``). A test that follows a script
(``scripts.py``) is no exception: the worker runs each next call of the
script only after the grader's go-on byte, so the two still take turns, and
each turn crosses cores if they are apart (measured on 2 vCPUs with a
one-byte ping-pong: 9 µs on one core, 92 µs across two). Between tests the thread is free
again, so two graders in one machine (test runners, Dask workers) never
stay stuck together on one core. A process already confined to one core (a
batch job, see ``autograder.classes.jobs``) keeps it, and so does a thread
``confined`` to one: the two lanes of a submission graded at once
(``autograder.grading.lanes``) take a core each (``two_cores``), or the
scheduler could put both pairs on one. Set ``AUTOGRADER_PIN=0`` to
leave scheduling entirely to the OS.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["CoreShare", "confined", "current_cpu", "pinnable_cores", "pinning_enabled", "two_cores"]


def pinning_enabled() -> bool:
    return hasattr(os, "sched_setaffinity") and os.environ.get("AUTOGRADER_PIN", "1") != "0"


def current_cpu() -> int | None:
    """The core the calling thread runs on now (field 39 of /proc/thread-self/stat), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from its closing one.
    fields = stat[stat.rindex(b")") + 2 :].split()
    try:
        return int(fields[36])  # field 39 overall: fields 3.. start at index 0
    except (IndexError, ValueError):
        return None


class CoreShare:
    """The core a worker lives on, and the calling thread's visits to it."""

    def __init__(self) -> None:
        self.cpu: int | None = None
        self._free: set[int] | None = None  # the thread's own mask, restored after each visit
        self._depth = 0
        self._held = False

    def choose(self) -> None:
        """Pick the core for the next worker: the one the calling thread runs on now (kept while held)."""
        if self._held or not pinning_enabled():
            return
        try:
            allowed = os.sched_getaffinity(0)
        except OSError:
            return
        if len(allowed) == 1:
            self.cpu, self._free = next(iter(allowed)), None  # already confined (a batch job): nothing to do
            return
        cpu = current_cpu()
        if cpu is None or cpu not in allowed:
            return
        self.cpu, self._free = cpu, allowed
        if self._depth > 0:  # chosen inside a hold (the test's first call): join the core now
            self._depth -= 1
            self.hold()

    def hold(self) -> None:
        """Move the calling thread to the chosen core until the matching ``release`` (nests)."""
        self._depth += 1
        if self._depth == 1 and self.cpu is not None and self._free is not None:
            try:
                os.sched_setaffinity(0, {self.cpu})
                self._held = True
            except OSError:
                pass

    def release(self, *, fully: bool = False) -> None:
        self._depth = 0 if fully else max(0, self._depth - 1)
        if self._depth == 0 and self._held:
            self._held = False
            try:
                os.sched_setaffinity(0, self._free)  # type: ignore[arg-type]
            except OSError:
                pass

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Run the body on the chosen core (a process started inside inherits it); a no-op inside ``hold``."""
        self.hold()
        try:
            yield
        finally:
            self.release()


def pinnable_cores() -> list[int]:
    """The cores the calling thread may run on, in order, for pinning; none when pinning is off."""
    if not pinning_enabled():
        return []
    try:
        return sorted(os.sched_getaffinity(0))
    except OSError:
        return []


def two_cores() -> tuple[int, int] | None:
    """Two distinct cores of this thread's, for two graders at once; None when pinning is off or there is one."""
    allowed = pinnable_cores()
    return (allowed[0], allowed[1]) if len(allowed) >= 2 else None


@contextlib.contextmanager
def confined(cpu: int | None) -> Iterator[None]:
    """Run the calling thread on ``cpu`` alone for the body, then on its own cores again (``None``: as it is).

    A ``CoreShare`` that chooses inside takes ``cpu`` and keeps it (``choose``: already confined).
    """
    saved = None
    if cpu is not None:
        try:
            saved = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {cpu})
        except OSError:
            saved = None
    try:
        yield
    finally:
        if saved is not None:
            try:
                os.sched_setaffinity(0, saved)
            except OSError:
                pass
