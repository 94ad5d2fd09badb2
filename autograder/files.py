"""Writing a file so that a reader never sees half of it: the one atomic writer every output uses."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["uninterrupted", "write_atomic"]

_DEFERRED: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) until the block ends, so files written together are all written or none.

    A signal that arrives inside the block is remembered and raised again, to its usual handler, as
    soon as the block ends. Python runs signal handlers in the main thread only; elsewhere this does
    nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        held.append(signum)

    before = {sig: signal.getsignal(sig) for sig in _DEFERRED}
    ours = [sig for sig, handler in before.items() if handler is not None]  # None: set outside Python, leave it
    for sig in ours:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig in ours:
            signal.signal(sig, before[sig])
        for sig in dict.fromkeys(held):
            signal.raise_signal(sig)


def write_atomic(path: Path | str, data: str | bytes) -> Path:
    """Write ``data`` (text is UTF-8) to a temporary file beside ``path``, flush it to disk, rename it over ``path``.

    A crash, a full disk or Ctrl-C in the middle leaves the old file as it was and no temporary file
    behind; two writers of the same file never share a temporary file. The result is readable by all
    (mode 0644), as reports and gradebooks are meant to be.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
