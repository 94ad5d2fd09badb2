"""A pure-Python wheel of the ``autograder`` package, built with the standard library alone.

Grading bundles (Classroom 50's ``autograders/ASSIGNMENT/``) install the
grader offline from a wheel shipped beside them, and a released student
repository installs it from its own ``wheels/`` (named by path in its
requirements.txt: no package index is asked for it, so nobody can register
the name and serve something else), and a course repository
installed from PyPI has no build backend at hand. The wheel holds exactly the
``autograder/`` package (no course content) and a ``.dist-info`` with the
installed distribution's metadata (or pyproject.toml's, from a source
checkout): name, version, Requires-Python, Requires-Dist, the ``autograder``
console script. Timestamps are fixed, so the same sources give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder import __version__
from autograder.errors import AutograderError

__all__ = ["DIST_NAME", "WheelInfo", "base_requirements", "build_wheel", "project_metadata", "wheel_name"]

DIST_NAME = "neurons-autograder"
PACKAGE = Path(__file__).resolve().parents[1]
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class WheelInfo:
    name: str
    version: str
    requires_python: str
    requires_dist: tuple[str, ...]
    summary: str = ""


def project_metadata() -> WheelInfo:
    """This autograder's metadata: from pyproject.toml beside the package, else from the installed distribution."""
    pyproject = PACKAGE.parent / "pyproject.toml"
    if pyproject.is_file():
        try:
            import tomllib
        except ImportError:  # Python 3.10
            tomllib = None  # type: ignore[assignment]
        if tomllib is not None:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
            if project.get("name") == DIST_NAME:
                deps = list(project.get("dependencies", []))
                for extra, reqs in (project.get("optional-dependencies") or {}).items():
                    deps += [f'{r}; extra == "{extra}"' for r in reqs]
                return WheelInfo(DIST_NAME, str(project.get("version", __version__)),
                                 str(project.get("requires-python", "")), tuple(deps), str(project.get("description", "")))  # fmt: skip
    try:
        meta = importlib.metadata.metadata(DIST_NAME)
    except importlib.metadata.PackageNotFoundError as exc:
        raise AutograderError(
            f"cannot build a wheel: {DIST_NAME} is not installed and there is no pyproject.toml next to {PACKAGE}; "
            f"install it (python -m pip install {DIST_NAME}) or run from the autograder's source checkout"
        ) from exc
    return WheelInfo(DIST_NAME, meta["Version"], _field(meta, "Requires-Python"),
                     tuple(meta.get_all("Requires-Dist") or ()), _field(meta, "Summary"))  # fmt: skip


def _field(meta: importlib.metadata.PackageMetadata, name: str) -> str:
    """A metadata field, or "" when it is absent (the PackageMetadata protocol has no ``get`` before 3.12)."""
    return (meta[name] if name in meta else None) or ""


def wheel_name(version: str = __version__) -> str:
    """The file name ``build_wheel`` gives this autograder's wheel."""
    return f"{re.sub(r'[-_.]+', '_', DIST_NAME)}-{version}-py3-none-any.whl"


def base_requirements(info: WheelInfo) -> list[str]:
    """The requirements without extras: what grading needs installed beside the wheel."""
    return [r for r in info.requires_dist if "extra ==" not in r.replace("'", '"')]


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def build_wheel(out_dir: Path | str, info: WheelInfo | None = None) -> Path:
    """Write ``neurons_autograder-VERSION-py3-none-any.whl`` into ``out_dir`` and return its path."""
    info = info or project_metadata()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dist = f"{re.sub(r'[-_.]+', '_', info.name)}-{info.version}"
    files: dict[str, bytes] = {}
    for f in sorted(PACKAGE.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo"):
            files[f"autograder/{f.relative_to(PACKAGE).as_posix()}"] = f.read_bytes()
    metadata = ["Metadata-Version: 2.1", f"Name: {info.name}", f"Version: {info.version}"]
    if info.summary:
        metadata.append(f"Summary: {info.summary}")
    if info.requires_python:
        metadata.append(f"Requires-Python: {info.requires_python}")
    # No extras: a bundle or a student repository installs the grader itself, never its extras, and
    # markers such as sys_platform == "linux" stay as written.
    metadata += [f"Requires-Dist: {r}" for r in base_requirements(info)]
    files[f"{dist}.dist-info/METADATA"] = ("\n".join(metadata) + "\n").encode("utf-8")
    files[f"{dist}.dist-info/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: autograder.authoring.wheel {__version__}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    files[f"{dist}.dist-info/entry_points.txt"] = b"[console_scripts]\nautograder = autograder.cli:main\n"
    files[f"{dist}.dist-info/top_level.txt"] = b"autograder\n"
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in files.items()]
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode("utf-8")
    path = out_dir / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data)
    return path
