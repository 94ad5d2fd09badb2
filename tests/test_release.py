"""``autograder release``: the student starter repository, and proof that nothing secret is in it.

The scan here is written independently of ``autograder.authoring.release.scan_for_leaks``: it walks every
file of a real release and looks for each solution region's lines, each hidden test name from
course.yaml, every hidden test file and every reference module.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from autograder.authoring.build import BEGIN, END, solution_regions, stub_source
from autograder.authoring.release import ReleaseError, release
from autograder.checking.public_course import read_public_course
from autograder.cli import main
from autograder.config import load_course

ROOT = Path(__file__).resolve().parent.parent
MIN_LINE = 12  # solution lines shorter than this ("return s") are too common to mean anything


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "student"
    release(load_course(ROOT / "course.yaml"), out)
    return out


def copy_course(dest: Path) -> Path:
    """The course's own files (course.yaml, solutions, hidden tests, exercises) in a folder we may change."""
    course = load_course(ROOT / "course.yaml")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course.path, dest / "course.yaml")
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in (course.reference_dir, course.tests_dir, course.exercises_dir):
        shutil.copytree(folder, dest / folder.relative_to(course.root), ignore=ignore)
    return dest / "course.yaml"


def _texts(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = f.read_bytes().decode("utf-8", errors="replace")
        if f.suffix == ".ipynb":  # notebook JSON escapes quotes: read the cells' text too
            nb = json.loads(text)
            text += "\n".join(
                "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
            )
        out[str(f.relative_to(folder))] = text
    return out


def test_release_has_what_a_student_needs(released):
    course = load_course(ROOT / "course.yaml")
    files = {str(p.relative_to(released)) for p in released.rglob("*") if p.is_file()}
    for lesson in course.exercises:
        assert f"{lesson.id}.py" in files
    for f in (ROOT / "exercises").glob("*.py"):
        assert (released / f.name).read_text(encoding="utf-8") == f.read_text(encoding="utf-8")
    for f in (ROOT / "exercises").glob("*.ipynb"):
        assert f.name in files
    for f in (ROOT / "exercises" / "tests").glob("*.py"):
        assert f"tests/{f.name}" in files
    if (ROOT / "exercises" / "data").is_dir():
        assert any(name.startswith("data/") for name in files)
    for generated in (
        "README.md",
        "course.yaml",
        ".gitignore",
        "requirements.txt",
        ".github/workflows/classroom.yml",
        ".gitlab-ci.yml",
    ):
        assert generated in files
    assert not any("__pycache__" in name or name.startswith("solutions") or "grading" in name for name in files)


def test_release_never_contains_solution_text_or_hidden_tests(released):
    course = load_course(ROOT / "course.yaml")
    texts = _texts(released)
    stubs = "\n".join(stub_source(f.read_text(encoding="utf-8"), str(f)) for f in course.reference_dir.glob("*.py"))
    checked = 0
    for f in sorted(course.reference_dir.glob("*.py")):
        source = f.read_text(encoding="utf-8")
        for region in solution_regions(source, str(f)):
            for line in region.code.splitlines():
                line = line.strip()
                if len(line) < MIN_LINE or line in stubs:  # short, or public by design (e.g. a hint the author wrote)
                    continue
                checked += 1
                hits = [name for name, text in texts.items() if line in text]
                assert not hits, f"solution line {line!r} of {f.name} ({region.function}) is in {hits}"
        if solution_regions(source, str(f)):
            hits = [name for name, text in texts.items() if source.strip() in text]
            assert not hits, f"the reference module {f.name} is in {hits}"
    assert checked > 20  # the scan really looked at something
    for exercise in course.exercises:
        for t in exercise.tests:
            hits = [name for name, text in texts.items() if re.search(rf"\b{t.name}\b", text)]
            assert not hits, f"hidden test name {t.name} is in {hits}"
    for f in course.tests_dir.rglob("*.py"):
        body = f.read_text(encoding="utf-8").strip()
        assert not [name for name, text in texts.items() if body and body in text], f"{f} is in the release"
    for marker in (BEGIN, END):
        assert not [name for name, text in texts.items() if marker in text]


def test_public_course_yaml_keeps_only_the_public_facts(released):
    course = load_course(ROOT / "course.yaml")
    data = yaml.safe_load((released / "course.yaml").read_text(encoding="utf-8"))
    assert "reference" not in data and "tests" not in data and "sandbox" not in data and "hypothesis" not in data
    assert data["course"] == course.name
    assert set(data["exercises"]) == {e.id for e in course.exercises}
    for e in course.exercises:
        assert data["exercises"][e.id] == {"title": e.title, "points": e.max_score}
    assert data["deadline"] == course.deadline.isoformat()
    assert data["late"]["penalty_per_day"] == course.late.penalty_per_day
    public = read_public_course(released / "course.yaml")
    assert public.exercises_dir == released.resolve() and public.name == course.name


def test_readme_tells_how_to_work_check_and_how_grading_works(released):
    course = load_course(ROOT / "course.yaml")
    readme = (released / "README.md").read_text(encoding="utf-8")
    for needed in ("autograder check", "hidden tests", "Points X/Y", "from autograder import check"):
        assert needed in readme
    for e in course.exercises:
        assert f"| {e.title} | `{e.id}.py` | {e.max_score:g} |" in readme
    assert f"**{course.max_score:g}**" in readme and "<!-- release" not in readme


def test_notebooks_keep_their_lesson_but_not_the_hidden_test_cells(released):
    for nb_file in released.glob("*.ipynb"):
        nb = json.loads(nb_file.read_text(encoding="utf-8"))
        roles = [(c.get("metadata", {}).get("autograder") or {}).get("role") for c in nb["cells"]]
        assert "graded" not in roles
        assert "solution" in roles or any(c["cell_type"] == "code" for c in nb["cells"])


def test_workflows_install_the_autograder_from_the_pip_spec(tmp_path):
    out = tmp_path / "student"
    release(
        load_course(ROOT / "course.yaml"), out, pip_spec="git+https://example.org/neurons-autograder@v1", ci=("github",)
    )
    workflow = (out / ".github/workflows/classroom.yml").read_text(encoding="utf-8")
    assert "'git+https://example.org/neurons-autograder@v1'" in workflow and "@AUTOGRADER_PIP@" not in workflow
    assert not (out / ".gitlab-ci.yml").exists()
    assert (out / "requirements.txt").read_text(encoding="utf-8").splitlines()[
        -1
    ] == "git+https://example.org/neurons-autograder@v1"


# --------------------------------------------------------------------------- refusals


def test_a_planted_solution_line_stops_the_release_and_writes_nothing(tmp_path):
    course_file = copy_course(tmp_path / "course")
    course = load_course(course_file)
    region = next(r for r in solution_regions((course.reference_dir / "activations.py").read_text(encoding="utf-8"))
                  if r.function == "sigmoid")  # fmt: skip
    secret = next(
        line.strip()
        for line in region.code.splitlines()
        if len(line.strip()) >= MIN_LINE and not line.strip().startswith("#")
    )
    test_file = course.exercises_dir / "tests" / "test_activations.py"
    test_file.write_text(test_file.read_text(encoding="utf-8") + f"\n# {secret}\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ReleaseError) as info:
        release(course, out)
    assert "tests/test_activations.py: a line of the solution of sigmoid in activations.py" in str(info.value)
    assert not out.exists()


def test_a_hidden_test_name_in_a_notebook_stops_the_release(tmp_path):
    course = load_course(copy_course(tmp_path / "course"))
    name = course.exercises[0].tests[0].name
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"The test {name} checks sigmoid."]}]}  # fmt: skip
    (course.exercises_dir / "extra.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(ReleaseError, match=rf"extra.ipynb: the name of the hidden test \w+\.{name}"):
        release(course, tmp_path / "out")


def test_a_graded_answer_given_as_a_later_lessons_helper_stops_the_release(tmp_path):
    """Lesson 1's stable sigmoid, handed out as xor.py's given ``_sigmoid``, is lesson 1's answer: refused,
    although each of its lines alone would count as public once the stub of xor.py has it."""
    course_file = copy_course(tmp_path / "course")
    course = load_course(course_file)
    region = next(r for r in solution_regions((course.reference_dir / "activations.py").read_text(encoding="utf-8"))
                  if r.function == "sigmoid")  # fmt: skip
    body = [line.strip() for line in region.code.splitlines() if line.strip() and not line.strip().startswith("#")]
    helper = "\n\ndef _sigmoid(z):\n    " + "\n    ".join(body[-2:]) + "\n"
    for folder in (course.reference_dir, course.exercises_dir):  # a given helper: in the solution and its stub
        (folder / "xor.py").write_text((folder / "xor.py").read_text(encoding="utf-8") + helper, encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"xor.py: the body of sigmoid in activations.py \(a graded answer\)"):
        release(course, tmp_path / "out")


def test_later_lessons_do_not_hand_out_lesson_1s_stable_sigmoid(released):
    """xor.py and cat.py give a plain sigmoid, which is not an answer to lesson 1 (it overflows below -709)."""
    for name in ("xor.py", "cat.py"):
        text = (released / name).read_text(encoding="utf-8")
        assert "np.exp(-np.abs(z))" not in text and "return 1 / (1 + np.exp(-z))" in text


def test_out_of_date_exercises_are_refused(tmp_path):
    course = load_course(copy_course(tmp_path / "course"))
    stub = course.exercises_dir / "activations.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "\n# changed by hand\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="run: autograder build"):
        release(course, tmp_path / "out")


def test_a_non_empty_out_needs_force_and_keeps_git(tmp_path):
    course = load_course(ROOT / "course.yaml")
    out = tmp_path / "out"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    release(course, out)  # only .git there: fine
    (out / "old-file.txt").write_text("from last year\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not empty; pass --force"):
        release(course, out)
    release(course, out, force=True)
    assert not (out / "old-file.txt").exists()
    assert (out / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/main\n"
    assert (out / "course.yaml").is_file()


def test_release_refuses_to_overwrite_the_course(tmp_path):
    course_file = copy_course(tmp_path / "course")
    course = load_course(course_file)
    for out in (course.root, course.exercises_dir, course.exercises_dir / "sub", tmp_path):
        with pytest.raises(ReleaseError, match="course"):
            release(course, out, force=True)
    assert (course.reference_dir / "activations.py").is_file()


def test_cli_release(tmp_path, capsys):
    out = tmp_path / "student"
    assert main(["release", str(out), "--course", str(ROOT / "course.yaml")]) == 0
    printed = capsys.readouterr().out
    assert "README.md" in printed and "no solution text" in printed
    assert main(["release", str(out), "--course", str(ROOT / "course.yaml")]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert main(["release", str(out), "--course", str(ROOT / "course.yaml"), "--force", "--ci", "travis"]) == 2
    assert "unknown CI travis" in capsys.readouterr().err


def test_the_autograder_wheel_is_the_same_bytes_every_time_and_its_record_is_right(tmp_path):
    import base64
    import hashlib
    import zipfile

    from autograder.authoring.wheel import build_wheel

    first, second = build_wheel(tmp_path / "a"), build_wheel(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()  # releasing again leaves the student repository unchanged
    with zipfile.ZipFile(first) as wheel:
        record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
        for line in wheel.read(record).decode().splitlines():
            name, digest, size = line.rsplit(",", 2)
            if name == record:
                continue
            data = wheel.read(name)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
        metadata = wheel.read(record.replace("RECORD", "METADATA")).decode()
        assert "Name: neurons-autograder" in metadata and "extra ==" not in metadata
