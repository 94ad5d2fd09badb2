"""Progress of a class run on stderr: done/total, rate and ETA.

On a terminal it is one line rewritten in place with a bar; anywhere else
(CI logs, a file) it is one plain line per finished submission, so a log
shows what was graded when. Names and notes can come from students (a folder
name), so they are shown on one line with no control characters and no CI
workflow command (``autograder.sanitize``).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from autograder.sanitize import log_safe, one_line

__all__ = ["Progress"]


class Progress:
    """done/total, rate and ETA on stderr: one updating line on a terminal, plain lines otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, *, skipped: int = 0) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.monotonic()
        self.skipped = skipped

    def line(self, last: str = "") -> str:
        elapsed = max(time.monotonic() - self.t0, 1e-9)
        rate = self.done / elapsed
        left = self.total - self.done
        eta = _clock(left / rate) if rate > 0 else "?"
        text = f"{self.done}/{self.total} graded  {rate * 60:.1f}/min  ETA {eta}"
        return text + (f"  {one_line(last, 80)}" if last else "")

    def update(self, last: str = "") -> None:
        self.done += 1
        if self.tty:
            width = 24
            filled = int(width * self.done / self.total) if self.total else width
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r[{bar}] {self.line(last)}"[:200].ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"autograder: {self.line(last)}\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        if self.tty and 0 < self.done < self.total:
            self.stream.write("\n")
        self.stream.write(log_safe(f"autograder: {text}") + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
