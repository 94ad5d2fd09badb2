"""The ``reference`` fixture: the solution modules, imported normally, with memoised answers.

Reference code is trusted, so it runs in the grading process. Because
grading is derandomized, every submission is tested on the same inputs; the
answer for each input is computed once and reused (stored as a wire frame,
so every caller gets a fresh copy it may modify).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.sandbox import wire

__all__ = ["ReferenceModules"]

Answer = tuple[bytes, list[int], bytes]  # a memoised answer as a wire frame: header, buffer sizes, buffers

# An input whose encoding is larger than this is keyed by its digest (a training set of pictures is
# megabytes); a smaller one by its encoding itself. A digest key starts with "#", an encoding with "[".
_DIGEST_KEY_ABOVE = 4 << 10


class ReferenceModules:
    """``reference.activations.sigmoid(z)`` calls the solution; answers are cached by input."""

    def __init__(self, folder: Path, *, cache: bool = True) -> None:
        self._folder = Path(folder)
        self._cache_enabled = cache
        self._modules: dict[str, _CachedModule] = {}
        self._preloaded: dict[str, dict[bytes, Answer]] = {}
        self.hits = 0
        self.misses = 0

    def memo(self, max_answer_bytes: int = 64 << 10) -> dict[str, dict[bytes, Answer]]:
        """The memoised answers per module (the calibration artefact keeps them), leaving out any
        answer larger than ``max_answer_bytes`` (its key is at most a few KiB: see ``_key``)."""
        out: dict[str, dict[bytes, Answer]] = {}
        for name, module in self._modules.items():
            kept = {k: a for k, a in module._cache.items() if len(a[0]) + len(a[2]) <= max_answer_bytes}
            if kept:
                out[name] = kept
        return out

    def preload(self, memo: dict[str, dict[bytes, Answer]]) -> None:
        """Start from answers memoised by an earlier process (from the calibration artefact, which is
        checked before it is used): the reference is not run again for those inputs."""
        for name, entries in memo.items():
            self._preloaded.setdefault(name, {}).update(entries)
            if name in self._modules:
                self._modules[name]._cache.update(entries)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._modules:
            self._modules[name] = _CachedModule(self, self._import(name))
            self._modules[name]._cache.update(self._preloaded.get(name, {}))
        return self._modules[name]

    def __repr__(self) -> str:
        return "<reference>"

    def module(self, name: str) -> Any:
        """The real module object (uncached), e.g. to read constants."""
        return self._import(name)

    def _import(self, name: str) -> Any:
        folder = str(self._folder)
        if sys.path[:1] != [folder]:
            if folder in sys.path:
                sys.path.remove(folder)
            sys.path.insert(0, folder)
        _forget_other_references(self._folder.resolve())
        module = importlib.import_module(name)
        _LOADED[name] = self._folder.resolve()
        origin = Path(getattr(module, "__file__", "") or "").resolve()
        if origin.parent != self._folder.resolve():
            raise ImportError(f"reference module {name!r} resolved to {origin}, not to {self._folder}")
        return module


# Reference modules imported in this process, by name -> their folder. A process can meet more than
# one reference folder with the same module names (a Dask worker grading two versions of a course,
# tests grading a temporary course): importing from one folder first forgets the others' modules,
# so ``import activations`` never returns another course's solution.
_LOADED: dict[str, Path] = {}


def _forget_other_references(folder: Path) -> None:
    for name, where in list(_LOADED.items()):
        if where != folder:
            sys.modules.pop(name, None)
            del _LOADED[name]


class _CachedModule:
    def __init__(self, owner: ReferenceModules, module: Any) -> None:
        self._owner = owner
        self._module = module
        self._cache: dict[bytes, Answer] = {}

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if not callable(value) or not self._owner._cache_enabled or isinstance(value, type):
            return value
        return self._cached(value)

    def _cached(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                key = _key(wire.encode([func.__name__, list(args), kwargs]))
            except wire.WireError:
                return func(*args, **kwargs)
            hit = self._cache.get(key)
            if hit is None:
                self._owner.misses += 1
                result = func(*args, **kwargs)
                try:
                    r_header, r_buffers = wire.encode(result)
                except wire.WireError:
                    return result
                hit = (r_header, [len(b) for b in r_buffers], b"".join(r_buffers))
                if len(self._cache) < 100_000:
                    self._cache[key] = hit
                return result
            self._owner.hits += 1
            return wire.decode(*hit)

        call.__name__ = func.__name__
        call.__doc__ = func.__doc__
        return call


def _key(encoded: tuple[bytes, list[bytes]]) -> bytes:
    """The memo key of an encoded call: its bytes, or for a large one a digest of them."""
    header, buffers = encoded
    if len(header) + sum(len(b) for b in buffers) <= _DIGEST_KEY_ABOVE:
        return header + b"".join(buffers)
    return b"#" + bytes.fromhex(wire.digest(encoded))
