"""Writing a file so that a reader never sees half of it: the one atomic writer every output uses."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


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
