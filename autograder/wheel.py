"""The autograder as a wheel, for a student repository to install from itself.

``autograder release`` puts ``wheels/neurons_autograder-<version>-py3-none-any.whl``
into the student repository and names it in ``requirements.txt``, so a student's
``python -m pip install -r requirements.txt`` installs the very autograder the
course was released with, from the repository, on Linux, macOS and Windows: no
package index is asked for it (nobody can register the name and serve something
else), and it works offline once the third-party dependencies are there.

The wheel is written here, not by a build backend: it is the installed
``autograder`` package's ``.py`` files plus the metadata pip needs, in a
deterministic zip (fixed timestamps, sorted names), so releasing twice gives
the same bytes and the student repository's history stays quiet. Its
dependencies are the installed distribution's own, less the extras
(markers such as ``sys_platform == "linux"`` are kept as they are).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import re
import zipfile
from pathlib import Path

from . import __version__
from .errors import AutograderError

__all__ = ["DISTRIBUTION", "build_wheel", "wheel_name"]

DISTRIBUTION = "neurons-autograder"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the oldest time a zip can hold: the same bytes every time
_SKIP_DIRS = {"__pycache__"}


def wheel_name(version: str = __version__) -> str:
    return f"{DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl"


def _requirements() -> list[str]:
    """The installed distribution's dependencies, without the optional extras."""
    try:
        requires = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise AutograderError(
            f"{DISTRIBUTION} is not installed, so its dependencies are unknown; install it "
            "(python -m pip install -e . in the autograder's repository) or pass --pip SPEC"
        ) from None
    return [r for r in requires if not re.search(r"\bextra\s*==", r)]


def _summary() -> str:
    try:
        return importlib.metadata.metadata(DISTRIBUTION).get("Summary", "") or ""
    except importlib.metadata.PackageNotFoundError:
        return ""


def _package_files() -> list[tuple[str, bytes]]:
    root = Path(__file__).resolve().parent
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root.parent)
        if not path.is_file() or _SKIP_DIRS & set(rel.parts) or path.suffix in (".pyc", ".pyo"):
            continue
        files.append((rel.as_posix(), path.read_bytes()))
    return files


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder: Path | str) -> Path:
    """Write the wheel into ``folder``; returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{DISTRIBUTION.replace('-', '_')}-{__version__}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {DISTRIBUTION}",
        f"Version: {__version__}",
        f"Summary: {_summary()}",
        "Requires-Python: >=3.10",
        *(f"Requires-Dist: {r}" for r in _requirements()),
    ]
    files = _package_files() + [
        (f"{info}/METADATA", ("\n".join(metadata) + "\n").encode("utf-8")),
        (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: autograder release\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        (f"{info}/entry_points.txt", b"[console_scripts]\nautograder = autograder.cli:main\n"),
    ]
    record = "\n".join([*(_record_line(n, d) for n, d in files), f"{info}/RECORD,,"]) + "\n"
    files.append((f"{info}/RECORD", record.encode("utf-8")))
    target = folder / wheel_name()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            entry = zipfile.ZipInfo(name, date_time=_EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return target
