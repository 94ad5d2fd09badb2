"""Test data that is slow to make and always the same: made once, then read back by every grading process.

The ``data_cache`` fixture (``autograder.grading.plugin``) gives hidden tests ``data_cache.arrays(name,
key, build)``: ``build()`` returns a dict of numeric numpy arrays that depend only on ``key`` (any
JSON value: the settings and, say, a digest of the module that draws them). The first process that
asks calls ``build`` and leaves the arrays in the course's cache folder (the calibration artefact's,
``autograder.grading.calibration.cache_dirs``); later processes read them back (the cat pictures:
~0.3 s to draw, ~5 ms to read). Within one process they are kept in memory.

Why a bad file costs speed but never a grade: the file name holds a digest of ``name``, ``key`` and the
numpy and Python versions, and the file carries an HMAC over its arrays, keyed by a digest of the
hidden tests and the reference (``calibration._secret``), which students never see. A file that is
missing, stale, forged or unreadable is ignored, and ``build()`` runs. Files are ``.npz`` read with
``allow_pickle=False``: plain arrays only.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograder.config import Course
from autograder.files import write_atomic

__all__ = ["DataCache"]

_MAC = "__mac__"
_NUMERIC_KINDS = frozenset("biuf")


class DataCache:
    """The ``data_cache`` fixture: ``arrays(name, key, build)``."""

    _memory: dict[tuple[str, str], dict[str, np.ndarray]] = {}  # per process: (course secret, file name)

    def __init__(self, course: Course) -> None:
        self._course = course
        self._secret: bytes | None = None

    def arrays(self, name: str, key: Any, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The arrays ``build()`` makes for ``key``: from memory, from the cache folder, or made now (and kept).

        ``key`` must be JSON (it names the file); ``build`` must depend on nothing else. Each call returns
        fresh copies, so a test that changes its arrays cannot change another's.
        """
        from autograder.grading import calibration

        file_name = self._file_name(name, key)
        secret = self._mac_key()
        memo = (secret.hex(), file_name)
        if memo not in self._memory:
            found = None
            if calibration.enabled():
                for folder in calibration.cache_dirs(self._course):
                    found = _read(folder / file_name, secret)
                    if found is not None:
                        break
            if found is None:
                found = _checked(build(), name)
                if calibration.enabled():
                    _save(self._course, file_name, found, secret)
            self._memory[memo] = found
        return {k: v.copy() for k, v in self._memory[memo].items()}

    def _file_name(self, name: str, key: Any) -> str:
        ident = json.dumps(
            {"name": name, "key": key, "numpy": np.__version__, "python": list(sys.version_info[:3])},
            sort_keys=True,
            separators=(",", ":"),
        )
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40]
        return f"data-{safe}-{hashlib.sha256(ident.encode()).hexdigest()[:20]}.npz"

    def _mac_key(self) -> bytes:
        if self._secret is None:
            from autograder.grading.calibration import _secret

            self._secret = hashlib.sha256(b"autograder data cache v1\0" + _secret(self._course)).digest()
        return self._secret


def _checked(arrays: Any, name: str) -> dict[str, np.ndarray]:
    if not isinstance(arrays, dict) or not arrays:
        raise TypeError(f"data_cache.arrays({name!r}, ...): build() must return a dict of numpy arrays")
    out = {}
    for k, v in arrays.items():
        if not isinstance(k, str) or k == _MAC or not isinstance(v, np.ndarray) or v.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"data_cache.arrays({name!r}, ...): {k!r} is not a numeric numpy array")
        out[k] = np.ascontiguousarray(v)
    return out


def _mac(arrays: dict[str, np.ndarray], secret: bytes) -> str:
    h = hmac.new(secret, digestmod=hashlib.sha256)
    for k in sorted(arrays):
        a = arrays[k]
        h.update(json.dumps([k, a.dtype.str, list(a.shape)]).encode() + b"\0")
        h.update(a.tobytes())
    return h.hexdigest()


def _read(path: Path, secret: bytes) -> dict[str, np.ndarray] | None:
    try:
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception:  # noqa: BLE001 - anything unreadable is just not used
        return None
    mac = arrays.pop(_MAC, None)
    try:
        arrays = _checked(arrays, path.name)
    except TypeError:
        return None
    if mac is None or not hmac.compare_digest(bytes(mac).decode("ascii", "replace"), _mac(arrays, secret)):
        return None
    return arrays


def _save(course: Course, file_name: str, arrays: dict[str, np.ndarray], secret: bytes) -> None:
    from autograder.grading.calibration import _writable_dir

    folder = _writable_dir(course)
    if folder is None:
        return
    buf = io.BytesIO()
    entries: dict[str, Any] = {**arrays, _MAC: np.frombuffer(_mac(arrays, secret).encode(), dtype=np.uint8)}
    np.savez(buf, **entries)
    try:
        write_atomic(folder / file_name, buf.getvalue())
    except OSError:
        pass  # only speed is lost
