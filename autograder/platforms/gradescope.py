"""Run as a Gradescope autograder: grade /autograder/submission, write /autograder/results/results.json.

``templates/gradescope/run_autograder`` calls ``python -m
autograder.platforms.gradescope``. Gradescope's layout, under a root that
``AUTOGRADER_ROOT`` (or ``--root``) can move for testing:

``source/``                   the autograder zip, unpacked (this repository: course.yaml, solutions/, tests/)
``submission/``               the student's files
``submission_metadata.json``  ``created_at`` (submission time), ``assignment.due_date``, ...
``results/results.json``      what Gradescope shows

The late policy (course.yaml) uses Gradescope's submission time and the
assignment's due date from the metadata (course.yaml's deadline when the
metadata has none), so extensions set in Gradescope are honoured.

``python -m autograder.platforms.gradescope --make-zip autograder.zip`` builds
the zip to upload: ``setup.sh`` and ``run_autograder`` at its top, then
course.yaml, the engine, the reference solutions and the hidden tests.

Outcomes: a graded submission always gets a results.json. A submission with
nothing gradable in it gets one with score 0 and a message saying which
files were expected. When the grader itself cannot run (a broken
course.yaml, hidden tests that do not match it) no results.json is written
and the exit status is 2: Gradescope then reports an autograder failure to
staff, who can fix it and regrade, instead of students receiving a wrong 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from autograder.config import Course, resolve_course
from autograder.errors import AutograderError, ConfigError, SubmissionError
from autograder.grading.grade import grade
from autograder.late import LateError, apply_late_policy, parse_time
from autograder.submission import submission_files
from autograder.writers.gradescope import failure_results, write_gradescope

__all__ = ["find_submission", "main", "make_zip", "read_metadata"]

ROOT_ENV = "AUTOGRADER_ROOT"
COURSE_ENV = "AUTOGRADER_COURSE"


def find_submission(folder: Path) -> Path:
    """The folder holding the student's modules: ``folder`` itself, or the one subfolder that has them.

    Students often upload a zip of their project folder; Gradescope then
    unpacks it one level down. Hidden folders (``__MACOSX``, ``.git``) are ignored.
    """
    if _gradable(folder):
        return folder
    candidates = [d for d in sorted(folder.rglob("*")) if d.is_dir() and not any(
        part.startswith((".", "__")) for part in d.relative_to(folder).parts) and _gradable(d)]  # fmt: skip
    if len(candidates) == 1:
        return candidates[0]
    return folder


def _gradable(folder: Path) -> bool:
    try:
        return any(f.suffix in (".py", ".ipynb") for f in submission_files(folder))
    except SubmissionError:
        return False


def read_metadata(root: Path) -> dict[str, Any]:
    file = root / "submission_metadata.json"
    if not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(f"warning: {file} is not readable JSON; no late policy applied", file=sys.stderr)
        return {}
    return data if isinstance(data, dict) else {}


def _times(meta: dict[str, Any], file: Path) -> tuple[Any, Any]:
    created = meta.get("created_at")
    due = (meta.get("assignment") or {}).get("due_date") if isinstance(meta.get("assignment"), dict) else None
    try:
        submitted = parse_time(created, source=f"{file}: created_at") if isinstance(created, str) else None
        deadline = parse_time(due, source=f"{file}: assignment.due_date") if isinstance(due, str) else None
    except LateError as exc:
        print(f"warning: {exc}; no late policy applied", file=sys.stderr)
        return None, None
    return submitted, deadline


ENGINE = Path(__file__).resolve().parents[1]  # the autograder package
TEMPLATES = ENGINE.parent / "templates" / "gradescope"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same zip


def make_zip(course: Course, out: Path, *, calibration: bool = True) -> Path:
    """Gradescope's autograder zip: setup.sh and run_autograder on top, the course beside them.

    With ``calibration`` the course's calibration artefact goes in too (made now if none is cached),
    so each submission replays hypothesis's recorded inputs instead of calibrating
    (``autograder.grading.calibration``).
    """
    root = course.root
    entries: dict[str, Path] = {}

    def add(path: Path, name: str) -> None:
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            entries[name] = path

    def tree(folder: Path, under: str) -> None:
        for f in sorted(folder.rglob("*")):
            add(f, f"{under}/{f.relative_to(folder).as_posix()}")

    for folder, key in ((course.reference_dir, "reference"), (course.tests_dir, "tests")):
        if root not in folder.parents:
            raise ConfigError(f"{course.path}: {key} ({folder}) must be inside {root} to be packed for Gradescope")
        tree(folder, folder.relative_to(root).as_posix())
    if course.data.path is not None and root in course.data.path.parents:
        if course.data.path.is_dir():
            tree(course.data.path, course.data.path.relative_to(root).as_posix())
        else:
            add(course.data.path, course.data.path.relative_to(root).as_posix())
    add(course.path, course.path.name)
    tree(ENGINE, "autograder")
    for name in ("pyproject.toml", "README.md"):
        add(ENGINE.parent / name, name)
    for name in ("setup.sh", "run_autograder"):
        add(TEMPLATES / name, name)
    if calibration:
        from autograder.grading.calibration import ensure_artefact

        artefact, name = ensure_artefact(course)
        add(artefact, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entries[name].read_bytes())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.platforms.gradescope", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_ENV, "/autograder")),
                        help=f"Gradescope's folder (default: ${ROOT_ENV} or /autograder)")  # fmt: skip
    parser.add_argument("--course", type=Path, default=None,
                        help=f"course.yaml (default: ${COURSE_ENV} or ROOT/source/course.yaml)")  # fmt: skip
    parser.add_argument("--make-zip", type=Path, default=None, metavar="FILE",
                        help="build the autograder zip to upload to Gradescope (course: --course or the nearest)")  # fmt: skip
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.make_zip:
        try:
            out = make_zip(resolve_course(args.course), args.make_zip)
        except AutograderError as exc:
            print(f"autograder: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {out}: upload it as the Gradescope assignment's autograder (Configure Autograder > Zip file)")
        return 0
    course_path = args.course or Path(os.environ.get(COURSE_ENV) or root / "source" / "course.yaml")
    results = root / "results" / "results.json"
    try:
        course = resolve_course(course_path)
    except AutograderError as exc:
        print(f"autograder: the course cannot be loaded, nothing was graded: {exc}", file=sys.stderr)
        return 2
    submission = find_submission(root / "submission")
    if not _gradable(submission):
        expected = ", ".join(f"{e.id}.py" for e in course.exercises)
        write_gradescope(failure_results(
            f"No Python files or notebooks were found in your submission. Upload {expected} "
            "(or the notebooks) directly, not inside another folder or archive."), results)  # fmt: skip
        print("autograder: nothing gradable in the submission; wrote a 0 with an explanation")
        return 0
    try:
        report = grade(submission, course, label="submission", calibrate=False)  # one-shot: the zip's artefact or none
    except SubmissionError as exc:
        write_gradescope(failure_results(f"Your submission could not be read: {exc}"), results)
        return 0
    except AutograderError as exc:
        print(f"autograder: grading could not run: {exc}", file=sys.stderr)
        return 2
    submitted, deadline = _times(read_metadata(root), root / "submission_metadata.json")
    report = apply_late_policy(report, course, submitted, deadline=deadline)
    write_gradescope(report, results)
    final = report.score if report.final_score is None else report.final_score
    print(f"autograder: {report.score:g}/{report.max_score:g}, final {final:g} (isolation: {report.isolation})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
