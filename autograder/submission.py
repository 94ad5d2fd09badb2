"""A submission: its type, reading it from disk into plain bytes, its hash and its JSON form.

A submission is a folder of the student's modules (``activations.py``,
``neuron.py``, ...) or notebooks (``activations.ipynb``, ...). Only regular
files are read (never symlinks, which could point at the solutions), with
bounded count and size. Nothing here imports or runs student code.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.errors import SubmissionError

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "Submission",
    "content_hash",
    "load_submission",
    "submission_files",
    "submission_from_json",
    "submission_to_json",
]

MAX_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class Submission:
    """A submission as the grader sees it: a label and the bytes of its modules."""

    label: str
    files: dict[str, bytes]
    problems: tuple[str, ...] = ()
    extra: dict[str, Path] = field(default_factory=dict)


def content_hash(sub: Submission) -> str:
    """A hash of exactly what is graded: each module's name and bytes (notebooks already turned into modules)."""
    h = hashlib.sha256()
    for name in sorted(sub.files):
        data = sub.files[name]
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    for problem in sub.problems:
        h.update(b"problem\0" + problem.encode("utf-8", "replace"))
    return h.hexdigest()[:24]


def submission_to_json(sub: Submission) -> dict[str, Any]:
    """Plain JSON for a job process or a Dask worker (files in base64)."""
    if sub.extra:
        raise ValueError("submissions with extra files cannot be sent to a job")
    return {
        "label": sub.label,
        "files": {name: base64.b64encode(data).decode("ascii") for name, data in sub.files.items()},
        "problems": list(sub.problems),
    }


def submission_from_json(d: dict[str, Any]) -> Submission:
    files = {str(name): base64.b64decode(data) for name, data in d["files"].items()}
    return Submission(label=str(d["label"]), files=files, problems=tuple(d.get("problems", ())))


def submission_files(folder: Path) -> list[Path]:
    """The files of a submission folder that the grader reads (.py modules and .ipynb notebooks)."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise SubmissionError(
            f"{folder}: no such submission folder; pass the folder that holds the student's .py files"
        )
    found = [
        p
        for p in sorted(folder.iterdir())
        if p.suffix in (".py", ".ipynb") and p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    ]
    if len(found) > MAX_FILES:
        raise SubmissionError(f"{folder}: more than {MAX_FILES} files; hand in only your modules")
    return found


def load_submission(path: Path | str, label: str | None = None) -> Submission:
    """Read a submission folder (or one file) into a ``Submission``."""
    path = Path(path)
    files: dict[str, bytes] = {}
    notebooks: dict[str, bytes] = {}
    problems: list[str] = []
    for f in submission_files(path):
        size = f.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(f"{f.name} is larger than {MAX_FILE_BYTES // 1024} KiB and was not graded")
            continue
        (notebooks if f.suffix == ".ipynb" else files)[f.name] = f.read_bytes()
    if notebooks:
        from autograder.notebooks.read import modules_from_notebooks

        # the .py contents, so a worked notebook beats an untouched stub of the same lesson
        nb_files, nb_problems = modules_from_notebooks(notebooks, existing=dict(files))
        files.update(nb_files)
        problems.extend(nb_problems)
    name = label or (path.stem if path.is_file() else path.resolve().name)
    return Submission(label=name, files=files, problems=tuple(problems))
