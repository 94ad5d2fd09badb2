"""Following a test's script (``scripts.py``) in a ``StudentSession``: the calls sent ahead, and verification.

A mixin of ``StudentSession`` (``session.py``), kept apart so that each file holds one idea: the
session owns the worker, the budgets and what went wrong; this part decides which answers a scripted
test takes from where. ``verify_script`` is what lets a replayed test pass without running
(``grading.replay``); the proof that no grade changes is in ``scripts.py``'s docstring.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

from autograder.errors import StudentCodeError, StudentTimeout
from autograder.sandbox import wire
from autograder.sandbox.affinity import CoreShare
from autograder.sandbox.scripts import Script
from autograder.sandbox.worker import Worker, WorkerDied, WorkerForged, WorkerTimeout

if TYPE_CHECKING:
    from autograder.sandbox.scripts import PredictedCall

__all__ = ["ScriptFollowing"]

# How long ``verify_script`` waits for a test's answers; a test whose calls take longer just runs as ever.
VERIFY_PATIENCE = 0.5


class ScriptFollowing:
    """The script-following half of ``StudentSession`` (which provides everything declared here)."""

    _script: Script | None
    _worker: Worker | None
    _core: CoreShare
    _imported: set[str]
    _broken: dict
    _timed_out: dict
    _aborted: str
    _fresh_warnings: bool
    _last_request: tuple[str, str | None] | None
    tap: list[PredictedCall | None] | None
    calls: int

    if TYPE_CHECKING:

        def _timeout(self) -> tuple[float, str]: ...
        def _ensure_imported(self, module: str) -> None: ...
        def _retire_worker(self) -> None: ...
        def _blame_forger(self, module: str, func: str | None) -> None: ...

    def use_script(self, script: Script | None) -> None:
        """Follow ``script`` (from its start) for the calls of the test that begins; None: no script."""
        if self._script is not None and self._script.ahead:
            self._retire_worker()  # it answered, or is still answering, calls the test did not make
        self._script = script.fresh() if script is not None else None

    def _scripted(self, message: dict, timeout: float) -> dict | None:
        """The answer to ``message`` through the script, or None when the script does not predict it."""
        script = self._script
        assert script is not None  # and it expects this call (checked in _call)
        worker = self._worker
        assert worker is not None  # started by _ensure_imported
        with self._core.pinned():
            if script.queue:  # read ahead by verify_script: the reference's own answer, checked again
                frame, script_id, n = script.queue.popleft()
                reply, _ = worker.script_answer(frame, script_id, n, pending=False)
            else:
                if script.running is None:
                    batch = script.batch(self._imported)
                    try:
                        if script.failed is not None:  # what verify_script met sending this very message
                            failed, script.failed = script.failed, None
                            raise failed
                        script.running = worker.start_script([c.frame for c in batch], timeout)
                    except WorkerForged as forged:  # as in _request: an earlier call's function wrote a frame
                        self._retire_worker()
                        if forged.earlier and self._last_request is not None:
                            self._blame_forger(*self._last_request)
                        self.use_script(None)
                        return None
                    script.first, script.end = script.pos, script.pos + len(batch)
                    script.stats["batches"] += 1
                n = script.pos - script.first
                if script.held is not None:
                    (frame, pending, failed_word), script.held = script.held, None
                    if failed_word is not None:  # what verify_script met telling the worker to go on
                        raise failed_word
                else:
                    frame, pending = worker.script_raw(timeout), None
                reply, more = worker.script_answer(frame, script.running, n, pending=pending)
                if more and script.pos + 1 >= script.end:
                    worker.kill()
                    raise WorkerDied("it sent something that is not a valid answer")
                if more:  # the worker waits for the word: on only while answers are the reference's
                    more = self._matches(script, frame, n, more=True)
                    worker.script_word(more, timeout)
                script.answered(more)
        script.taken += 1
        self._last_request = (str(message["module"]), str(message["func"]))
        return reply

    @staticmethod
    def _matches(script: Script, frame: bytes, n: int, *, more: bool) -> bool:
        """Whether ``frame`` is answer ``n`` of the running message, with ``more`` to come or not, and
        byte for byte the reference's answer to the call (``wire.tagged_digest``: hashed, not decoded)."""
        assert script.running is not None
        return wire.tagged_digest(frame, id=script.running, n=n, more=more) == script.calls[script.pos].answer

    def verify_script(self) -> bool:
        """Have the worker answer all of the test's predicted calls before the test runs; True when
        every answer is, byte for byte, the reference's answer to that call in the calibration.

        The test then passes without running (``grading.replay``): it is deterministic and passed on
        exactly these answers. Nothing in the worker differs: the calls are the test's own, sent in the
        messages the test would send, in the same order. Any other end (an answer that differs, one
        not there within ``VERIFY_PATIENCE``, a module the test has not imported yet, a stop, anything
        unusual on the pipe) keeps what was read for the test, which then runs and takes those answers,
        checked as ever: nothing runs twice and no failure changes.
        """
        script = self._script
        if (
            script is None
            or not script.verifiable
            or script.taken
            or script.ahead
            or script.failed is not None
            or self._broken
            or self._timed_out
            or self._aborted
            or self.tap is not None
        ):
            return False
        try:
            timeout, _ = self._timeout()
        except StudentTimeout:
            return False
        patience = time.monotonic() + min(timeout, VERIFY_PATIENCE)
        with self._core.pinned():
            while script.pos < len(script.calls):
                if script.running is None and not self._verify_send(script, timeout):
                    return False
                worker = self._worker
                assert script.running is not None and worker is not None
                try:
                    frame = worker.script_frame(patience)
                except Exception:  # noqa: BLE001 - late, dead or garbage: it stays on the pipe for the test
                    return False
                n, last = script.pos - script.first, script.pos + 1 == script.end
                if not self._matches(script, frame, n, more=not last):
                    script.held = (frame, None, None)  # the test decides, and tells the worker
                    return False
                if last and worker.pending():
                    script.held = (frame, True, None)
                    return False
                if not last:
                    try:
                        worker.script_word(True, timeout)
                    except (WorkerDied, WorkerTimeout) as failed:
                        script.held = (frame, None, failed)  # the test meets it where it takes this answer
                        return False
                script.queue.append((frame, script.running, n))
                script.answered(not last)
        self.calls += len(script.queue)
        script.taken, script.queue = script.pos, deque()
        self._fresh_warnings = False  # as the test's first call would have
        self._last_request = (script.calls[-1].module, script.calls[-1].func)
        script.stats["verified"] = script.stats.get("verified", 0) + 1
        return True

    def _verify_send(self, script: Script, timeout: float) -> bool:
        """Send the script's next message as ``_scripted`` would; False when there is none to send."""
        batch = script.batch(self._imported)
        if not batch:  # its next call is into a module not imported yet: import it, as that call would first
            try:
                self._ensure_imported(script.calls[script.pos].module)
            except StudentCodeError:
                return False  # the module is broken now: the test's call meets it, with this error
            batch = script.batch(self._imported)
        worker = self._worker
        if not batch or worker is None or not worker.alive:
            return False
        try:
            script.running = worker.start_script([c.frame for c in batch], timeout)
        except (WorkerForged, WorkerDied, WorkerTimeout) as exc:
            script.failed = exc  # the test meets it where it sends this message
            return False
        script.first, script.end = script.pos, script.pos + len(batch)
        script.stats["batches"] += 1
        return True
