"""Every lesson notebook of a release, run the way a student runs it: headless, top to bottom, in a kernel.

nbclient executes the released notebook in a real IPython kernel (ipykernel, which the dev extra
brings with nbgrader) with the release folder as the working directory, as Jupyter would; the check
cell's table tells how many public tests passed. Untouched, every public test fails and nothing
raises; with the reference's code in the solution cells, every public test passes (full marks),
including neuron.ipynb, whose function ``neuron`` is named like its lesson.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import release
from autograder.config import load_course
from autograder.notebooks.build import lesson_notebook, lessons

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT / "course.yaml")
LESSONS = [lesson for lesson, _ in lessons(COURSE)]
pytestmark = pytest.mark.slow
_PASSED = re.compile(r"public checks \(your notebook&#x27;s definitions\): (\d+)/(\d+) passed")


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("notebooks") / "student"
    release(COURSE, out)
    return out


@pytest.fixture(autouse=True)
def _plain_jupyter(tmp_path, monkeypatch):
    """The kernel as a student's Jupyter starts it: no nbgrader validation, no user kernels or config."""
    monkeypatch.delenv("NBGRADER_VALIDATING", raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("MPLBACKEND", "Agg")


def _with_reference(lesson: str, nb: dict) -> dict:
    src = (COURSE.reference_dir / f"{lesson}.py").read_text(encoding="utf-8")
    reference = {c["id"]: c["source"] for c in lesson_notebook(COURSE, lesson, src, instructor=True)["cells"]}
    for cell in nb["cells"]:
        if (cell["metadata"].get("autograder") or {}).get("role") == "solution":
            cell["source"] = reference[cell["id"]]
    return nb


def run_notebook(folder: Path, lesson: str, *, reference: bool) -> tuple[int, int]:
    """Execute ``<lesson>.ipynb`` (with the reference filled in, or as released); (passed, total) of its check()."""
    nb = json.loads((folder / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    if reference:
        nb = _with_reference(lesson, nb)
    node = nbformat.from_dict(nb)
    nbclient.NotebookClient(node, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    check = next(c for c in node.cells if (c.metadata.get("autograder") or {}).get("role") == "check")
    errors = [o for c in node.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{o.ename}: {o.evalue}" for o in errors]
    html = "".join(o.get("data", {}).get("text/html", "") for o in check.outputs)
    found = _PASSED.search(html)
    assert found, check.outputs
    return int(found.group(1)), int(found.group(2))


@pytest.mark.parametrize("lesson", LESSONS)
def test_check_in_a_notebook_gives_full_marks_to_the_reference(released, lesson):
    passed, total = run_notebook(released, lesson, reference=True)
    assert passed == total > 0


@pytest.mark.parametrize("lesson", LESSONS)
def test_check_in_an_untouched_notebook_fails_every_public_test_without_raising(released, lesson):
    passed, total = run_notebook(released, lesson, reference=False)
    assert passed == 0 and total > 0
