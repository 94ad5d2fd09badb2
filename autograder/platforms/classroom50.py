"""Classroom 50: grade the student's checkout into ./result.json, and build the bundle that does it.

Two halves, like ``gradescope_run`` for Gradescope:

``make_bundle(course, classroom_dir, assignment)``
    writes ``CLASSROOM_DIR/autograders/ASSIGNMENT/``: ``autograder.py`` (from
    ``templates/classroom50/``), the grader's wheel (``autograder.authoring.wheel``),
    ``requirements.txt``, ``course/`` (course.yaml, the reference solutions,
    the hidden tests, the data) and a README. At most 10 MB (Classroom 50's
    cap for a bundle on the Pages site). Everything in it is readable by
    anyone who finds that site: unchangeable by students, not secret.

``python -m autograder.platforms.classroom50 --course C --submission DIR --out result.json``
    what ``autograder.py`` runs once the wheel is installed. It grades DIR
    (the top-level ``.py`` and ``.ipynb`` files of the checkout) with the
    bundled course, then writes ``release-body.md`` (``--release-body``), the
    ``status=`` and ``summary=`` lines of ``$GITHUB_OUTPUT``, and the result
    last (a temporary file, then a rename), from this process, after every
    sandbox worker is gone.

Outcomes: a graded submission gets its result (exit 0). A submission with
nothing gradable gets 0 with an entry naming the expected files (status
failure). A submission the grader cannot read, or that makes it crash, gets 0
with an entry saying so (status error), and still exit 0. A broken course
(course.yaml, hidden tests that do not match it, no usable sandbox) writes no
result and exits 2: Classroom 50 records no score, the teacher fixes the bundle
and regrades, and no student receives a wrong 0.

Lateness: Classroom 50 stamps the submission time itself (the graded commit's
date, in ``datetime``) and marks late submissions when it collects scores, so
no late penalty is applied here.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from autograder import __version__
from autograder.authoring.release import find_resource
from autograder.authoring.wheel import base_requirements, build_wheel, project_metadata
from autograder.config import Course, resolve_course
from autograder.errors import AutograderError, ConfigError, SubmissionError
from autograder.files import write_atomic
from autograder.grading.grade import grade
from autograder.submission import submission_files
from autograder.writers import View
from autograder.writers._common import fence
from autograder.writers.classroom50 import (
    classroom50_error,
    classroom50_result,
    status_of,
    submission_fields,
    summary_line,
    write_classroom50,
)
from autograder.writers.markdown import markdown_report

__all__ = ["BUNDLE_LIMIT", "make_bundle", "main"]

BUNDLE_LIMIT = 10 * 1000 * 1000  # bytes: Classroom 50's cap for one assignment's bundle
TEMPLATE = "templates/classroom50/autograder.py"  # the course's own copy first, then the autograder's
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")  # Classroom 50's classroom and assignment names
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis", ".DS_Store"}


# --------------------------------------------------------------------------- the teacher's side


def _course_files(course: Course) -> dict[str, Path]:
    """What grading needs from the course, by path inside ``course/``: course.yaml, reference, hidden tests, data."""
    root = course.root
    entries: dict[str, Path] = {course.path.name: course.path}

    def add(path: Path) -> None:
        if path.is_file() and not path.is_symlink() and not _SKIP & set(path.parts) and path.suffix != ".pyc":
            entries[path.relative_to(root).as_posix()] = path

    for folder, key in ((course.reference_dir, "reference"), (course.tests_dir, "tests")):
        if root not in folder.parents:
            raise ConfigError(f"{course.path}: {key} ({folder}) must be inside {root} to be bundled for Classroom 50")
        for f in sorted(folder.rglob("*")):
            add(f)
    data = course.data.path
    if data is not None and root in data.parents:
        for f in sorted(data.rglob("*")) if data.is_dir() else [data]:
            add(f)
    return entries


def make_bundle(
    course: Course, classroom_dir: Path | str, assignment: str, *, force: bool = False, calibration: bool = True
) -> Path:
    """Write ``classroom_dir/autograders/<assignment>/`` and return that folder.

    With ``calibration`` the course's calibration artefact goes in too (made now if none is cached); the
    runner replays it when its Python, hypothesis and numpy are the versions it was made with, and runs
    hypothesis itself otherwise (``autograder.grading.calibration``).
    """
    if not _SLUG.match(assignment):
        raise ConfigError(f"assignment {assignment!r}: Classroom 50 names are 2-39 characters of a-z, 0-9 and '-', "
                          "starting with a letter or digit; pass --assignment NAME")  # fmt: skip
    template = find_resource(course, TEMPLATE)
    out = Path(classroom_dir) / "autograders" / assignment
    if out.exists() and any(out.iterdir()) and not force:
        raise ConfigError(f"{out} is not empty; pass --force to replace it")
    info = project_metadata()
    with tempfile.TemporaryDirectory(prefix="autograder-bundle-") as tmp:
        stage = Path(tmp) / assignment
        stage.mkdir()
        shutil.copyfile(template, stage / "autograder.py")
        (stage / "autograder.py").chmod(0o755)
        wheel = build_wheel(stage, info)
        (stage / "requirements.txt").write_text(
            "# installed by autograder.py when missing (the grader itself comes from the wheel beside this file)\n"
            + "\n".join(base_requirements(info)) + "\n", encoding="utf-8")  # fmt: skip
        files = _course_files(course)
        if calibration:
            from autograder.grading.calibration import ensure_artefact

            artefact, name = ensure_artefact(course)
            files[name] = artefact
        for rel, src in files.items():
            target = stage / "course" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        (stage / "README.md").write_text(_bundle_readme(course, assignment, wheel.name), encoding="utf-8")
        size = sum(f.stat().st_size for f in stage.rglob("*") if f.is_file())
        if size > BUNDLE_LIMIT:
            biggest = max((f for f in stage.rglob("*") if f.is_file()), key=lambda f: f.stat().st_size)
            raise ConfigError(f"the bundle would be {size / 1e6:.1f} MB, over Classroom 50's 10 MB cap (largest file: "
                              f"{biggest.relative_to(stage)}); move large data out of course.yaml's data path")  # fmt: skip
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(stage, out)
    return out


def _bundle_readme(course: Course, assignment: str, wheel: str) -> str:
    return f"""# Classroom 50 autograder: {assignment}

Made by `autograder bundle --classroom50` for the course {course.name} ({course.max_score:g} points).
Classroom 50's runner runs `autograder.py` with the student's checkout as working directory; it
installs `{wheel}` offline, grades the checkout with `course/` and writes `./result.json`
(schema `classroom50/result/v1`).

Everything here, hidden tests and reference solutions included, is published on the organisation's
Pages site: unchangeable by students, but not secret (anyone who finds the site can read it).
"""


# --------------------------------------------------------------------------- the runner's side


def _release_body_error(message: str) -> str:
    return f"## Autograder\n\n**Your submission could not be graded.**\n\n{fence(message)}\n"


def _github_output(doc: dict[str, Any]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    summary = re.sub(r"[\r\n]+", " ", summary_line(doc))
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(f"status={status_of(doc)}\nsummary={summary}\n")


def _finish(doc: dict[str, Any], out: Path, release_body: Path | None, body: str | None) -> int:
    """Release body and step outputs first, result.json last."""
    if release_body is not None and body is not None:
        write_atomic(release_body, body)
    _github_output(doc)
    write_classroom50(doc, out)
    print(f"autograder {__version__} ({Path(__file__).resolve().parent}): {summary_line(doc)}; wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.platforms.classroom50", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--course", type=Path, required=True, help="the bundled course.yaml")
    parser.add_argument("--submission", type=Path, default=Path.cwd(), help="the student's checkout (default: .)")
    parser.add_argument("--out", type=Path, default=Path("result.json"), help="where result.json goes")
    parser.add_argument(
        "--release-body",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write Markdown feedback here (Classroom 50 shows it on the submission's release)",
    )
    parser.add_argument(
        "--error",
        default=None,
        metavar="MESSAGE",
        help="write a score-0 result saying MESSAGE instead of grading (autograder.py's fallback)",
    )
    args = parser.parse_args(argv)
    try:
        course = resolve_course(args.course)
    except AutograderError as exc:
        print(f"autograder: the course cannot be loaded, nothing was graded: {exc}", file=sys.stderr)
        return 2
    total, name = course.max_score, course.name

    def error(message: str, status: str = "error") -> int:
        doc = classroom50_error(message, total, assignment=name, status=status)
        return _finish(doc, args.out, args.release_body, _release_body_error(message))

    if args.error is not None:
        return error(args.error)
    try:
        gradable = any(f.suffix in (".py", ".ipynb") for f in submission_files(args.submission))
    except SubmissionError as exc:
        return error(f"Your submission could not be read: {exc}")
    if not gradable:
        expected = ", ".join(f"{e.id}.py" for e in course.exercises)
        return error(f"No Python files or notebooks were found at the top of your repository. Commit {expected} "
                     "(or the notebooks) there, not in a sub-folder.", status="failed")  # fmt: skip
    owner = submission_fields(assignment=name)["owner"]
    try:
        report = grade(args.submission, course, label=owner, calibrate=False)  # one-shot: the bundle's artefact or none
    except SubmissionError as exc:
        return error(f"Your submission could not be read: {exc}")
    except AutograderError as exc:
        print(f"autograder: grading could not run, nothing was recorded: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the submission made the grader fail: a result that says so, not a missing file
        traceback.print_exc()
        return error(f"The grader failed on your submission ({type(exc).__name__}). Your teacher can read the "
                     "details in this run's log.")  # fmt: skip
    view = View.student(deadline=course.deadline)
    doc = classroom50_result(report, view)
    return _finish(doc, args.out, args.release_body, markdown_report(report, view))


if __name__ == "__main__":
    sys.exit(main())
