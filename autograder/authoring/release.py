"""``autograder release OUT``: the student starter repository, with nothing secret in it.

What a student gets, and where it comes from:

=====================================  ==============================================
``<lesson>.py``, ``<lesson>.ipynb``,   everything in ``exercises/`` (the generated
``tests/`` (public tests), ``data/``   stubs, notebooks, public tests and data)
``README.md``                          ``docs/students.md``, with the course facts
                                       (lessons, points, deadline, late policy) filled in
``course.yaml``                        the public part of course.yaml only
                                       (``public_course.public_course_yaml``)
``.github/workflows/classroom.yml``,       ``templates/github/student.yml`` and
``.gitlab-ci.yml``                     ``templates/gitlab/student.gitlab-ci.yml``
``.gitignore``, ``requirements.txt``,  written here; ``requirements.txt`` names the
``requirements-notebooks.txt``         wheel below (or ``--pip SPEC``), the other adds Jupyter
``wheels/neurons_autograder-*.whl``    this autograder (``autograder.authoring.wheel``), so the
                                       repository installs offline, from itself
=====================================  ==============================================

The lesson modules sit at the top of the student repository, so a student
runs ``python activations.py`` or ``pytest tests`` there, and the
instructor's grading workflow grades the repository folder as it is.

Why it cannot leak: the release is built in a staging folder and scanned
(``scan_for_leaks``) before anything reaches OUT. The scan looks in every
file (notebook cells and outputs too) for every line of every solution
region, for the solution markers, for hidden test names and for the hidden
test files' lines, and for any two consecutive lines of a solution region
(a graded answer's body, even where a later lesson gives it as a helper);
the wheel is read file by file. Any hit stops the release and names the file and what
leaked; OUT is left untouched. ``exercises/`` out of date with
``solutions/`` also stops it (run ``autograder build``).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.authoring.build import BEGIN, END, check_exercises, solution_regions, stub_source
from autograder.authoring.wheel import build_wheel, wheel_name
from autograder.checking.public_course import public_course_yaml
from autograder.config import COURSE_FILE, Course
from autograder.errors import AutograderError

__all__ = [
    "MIN_SECRET_LINE",
    "STUDENT_WORKFLOWS",
    "Leak",
    "ReleaseError",
    "default_pip_spec",
    "find_resource",
    "release",
    "scan_for_leaks",
    "secret_bodies",
    "secret_lines",
    "student_commands",
]

MIN_SECRET_LINE = 12  # shorter solution lines ("return s", "z = z") are too common to mean anything
MIN_BODY_PAIR = 30  # two consecutive solution lines at least this long together (see secret_bodies)
MIN_HIDDEN_TEST_LINE = 40  # hidden test lines: only long, distinctive ones (imports excluded)
FACTS_MARKER = "<!-- release: course facts -->"
PIP_PLACEHOLDER = "@AUTOGRADER_PIP@"
WHEELS_DIR = "wheels"  # the autograder's wheel, in the student repository (see autograder.authoring.wheel)
NOTEBOOK_REQUIREMENT = "notebook>=7,<8"
STUDENT_WORKFLOWS = {
    "github": ("github/student.yml", ".github/workflows/classroom.yml"),
    "gitlab": ("gitlab/student.gitlab-ci.yml", ".gitlab-ci.yml"),
}
MARKERS = (BEGIN, END, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis", ".DS_Store"}
_GITIGNORE = "__pycache__/\n*.pyc\n.ipynb_checkpoints/\n.pytest_cache/\n.hypothesis/\n.venv/\n"


class ReleaseError(AutograderError):
    """The release could not be built, or would have leaked something."""


@dataclass(frozen=True)
class Leak:
    file: str  # relative to the release
    what: str  # which secret, said without repeating more of it than needed


def default_pip_spec() -> str:
    """What the student repository installs: this very autograder, from the wheel the release puts in it."""
    return f"./{WHEELS_DIR}/{wheel_name()}"


def student_commands() -> list[str]:
    """What a student types in their clone of the repository, in order (as the README says)."""
    return [
        "python -m venv .venv",
        "source .venv/bin/activate            # Windows: .venv\\Scripts\\activate",
        "python -m pip install -r requirements.txt",
        "autograder check",
    ]


def _requirements(pip_spec: str) -> str:
    return (
        "# What `autograder check` needs. In this folder, in a virtual environment:\n"
        "#   python -m pip install -r requirements.txt\n"
        f"{pip_spec}\n"
    )


def _notebook_requirements() -> str:
    return (
        "# Jupyter, to work in the lesson notebooks (*.ipynb) and run check() there:\n"
        "#   python -m pip install -r requirements-notebooks.txt\n"
        "-r requirements.txt\n"
        f"{NOTEBOOK_REQUIREMENT}\n"
    )


def find_resource(course: Course, relative: str) -> Path:
    """A release input (``templates/...``, ``docs/students.md``): the course's own copy first, then the autograder's."""
    for base in (course.root, Path(__file__).resolve().parents[2]):
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise ReleaseError(
        f"{relative} not found next to {course.path.name} ({course.root}) nor in the autograder's source; "
        "copy templates/ and docs/students.md from the autograder's repository into your course repository"
    )


# --------------------------------------------------------------------------- what is secret


def secret_lines(course: Course) -> dict[str, str]:
    """Distinctive text that must never reach a student: {text: where it comes from}."""
    secrets: dict[str, str] = {}
    sources = {src: src.read_text(encoding="utf-8") for src in sorted(course.reference_dir.glob("*.py"))}
    # What the generated stubs say is public by construction: the code outside the regions, and
    # the hints an author chose to give (a "# hint:" may quote a line of the solution on purpose).
    public = "\n".join(stub_source(text, str(src)) for src, text in sources.items())
    public_lines = {line.strip() for line in public.splitlines()}
    for src, source in sources.items():
        for r in solution_regions(source, str(src)):
            for line in r.code.splitlines():
                text = line.strip()
                if len(text) >= MIN_SECRET_LINE and text not in public_lines and text not in public:
                    secrets.setdefault(text, f"a line of the solution of {r.function or '?'} in {src.name}")
    for ex in course.exercises:
        for t in ex.tests:
            secrets.setdefault(t.name, f"the name of the hidden test {ex.id}.{t.name}")
    for f in sorted(course.tests_dir.rglob("*.py")):
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            text = line.strip()
            if (
                len(text) >= MIN_HIDDEN_TEST_LINE
                and not text.startswith(("import ", "from ", "#"))
                and text not in public_lines
                and text not in public
            ):  # e.g. a constant the stub defines too
                secrets.setdefault(text, f"a line of the hidden tests ({f.relative_to(course.tests_dir)})")
    for marker in MARKERS:
        secrets[marker] = f"the marker {marker!r}"
    return secrets


def secret_bodies(course: Course) -> dict[tuple[str, str], str]:
    """Every two consecutive code lines of a solution region: {(line, next line): where they come from}.

    ``secret_lines`` skips a solution line that the public code also has, so a graded answer copied
    into a later lesson's given helper (lesson 1's stable sigmoid as xor.py's ``_sigmoid``) would make
    its own lines "public". Two lines of an answer, in order, are an answer wherever they appear.
    """
    bodies: dict[tuple[str, str], str] = {}
    for src in sorted(course.reference_dir.glob("*.py")):
        for r in solution_regions(src.read_text(encoding="utf-8"), str(src)):
            code = _code_lines(r.code)
            for pair in zip(code, code[1:]):
                if len(pair[0]) + len(pair[1]) >= MIN_BODY_PAIR:
                    bodies.setdefault(pair, f"the body of {r.function or '?'} in {src.name} (a graded answer)")
    return bodies


def _code_lines(text: str) -> list[str]:
    """The stripped lines of code in ``text``: no blank lines, no comments."""
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def _readable_text(file: Path) -> str:
    """A file's text as a student would see it; notebooks as their cells' sources and outputs, wheels as their files."""
    if file.suffix in (".whl", ".zip"):
        try:
            with zipfile.ZipFile(file) as archive:
                return "\n".join(archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist())
        except (OSError, zipfile.BadZipFile):
            pass  # not readable as an archive: read as bytes below
    raw = file.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if file.suffix == ".ipynb":
        try:
            nb = json.loads(text)
            parts = [text]
            for cell in nb.get("cells", []):
                parts.append(_joined(cell.get("source", "")))
                for output in cell.get("outputs", []) or []:
                    parts.append(_joined(output.get("text", "")))
                    for value in (output.get("data") or {}).values():
                        parts.append(_joined(value))
            text = "\n".join(parts)
        except (ValueError, AttributeError, TypeError):
            pass
    return text


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def scan_for_leaks(folder: Path, course: Course) -> list[Leak]:
    """Every secret (``secret_lines``) found in any file under ``folder``."""
    secrets = secret_lines(course)
    bodies = secret_bodies(course)
    names = {s for s in secrets if re.fullmatch(r"test_\w+", s)}
    leaks: list[Leak] = []
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(file.relative_to(folder))
        text = _readable_text(file)
        code = _code_lines(text)
        pairs = set(zip(code, code[1:]))
        leaks += [Leak(rel, what) for what in dict.fromkeys(what for pair, what in bodies.items() if pair in pairs)]
        lines = {line.strip() for line in text.splitlines()}
        words = set(re.findall(r"\btest_\w+", text)) if names else set()
        for secret, what in secrets.items():
            if secret in MARKERS and file.suffix == ".whl":
                continue  # the autograder's own code names the markers it looks for; solution text is still sought
            if secret in names:
                if secret in words:
                    leaks.append(Leak(rel, what))
            elif secret in lines or secret in text:
                leaks.append(Leak(rel, what))
    return leaks


# --------------------------------------------------------------------------- building


def _copy_tree(src: Path, dst: Path) -> None:
    for item in sorted(src.iterdir()):
        if item.name in _SKIP_NAMES or item.name.startswith(".") or item.suffix == ".pyc":
            continue
        if item.is_symlink():
            raise ReleaseError(f"{item} is a symbolic link; releases hold only real files (copy the file it points to)")
        target = dst / item.name
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            _copy_tree(item, target)
        elif item.is_file():
            shutil.copy2(item, target)


_GRADED_ROLES = ("graded",)  # notebook cells that list hidden tests one by one (nbgrader-style grade cells)


def _student_notebook(file: Path, course: Course) -> None:
    """Drop the cells that name hidden tests from a notebook; say in one cell how the lesson is graded.

    ``autograder build`` may give a notebook one cell per hidden test (name, points, what it
    checks), as nbgrader's grade cells do. Hidden test names stay on the instructor's side, so
    the release keeps the lesson's total points and drops the list. Grading never needed those
    cells: it reads only the student's code cells.
    """
    try:
        nb = json.loads(file.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError):
        return  # not a notebook we can read: the leak scan still reads it as text
    lesson = ((nb.get("metadata") or {}).get("autograder") or {}).get("lesson") or file.stem
    points = next((e.max_score for e in course.exercises if e.id == lesson), None)

    def role(cell: dict) -> str:
        meta = (cell.get("metadata") or {}).get("autograder")
        return str(meta.get("role", "")) if isinstance(meta, dict) else ""

    kept = []
    for cell in cells:
        if role(cell) in _GRADED_ROLES:
            continue
        if role(cell) == "graded_title":
            total = f": {points:g} points in all" if points is not None else ""
            cell["source"] = (
                "## How this lesson is graded\n\nHidden tests, run by your instructor, call your functions on many "
                f"more inputs than the public tests and compare with the reference solution{total}. Your feedback "
                "report says what each of them found, with a hint."
            )
        kept.append(cell)
    if len(kept) != len(cells) or any(role(c) == "graded_title" for c in kept):
        nb["cells"] = kept
        file.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _facts(course: Course) -> str:
    def num(x: float) -> str:
        return f"{x:g}"

    lines = [f"**Course:** {course.name}" + (f" (unit {course.unit})" if course.unit else "")]
    if course.deadline:
        lines.append(f"**Deadline:** {course.deadline.isoformat()}")
    late = course.late
    if late.penalty_per_day:
        grace = f" after a grace period of {num(late.grace_minutes)} minutes" if late.grace_minutes else ""
        lines.append(
            f"**Late work:** {num(late.penalty_per_day)}% off per started day late{grace}, at most {num(late.max_penalty)}%."
        )
    lines += ["", "| lesson | file | points |", "|---|---|---:|"]
    for e in course.exercises:
        lines.append(f"| {e.title} | `{e.id}.py` | {num(e.max_score)} |")
    lines.append(f"| **total** | | **{num(course.max_score)}** |")
    return "\n".join(lines)


def _readme(course: Course) -> str:
    source = find_resource(course, "docs/students.md").read_text(encoding="utf-8")
    if FACTS_MARKER not in source:
        raise ReleaseError(f"docs/students.md has no {FACTS_MARKER} line; put it where the course facts table belongs")
    return source.replace(FACTS_MARKER, _facts(course))


def _workflow(course: Course, template: str, pip_spec: str) -> str:
    text = find_resource(course, f"templates/{template}").read_text(encoding="utf-8")
    text = text.replace(PIP_PLACEHOLDER, pip_spec)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ReleaseError(f"templates/{template}: unknown placeholder(s) {', '.join(sorted(set(left)))}")
    return text


def _check_out_dir(out: Path, course: Course, force: bool) -> None:
    out = out.resolve()
    root = course.root.resolve()
    if out == root or out in root.parents:
        raise ReleaseError(f"{out} would overwrite the course itself ({root}); release into a new folder")
    for kept in (course.reference_dir, course.tests_dir, course.exercises_dir):
        kept = kept.resolve()
        if out == kept or kept in out.parents or out in kept.parents:
            raise ReleaseError(f"{out} overlaps the course's {kept.name}/ folder; release into a new folder")
    if (out / COURSE_FILE).is_file() and "reference:" in (out / COURSE_FILE).read_text(
        encoding="utf-8", errors="replace"
    ):
        raise ReleaseError(f"{out} holds an instructor's course.yaml; release into a new folder")
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} is a file; pass a folder for the release")
    if out.is_dir() and any(p.name != ".git" for p in out.iterdir()) and not force:
        raise ReleaseError(f"{out} is not empty; pass --force to replace its contents (a .git folder there is kept)")


def release(
    course: Course,
    out: Path | str,
    *,
    force: bool = False,
    pip_spec: str | None = None,
    ci: tuple[str, ...] = ("github", "gitlab"),
) -> list[Path]:
    """Build the student repository into ``out``; returns the files written (relative to ``out``)."""
    out = Path(out)
    unknown = [c for c in ci if c not in STUDENT_WORKFLOWS]
    if unknown:
        raise ReleaseError(f"unknown CI {', '.join(unknown)}; use {' or '.join(STUDENT_WORKFLOWS)}")
    _check_out_dir(out, course, force)
    stale = check_exercises(course.reference_dir, course.exercises_dir)
    if stale:
        raise ReleaseError(f"exercises/ is out of date with solutions/ ({', '.join(stale)}); run: autograder build")
    missing = [e.id for e in course.exercises if not (course.exercises_dir / f"{e.id}.py").is_file()
               and not (course.exercises_dir / f"{e.id}.ipynb").is_file()]  # fmt: skip
    if missing:
        raise ReleaseError(f"no stub for {', '.join(missing)} in {course.exercises_dir}; run: autograder build")
    own_wheel = not pip_spec
    pip_spec = pip_spec or default_pip_spec()
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as tmp:
        stage = Path(tmp) / "release"
        stage.mkdir()
        _copy_tree(course.exercises_dir, stage)
        if own_wheel:
            if (stage / WHEELS_DIR).exists():
                raise ReleaseError(f"{course.exercises_dir / WHEELS_DIR} would be replaced by the autograder's wheel; "
                                   "remove or rename it")  # fmt: skip
            build_wheel(stage / WHEELS_DIR)
        for notebook in sorted(stage.rglob("*.ipynb")):
            _student_notebook(notebook, course)
        generated = {
            "README.md": _readme(course),
            COURSE_FILE: public_course_yaml(course),
            ".gitignore": _GITIGNORE,
            "requirements.txt": _requirements(pip_spec),
            "requirements-notebooks.txt": _notebook_requirements(),
        }
        for name in ci:
            template, target = STUDENT_WORKFLOWS[name]
            generated[target] = _workflow(course, template, pip_spec)
        for rel, text in generated.items():
            dest = stage / rel
            if dest.exists():
                raise ReleaseError(
                    f"{course.exercises_dir / rel} would be replaced by the generated {rel}; remove or rename it"
                )
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        leaks = scan_for_leaks(stage, course)
        if leaks:
            shown = "\n  ".join(f"{leak.file}: {leak.what}" for leak in leaks[:20])
            more = f"\n  ... and {len(leaks) - 20} more" if len(leaks) > 20 else ""
            raise ReleaseError(f"the release would leak secrets; nothing was written to {out}:\n  {shown}{more}")
        if out.is_dir():
            for item in out.iterdir():
                if item.name == ".git":
                    continue
                shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
        out.mkdir(parents=True, exist_ok=True)
        shutil.copytree(stage, out, dirs_exist_ok=True)
        return sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
