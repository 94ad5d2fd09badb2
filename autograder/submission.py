"""Reading a submission from disk into plain bytes for the sandbox.

A submission is a folder of the student's modules (``activations.py``,
``neuron.py``, ...) or notebooks (``activations.ipynb``, ...). Only regular
files are read (never symlinks, which could point at the solutions), with
bounded count and size. Nothing here imports or runs student code.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SubmissionError
from .plugin import Submission

__all__ = ["load_submission", "submission_files", "MAX_FILES", "MAX_FILE_BYTES"]

MAX_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024


def submission_files(folder: Path) -> list[Path]:
    """The files of a submission folder that the grader reads (.py modules and .ipynb notebooks)."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: no such submission folder; pass the folder that holds the student's .py files")
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
        from .notebooks import modules_from_notebooks

        # the .py contents, so a worked notebook beats an untouched stub of the same lesson
        nb_files, nb_problems = modules_from_notebooks(notebooks, existing=dict(files))
        files.update(nb_files)
        problems.extend(nb_problems)
    name = label or (path.stem if path.is_file() else path.resolve().name)
    return Submission(label=name, files=files, problems=tuple(problems))
