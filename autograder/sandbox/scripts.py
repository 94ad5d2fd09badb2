"""Scripts: a hidden test's predicted calls, sent to the worker together.

A hidden test calls the student's functions one at a time, and every call
is a round trip to the worker (~0.2 ms of pipes, encoding and scheduling,
often more than the call itself). Replayed grading knows which calls are
coming: calibration recorded, per test, every call the reference got and a
fingerprint of each answer (``Script``). A session that follows a script
(``StudentSession.use_script``) sends the test's next calls in one message;
the worker runs them in order and answers each in its own frame. After each
answer the grader hashes it and sends one byte: go on while it is the
reference's, stop at the first that is not. The worker is never told the
fingerprints: student code could otherwise test candidate answers against
them (an oracle for a function with few possible answers).

Why no grade can change:

- The worker only runs a predicted call after the grader saw every earlier
  answer identical to the reference's (same types, dtypes, shapes and bytes). The
  test body is deterministic, so it then makes exactly the predicted call
  next: the student's code sees the same calls in the same order as without
  a script, and nothing runs that the test would not have asked for.
- Every call is still the test's own: the session compares the request the
  test makes with the predicted one (their encodings) before it takes an
  answer, and the answer is the worker's, checked like any other. A request
  that differs ends the script for the rest of the test (per-call from
  then on); if the worker was still running the script, it is replaced.
- Timeouts keep their meaning: each answer is awaited with the call's own
  budget, counted from when the test asks for it.
- A script holds no answers, only fingerprints, and they stay in the grader.
  A matching fingerprint lets a test pass without running only through
  verification (``StudentSession.verify_script``), where the grader hashes the
  bytes it received itself.

Used only where a calibration recorded the test (``autograder.grading.replay``),
for calls whose requests fit ``MAX_SCRIPT_BYTES``.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field

from autograder.sandbox import wire

__all__ = [
    "PredictedCall",
    "Script",
    "enabled",
    "MAX_BATCH_CALLS",
    "MAX_BATCH_BYTES",
    "MAX_CALL_BYTES",
    "MAX_SCRIPT_BYTES",
]

MAX_BATCH_CALLS = 256  # calls sent in one message
FIRST_BATCH_CALLS = 16  # the first message of a test; each message that is answered to its end sends 4x more
# A test whose calls carry more is not scripted, nor one whose calls carry more than MAX_CALL_BYTES each
# on average: a few calls on big arrays (the cat pictures) gain nothing from one message, and their
# script would make the calibration artefact megabytes larger.
MAX_SCRIPT_BYTES = 256 << 10
MAX_CALL_BYTES = 4 << 10
MAX_BATCH_BYTES = MAX_SCRIPT_BYTES  # request bytes in one message


def enabled() -> bool:
    """Scripts are followed unless ``AUTOGRADER_SCRIPTS=0`` (they change no grade, only speed)."""
    return os.environ.get("AUTOGRADER_SCRIPTS", "1") != "0"


def request_key(message: dict) -> str | None:
    """The fingerprint of a call request (without its id); None when it cannot be encoded."""
    try:
        return wire.digest(wire.encode(message))
    except (wire.WireError, RecursionError):
        return None


def answer_digest(reply: dict) -> str:
    """The fingerprint of an answer as the worker sends it (without its id)."""
    return wire.digest(wire.encode(reply))


@dataclass(frozen=True)
class PredictedCall:
    frame: bytes  # the request {"op": "call", "module", "func", "args", "kwargs", "extras"}, as a wire frame
    module: str  # the request's module
    func: str  # and function
    key: str  # the request's fingerprint
    answer: str  # the fingerprint of the reference's answer

    @property
    def size(self) -> int:
        return len(self.frame)

    @classmethod
    def record(cls, message: dict, reply: dict) -> PredictedCall | None:
        """The call ``message`` that got ``reply``, kept encoded (the test may change its arguments
        afterwards); None when it cannot be (the test is then not scripted)."""
        try:
            encoded = wire.encode(message)
            answer = answer_digest(reply)
        except (wire.WireError, RecursionError):
            return None
        return cls(
            wire.frame_bytes(encoded), str(message["module"]), str(message["func"]), wire.digest(encoded), answer
        )


@dataclass
class Script:
    """One test's predicted calls in order, and how far the running test has followed them."""

    calls: list[PredictedCall]
    # The test's outcome is a function of its answers alone (see verification in the module docstring).
    verifiable: bool = False
    # What the test kept for the report with ``record`` when it passed on the reference, in order:
    # (key, the value as JSON). Verification keeps the same (``grading.replay``).
    records: tuple[tuple[str, str], ...] = ()
    pos: int = 0  # the next call whose answer is to be read from the worker
    taken: int = 0  # the calls the test has made (pos minus the answers read ahead in ``queue``)
    # Answers read ahead by a verification, each exactly the reference's: (frame, script id, n).
    queue: deque[tuple[bytes, str, int]] = field(default_factory=deque)
    # The answer to call ``pos``, read by a verification but not checked yet; whether more had arrived
    # after it (None: not looked); and what telling the worker to go on after it raised (None: no word
    # was sent, the test decides).
    held: tuple[bytes, bool | None, Exception | None] | None = None
    failed: Exception | None = None  # what sending the next message raised during a verification
    running: str | None = None  # the id of the message the worker is still answering
    first: int = 0  # the index of that message's first call
    end: int = 0  # and one past its last
    window: int = FIRST_BATCH_CALLS  # calls in the next message: grows while answers match, 1 after one did not
    stats: dict[str, int] = field(default_factory=lambda: {"batches": 0, "calls": 0})

    @classmethod
    def of(
        cls, tap: list[PredictedCall | None], *, verifiable: bool = False, records: tuple[tuple[str, str], ...] = ()
    ) -> Script | None:
        """A script of a test's recorded calls; None when there are none, one could not be recorded,
        or together they are too large to be worth it."""
        calls = [c for c in tap if c is not None]
        size = sum(c.size for c in calls)
        if not calls or len(calls) < len(tap) or size > min(MAX_SCRIPT_BYTES, MAX_CALL_BYTES * len(calls)):
            return None
        return cls(calls, verifiable=verifiable, records=records)

    def fresh(self) -> Script:
        """The same predictions, followed from the start."""
        return Script(self.calls, self.verifiable, self.records, stats=self.stats)

    @property
    def ahead(self) -> bool:
        """True while the worker has answered, or is answering, calls the test has not made yet."""
        return self.running is not None or bool(self.queue) or self.held is not None

    def answered(self, more: bool) -> None:
        """Move past the call just answered; ``more``: the worker goes on with the message's next call."""
        self.pos += 1
        self.stats["calls"] += 1
        if not more:
            self.running = None
            # Answered to its end: send more at once next time. Stopped early (an answer differed):
            # the next calls may differ too, so send them one at a time until answers match again.
            self.window = min(MAX_BATCH_CALLS, self.window * 4) if self.pos == self.end else 1

    def expects(self, key: str | None) -> bool:
        return key is not None and self.taken < len(self.calls) and self.calls[self.taken].key == key

    def batch(self, imported: set[str]) -> list[PredictedCall]:
        """The calls to send from ``pos`` on: up to the limits, and none into a module not imported yet
        (importing is the test's own step, in its own order)."""
        out: list[PredictedCall] = []
        size = 0
        for call in self.calls[self.pos : self.pos + self.window]:
            size += call.size
            if call.module not in imported or (out and size > MAX_BATCH_BYTES):
                break
            out.append(call)
        return out
