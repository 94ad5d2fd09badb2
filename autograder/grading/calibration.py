"""Calibration as an artefact: hypothesis's recorded inputs, saved once and read by every grading process.

A calibration (``autograder.grading.replay``) grades the reference once while
recording the inputs hypothesis gives each hidden test. A batch job does it
at start-up; this module keeps the result in a file so that a *single*
submission (``autograder grade DIR``, a Gradescope or Classroom 50 run) also
replays instead of running hypothesis, and no process calibrates twice.

The file (``calibration-<key>.json``) holds, per hidden test the reference
passes, the recorded inputs (encoded like the sandbox's wire frames: JSON
plus raw array bytes, never pickle) and whether ``assume`` rejected each;
per test, the calls it made into the reference through the sandbox and a
fingerprint of each answer (``autograder.sandbox.scripts``); and the
reference's memoised answers (``ReferenceModules.memo``), so a single
submission does not run the reference again for the recorded inputs. The
answers are the reference's own, computed by the trusted side when the
file was made; the MAC below is what keeps them so.

Where it lives: ``<course>/.autograder-cache/`` (ignored by git), or the
user's cache folder (``$XDG_CACHE_HOME/autograder``) when the course folder
is read-only. ``autograder build`` writes it, the first grading process
writes it when none is there, and ``write_artefact(course, path)`` puts it
where a bundle builder wants it (the Gradescope zip carries one).

Why a bad file costs speed but never a grade:

- Stale: the file name and its ``key`` hold the suite hash (course.yaml,
  hidden tests, reference), the hypothesis, numpy and Python versions and a
  digest of the engine files that shape generation (and of any conftest.py
  between the course root and the hidden tests). Anything else is not
  loaded, and grading runs hypothesis as without the file.
- Tampered: replay only ever makes a test *pass*, so forged inputs (weak
  ones a wrong submission survives) and forged reference answers (a wrong
  one a wrong submission matches) are the danger. The file carries an
  HMAC over its whole content, keyed by a digest of the course's hidden
  tests and reference solutions, which students never see; a file that
  fails the check, or the strict decoding after it, is ignored.
- Inexact: every recorded value must come back from its encoding
  identical (type, dtype, shape, bytes); a test with any other value is
  left out of the file and runs under hypothesis.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from autograder.config import Course
from autograder.files import write_atomic
from autograder.grading.book import MAX_EXAMPLES_PER_TEST, ExampleBook, _Recording
from autograder.sandbox.scripts import PredictedCall, Script

__all__ = [
    "artefact_key",
    "cache_dirs",
    "load_book",
    "write_artefact",
    "save_book",
    "save_to_cache",
    "calibrated_book",
    "ensure_artefact",
    "existing_artefact",
    "FORMAT",
]

FORMAT = "autograder-calibration/3"
CACHE_FOLDER = ".autograder-cache"
ENV = "AUTOGRADER_CALIBRATION"  # "0": never read or write artefacts
_MAX_FILE_BYTES = 256 * 1024 * 1024
# Engine files whose change can change the inputs hypothesis draws (strategies) or what replay does.
_ENGINE_FILES = (
    "strategies.py",
    "grading/_hypothesis.py",
    "testing.py",
    "grading/replay.py",
    "grading/book.py",
    "grading/calibration.py",
    "sandbox/wire.py",
    "sandbox/scripts.py",
    "sandbox/session.py",  # what a test may read besides its answers (``Script.verifiable``)
)


def enabled() -> bool:
    return os.environ.get(ENV, "1") != "0"


# ----------------------------------------------------------------------------- keys


def artefact_key(course: Course) -> dict[str, str]:
    """What an artefact must match to be used: the suite, the versions, the engine's generation code."""
    engine = hashlib.sha256()
    here = Path(__file__).resolve().parents[1]  # the autograder package
    for name in _ENGINE_FILES:
        engine.update(name.encode() + b"\0" + (here / name).read_bytes())
    # conftest.py files above the hidden tests (the suite hash covers those inside) can shape them too
    root, tests = course.root.resolve(), course.tests_dir.resolve()
    for folder in (p for p in tests.parents if p == root or root in p.parents):
        if (folder / "conftest.py").is_file():
            engine.update(str(folder).encode() + b"\0" + (folder / "conftest.py").read_bytes())
    return {
        "format": FORMAT,
        "suite": course.suite_hash(),
        "hypothesis": _version("hypothesis"),
        "numpy": _version("numpy"),
        "python": ".".join(map(str, sys.version_info[:3])),
        "engine": engine.hexdigest()[:16],
    }


def _version(package: str) -> str:
    """The version a grading process would import, without importing it here (a class run's parent
    only checks the artefact: hypothesis alone takes ~0.17 s to import)."""
    module = sys.modules.get(package)
    if module is not None:
        return str(module.__version__)
    from importlib.metadata import version

    return version(package)


def _file_name(key: dict[str, str]) -> str:
    return f"calibration-{hashlib.sha256(_canonical(key)).hexdigest()[:20]}.json"


def _secret(course: Course) -> bytes:
    """The HMAC key: a digest of what students never see (hidden tests, reference), domain-separated
    from the public suite hash (which reports carry)."""
    h = hashlib.sha256(b"autograder calibration secret v1\0")
    for folder in (course.tests_dir, course.reference_dir):
        for f in sorted(folder.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(folder)).encode() + b"\0")
                h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.digest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


# ----------------------------------------------------------------------------- where


def cache_dirs(course: Course) -> list[Path]:
    """Folders searched for an artefact, in order: the course's own, then the user's cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [course.root / CACHE_FOLDER, Path(base) / "autograder"]


def _writable_dir(course: Course) -> Path | None:
    for folder in cache_dirs(course):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if folder.name == CACHE_FOLDER and not (folder / ".gitignore").exists():
                (folder / ".gitignore").write_text("*\n")
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    return None


# ----------------------------------------------------------------------------- writing


def _encode_recording(rec: _Recording) -> dict[str, Any] | None:
    """One test's inputs as a wire frame; None when a value would not come back identical."""
    from autograder.sandbox import wire

    try:
        header, buffers = wire.encode(rec.kwargs)
        back = wire.decode(header, [len(b) for b in buffers], b"".join(buffers))
    except (wire.WireError, RecursionError):
        return None
    if not _identical(rec.kwargs, back):
        return None
    return {
        "valid": list(rec.valid),
        "header": header.decode(),
        "sizes": [len(b) for b in buffers],
        "payload": base64.b64encode(b"".join(buffers)).decode("ascii"),
    }


def _encode_script(script: Script) -> dict[str, Any]:
    """One test's predicted calls: the request frames back to back, and per call its module, its
    fingerprint and the fingerprint of the reference's answer."""
    return {
        "calls": [[c.module, c.func, c.key, c.answer] for c in script.calls],
        "verifiable": script.verifiable,
        "records": [list(r) for r in script.records],
        "lengths": [len(c.frame) for c in script.calls],
        "frames": _b64(b"".join(c.frame for c in script.calls)),
    }


def _decode_script(entry: Any) -> Script:
    if not isinstance(entry, dict) or set(entry) != {"calls", "lengths", "frames", "verifiable", "records"}:
        raise ValueError("malformed script entry")
    calls, lengths = entry["calls"], entry["lengths"]
    if not isinstance(lengths, list) or not all(type(n) is int and n > 0 for n in lengths):
        raise ValueError("malformed script lengths")
    frames = base64.b64decode(str(entry["frames"]), validate=True)
    if not isinstance(calls, list) or len(calls) != len(lengths) or sum(lengths) != len(frames):
        raise ValueError("script calls do not match")
    out, at = [], 0
    for call, n in zip(calls, lengths):
        if not (isinstance(call, list) and len(call) == 4 and all(isinstance(x, str) for x in call)):
            raise ValueError("malformed script call")
        out.append(PredictedCall(frames[at : at + n], *call))
        at += n
    records = entry["records"]
    if type(entry["verifiable"]) is not bool or not isinstance(records, list):
        raise ValueError("malformed script entry")
    if not all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r) for r in records):
        raise ValueError("malformed script records")
    return Script(out, verifiable=entry["verifiable"], records=tuple((k, v) for k, v in records))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decode_memo(entries: Any) -> dict[bytes, tuple[bytes, list[int], bytes]]:
    """One module's memoised reference answers (``ReferenceModules.memo``), strictly typed."""
    if not isinstance(entries, list):
        raise ValueError("malformed memo")
    out = {}
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 4 and isinstance(entry[1], str)
                and isinstance(entry[2], list) and all(type(n) is int and n >= 0 for n in entry[2])):  # fmt: skip
            raise ValueError("malformed memo entry")
        payload = base64.b64decode(str(entry[3]), validate=True)
        if sum(entry[2]) != len(payload):
            raise ValueError("memo answer sizes do not match")
        out[base64.b64decode(str(entry[0]), validate=True)] = (entry[1].encode(), list(entry[2]), payload)
    return out


def _identical(a: Any, b: Any) -> bool:
    """Same types all the way down, arrays with the same dtype, shape, layout and bytes, floats bit for bit."""
    import numpy as np

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (a.dtype == b.dtype and a.shape == b.shape and a.flags.c_contiguous == b.flags.c_contiguous
                and a.flags.f_contiguous == b.flags.f_contiguous and a.tobytes() == b.tobytes())  # fmt: skip
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_identical(a[k], b[k]) for k in a)
    return bool(a == b)


def save_book(course: Course, book: ExampleBook, path: Path) -> Path:
    """Write ``book`` (a calibration of ``course``) as an artefact file at ``path`` (atomically)."""
    tests = {}
    for name, rec in sorted(book.tests.items()):
        if rec.replayable and (encoded := _encode_recording(rec)) is not None:
            tests[name] = encoded
    scripts = {name: _encode_script(script) for name, script in sorted(book.scripts.items())}
    memo = {
        module: [
            [_b64(key), header.decode(), sizes, _b64(payload)] for key, (header, sizes, payload) in entries.items()
        ]
        for module, entries in sorted(book.memo.items())
    }
    body = {"key": artefact_key(course), "tests": tests, "reference": book.reference, "scripts": scripts, "memo": memo}
    doc = {**body, "mac": hmac.new(_secret(course), _canonical(body), hashlib.sha256).hexdigest()}
    return write_atomic(path, _canonical(doc))


def calibrate(course: Course, isolation: str | None = None, trusted_code: bool = False) -> ExampleBook:
    """Grade the reference through the sandbox, recording hypothesis's inputs (``autograder.grading.replay``).

    ``trusted_code`` as for ``grade``: the level the caller grades at (``process`` needs it)."""
    from autograder.classes.jobs import Grader

    grader = Grader(course, isolation=isolation, trusted_code=trusted_code)
    grader.calibrate()
    assert grader.book is not None
    return grader.book


def write_artefact(course: Course, path: Path | None = None, *, isolation: str | None = None) -> Path:
    """Calibrate ``course`` and write the artefact: to ``path`` (a folder or a file), else to the cache.

    For bundle builders: a folder named ``.autograder-cache`` inside the bundled course is where
    grading looks first.
    """
    if path is None:
        folder = _writable_dir(course)
        if folder is None:
            raise OSError(f"no writable cache folder for the calibration ({', '.join(map(str, cache_dirs(course)))})")
        path = folder
    path = Path(path)
    target = path / _file_name(artefact_key(course)) if path.is_dir() or not path.suffix else path
    return save_book(course, calibrate(course, isolation), target)


def ensure_artefact(course: Course, *, isolation: str | None = None) -> tuple[Path, str]:
    """A valid artefact for ``course`` as it is now (the cached one, else a new one) and the name
    bundles give it, relative to the course root (``.autograder-cache/calibration-<key>.json``)."""
    found = existing_artefact(course)
    if found is not None:
        return found
    name = _file_name(artefact_key(course))
    return write_artefact(course, isolation=isolation), f"{CACHE_FOLDER}/{name}"


def existing_artefact(course: Course) -> tuple[Path, str] | None:
    """The valid artefact already cached for ``course`` and its name in a bundle, or None (nothing is made)."""
    if not enabled():
        return None
    key = artefact_key(course)
    name = _file_name(key)
    for folder in cache_dirs(course):
        if _read(course, key, folder / name) is not None:
            return folder / name, f"{CACHE_FOLDER}/{name}"
    return None


# ----------------------------------------------------------------------------- reading


def load_book(course: Course, path: Path | None = None) -> ExampleBook | None:
    """The artefact for ``course`` as it is now, strictly checked; None when missing, stale or forged."""
    key = artefact_key(course)
    candidates = [path] if path is not None else [d / _file_name(key) for d in cache_dirs(course)]
    for file in candidates:
        book = _read(course, key, file)
        if book is not None:
            return book
    return None


def _read(course: Course, key: dict[str, str], file: Path) -> ExampleBook | None:
    try:
        if not file.is_file() or file.stat().st_size > _MAX_FILE_BYTES:
            return None
        doc = json.loads(file.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    parts = ("key", "tests", "reference", "scripts", "memo")
    if not isinstance(doc, dict) or set(doc) != {*parts, "mac"} or doc["key"] != key:
        return None
    mac = doc["mac"]
    body = {part: doc[part] for part in parts}
    expected = hmac.new(_secret(course), _canonical(body), hashlib.sha256)
    if not isinstance(mac, str) or not hmac.compare_digest(mac, expected.hexdigest()):
        return None
    try:
        tests = {str(name): _decode_recording(entry) for name, entry in _items(doc["tests"])}
        reference = _reference(doc["reference"])
        scripts = {str(name): _decode_script(entry) for name, entry in _items(doc["scripts"])}
        memo = {str(module): _decode_memo(entries) for module, entries in _items(doc["memo"])}
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return ExampleBook(key["suite"], tests=tests, reference=reference, scripts=scripts, memo=memo)


def _reference(entry: Any) -> dict[str, Any] | None:
    """How the reference did at calibration (what a batch warns about), strictly typed; None if not recorded."""
    if entry is None:
        return None
    if not isinstance(entry, dict) or set(entry) != {"reference_score", "max_score", "not_passed"}:
        raise ValueError("malformed reference outcome")
    scores = (entry["reference_score"], entry["max_score"])
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scores):
        raise ValueError("malformed reference scores")
    missed = entry["not_passed"]
    if not isinstance(missed, list) or not all(isinstance(n, str) for n in missed):
        raise ValueError("malformed reference failures")
    return dict(entry)


def _items(tests: Any) -> list[tuple[str, Any]]:
    if not isinstance(tests, dict):
        raise ValueError("tests must be a mapping")
    return list(tests.items())


def _decode_recording(entry: Any) -> _Recording:
    from autograder.sandbox import wire

    if not isinstance(entry, dict) or set(entry) != {"valid", "header", "sizes", "payload"}:
        raise ValueError("malformed test entry")
    valid, sizes = entry["valid"], entry["sizes"]
    if not isinstance(valid, list) or not all(type(v) is bool for v in valid) or len(valid) > MAX_EXAMPLES_PER_TEST:
        raise ValueError("malformed outcomes")
    if not isinstance(sizes, list) or not all(type(n) is int for n in sizes):
        raise ValueError("malformed sizes")
    kwargs = wire.decode(str(entry["header"]).encode(), sizes, base64.b64decode(str(entry["payload"]), validate=True))
    if not isinstance(kwargs, list) or len(kwargs) != len(valid) or not all(isinstance(k, dict) for k in kwargs):
        raise ValueError("inputs do not match outcomes")
    return _Recording(kwargs=kwargs, valid=valid, replayable=True)


# ----------------------------------------------------------------------------- for grading


def calibrated_book(
    course: Course, isolation: str | None = None, trusted_code: bool = False, *, create: bool = True
) -> ExampleBook | None:
    """The book a grading process replays: the artefact if valid, else (``create``) a new calibration
    saved to the cache for later processes. None when artefacts are off or nothing could be made."""
    if not enabled():
        return None
    book = load_book(course)
    if book is not None or not create:
        return book
    if _writable_dir(course) is None:
        return None
    try:
        book = calibrate(course, isolation, trusted_code)
    except Exception:  # noqa: BLE001 - grading without replay then meets (and reports) the same problem itself
        return None
    save_to_cache(course, book)
    return book


def save_to_cache(course: Course, book: ExampleBook) -> Path | None:
    """Leave ``book`` in the course's cache for later processes; None when no cache folder can be written
    (only speed is lost)."""
    folder = _writable_dir(course)
    if folder is None:
        return None
    try:
        return save_book(course, book, folder / _file_name(artefact_key(course)))
    except OSError:
        return None
