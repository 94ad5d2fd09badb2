"""The correct-but-different implementations kept in the repository (``tests/catalogue``).

The catalogue is a Python package: ``all_variants()`` lists ``Variant``
entries (``id``, ``module``, ``functions``, ...) and ``build(folder, entry)``
writes a complete submission with one entry applied. The audit imports it
from a folder (it is test code, not part of the grader) under a private
module name, so any course can point ``--catalogue`` at its own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.errors import ConfigError
from autograder.submission import Submission, load_submission

__all__ = ["Catalogue", "load_catalogue"]


@dataclass(frozen=True)
class Catalogue:
    """The variants of a catalogue package and its ``build`` function."""

    folder: Path
    variants: tuple[Any, ...]
    build: Callable[[Path, Any], Path]

    def submission(self, variant: Any, workdir: Path) -> Submission:
        """Write the variant's full submission under ``workdir`` and read it back as a ``Submission``."""
        folder = self.build(workdir / variant.id, variant)
        return load_submission(folder, label=f"variant:{variant.id}")


def load_catalogue(folder: Path | None) -> Catalogue | None:
    """Import the catalogue package in ``folder``; None when ``folder`` is None or does not exist."""
    if folder is None or not folder.exists():
        return None
    init = folder / "__init__.py"
    if not init.is_file():
        raise ConfigError(f"{folder}: not a catalogue package (no __init__.py with all_variants() and build())")
    name = "_autograder_audit_catalogue_" + hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
        if spec is None or spec.loader is None:
            raise ConfigError(f"{folder}: cannot be imported as a package")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the catalogue is course code: any failure is a config error
            del sys.modules[name]
            raise ConfigError(f"{folder}: importing the catalogue failed ({type(exc).__name__}: {exc})") from None
    for needed in ("all_variants", "build"):
        if not callable(getattr(module, needed, None)):
            raise ConfigError(f"{folder}: the catalogue package has no {needed}()")
    try:
        variants = tuple(module.all_variants())
    except Exception as exc:  # noqa: BLE001 - the catalogue is course code: any failure is a config error
        raise ConfigError(f"{folder}: all_variants() failed ({type(exc).__name__}: {exc})") from None
    ids = [v.id for v in variants]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{folder}: variant ids must be unique; repeated: {', '.join(duplicates)}")
    return Catalogue(folder=folder, variants=variants, build=module.build)
