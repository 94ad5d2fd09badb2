"""A released student repository installs from itself and ``autograder check`` works there, offline.

Done the way a student does it, from what the released README says: in the repository,
``python -m venv .venv``, ``python -m pip install -r requirements.txt``, ``autograder check``.

No network: pip runs with ``--no-index`` (``PIP_NO_INDEX=1``), so the autograder can only come
from the wheel the release wrote into ``wheels/``. The third-party dependencies (numpy, pytest,
hypothesis, PyYAML, matplotlib and theirs) cannot be downloaded then, so the new environment
sees this test run's own installed copies through a ``.pth`` file pointing to a folder of links
to them: the autograder itself (and its editable install) is left out of that folder, so pip
must install it from the release's wheel, and it does (the test checks where it was imported
from). This plays the part of ``--system-site-packages`` for a venv made from a venv.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.authoring.release import release, scan_for_leaks
from autograder.authoring.wheel import wheel_name
from autograder.config import load_course

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="the venv layout below is POSIX's"),
]
_NOT_DEPENDENCIES = (
    "autograder",
    "neurons_autograder",
    "__editable__",
    "pip",
    "_distutils_hack",
    "distutils-precedence",
)


def _dependencies_folder(tmp: Path) -> Path:
    """Links to this environment's installed third-party packages, without the autograder and pip."""
    folder = tmp / "dependencies"
    folder.mkdir()
    for site_dir in map(Path, site.getsitepackages()):
        if not site_dir.is_dir():  # Debian's Python also names dist-packages folders a venv does not have
            continue
        for entry in sorted(site_dir.iterdir()):
            if entry.name.startswith(_NOT_DEPENDENCIES) or entry.suffix == ".pth" or (folder / entry.name).exists():
                continue
            (folder / entry.name).symlink_to(entry)
    return folder


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    environ.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1", **env)
    return subprocess.run(args, cwd=cwd, env=environ, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A release, and the student's virtual environment in it, set up as its README says."""
    tmp = tmp_path_factory.mktemp("student-install")
    repo = tmp / "student"
    release(load_course(ROOT / "course.yaml"), repo)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    for step in ("python -m venv .venv", "python -m pip install -r requirements.txt", "autograder check"):
        assert step in readme
    made = _run([sys.executable, "-m", "venv", ".venv"], repo)
    assert made.returncode == 0, made.stderr
    python = repo / ".venv" / "bin" / "python"
    # The new venv's own site-packages (where pip put itself): sysconfig's purelib is another folder on Debian.
    find = "import os, site; print(next(p for p in site.getsitepackages() if os.path.isdir(p)))"
    purelib = _run([str(python), "-c", find], repo)
    (Path(purelib.stdout.strip()) / "test-dependencies.pth").write_text(
        f"{_dependencies_folder(tmp)}\n", encoding="utf-8"
    )
    pip = _run([str(python), "-m", "pip", "install", "-r", "requirements.txt"], repo)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return repo


def _check(repo: Path) -> subprocess.CompletedProcess[str]:
    return _run([str(repo / ".venv" / "bin" / "autograder"), "check"], repo)


def test_requirements_name_the_wheel_in_the_repository_not_a_package_index(installed):
    lines = [
        x for x in (installed / "requirements.txt").read_text(encoding="utf-8").splitlines() if not x.startswith("#")
    ]
    assert lines == [f"./wheels/{wheel_name()}"]
    assert (installed / "wheels" / wheel_name()).is_file()
    notebooks = (installed / "requirements-notebooks.txt").read_text(encoding="utf-8")
    assert "-r requirements.txt" in notebooks and "notebook" in notebooks


def test_the_autograder_comes_from_the_released_wheel(installed):
    where = _run(
        [str(installed / ".venv" / "bin" / "python"), "-c", "import autograder; print(autograder.__file__)"], installed
    )
    assert Path(where.stdout.strip()).is_relative_to(installed / ".venv"), where.stdout + where.stderr


def test_check_on_the_stubs_fails_every_public_test(installed):
    done = _check(installed)
    assert done.returncode == 1, done.stdout + done.stderr
    points = done.stdout.strip().splitlines()[-1]
    passed, total = map(int, points.removeprefix("Points ").split("/"))
    assert passed == 0 and total > 0, done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_check_on_the_reference_passes_every_public_test(installed, tmp_path):
    repo = tmp_path / "student"
    shutil.copytree(installed, repo, ignore=shutil.ignore_patterns(".venv"))
    for module in (ROOT / "solutions").glob("*.py"):
        shutil.copyfile(module, repo / module.name)
    done = _run([str(installed / ".venv" / "bin" / "autograder"), "check"], repo)
    assert done.returncode == 0, done.stdout + done.stderr
    passed, total = map(int, done.stdout.strip().splitlines()[-1].removeprefix("Points ").split("/"))
    assert passed == total > 0


def test_a_wrong_answer_is_a_failure_not_an_error_with_the_venv_inside_the_repository(installed, tmp_path):
    """The student README puts .venv in the repository: pytest's and the autograder's own frames there are
    not the student's code, so a wrong value is "failed" with the test's own message."""
    repo = tmp_path / "student"
    shutil.copytree(installed, repo, symlinks=True)
    for module in (ROOT / "solutions").glob("*.py"):
        shutil.copyfile(module, repo / module.name)
    activations = repo / "activations.py"
    activations.write_text(
        activations.read_text(encoding="utf-8") + "\n\ndef relu(z):\n    return z * 0 - 1.0\n", encoding="utf-8"
    )
    done = _run([str(repo / ".venv" / "bin" / "python"), "-m", "autograder.cli", "check", "activations"], repo)
    assert done.returncode == 1
    assert "[failed]" in done.stdout and "pytest_pyfunc_call" not in done.stdout and "python.py" not in done.stdout, (
        done.stdout
    )


def test_the_released_wheel_holds_the_autograder_and_nothing_secret(installed):
    course = load_course(ROOT / "course.yaml")
    wheel = installed / "wheels" / wheel_name()
    names = zipfile.ZipFile(wheel).namelist()
    assert "autograder/checking/check.py" in names and "autograder/cli.py" in names
    assert not any(n.startswith(("solutions/", "tests/", "exercises/")) or "__pycache__" in n for n in names)
    assert scan_for_leaks(wheel.parent, course) == []
