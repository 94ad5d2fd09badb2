"""Build an nbgrader course in COURSE (argv[1]).

stage "source":    writes nbgrader_config.py and source/ps1/ps1.ipynb
stage "submitted": (after `nbgrader generate_assignment ps1`) writes the 20 student
                   notebooks under submitted/<student>/ps1/ps1.ipynb, made from the
                   released notebook with only the solution cell's source replaced.
Run with the nbgrader venv's python (needs nbformat).
"""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from assignment import ASSIGNMENT, SOLUTION, TESTS, batch  # noqa: E402

SUBMISSIONS = batch()

COURSE = sys.argv[1]
STAGE = sys.argv[2]
TIMEOUT = int(os.environ.get("CELL_TIMEOUT", "10"))


def nbg_meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    m = {"schema_version": 3, "grade_id": grade_id, "solution": solution, "grade": grade,
         "locked": locked, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def build_source():
    os.makedirs(os.path.join(COURSE, "source", ASSIGNMENT), exist_ok=True)
    with open(os.path.join(COURSE, "nbgrader_config.py"), "w") as f:
        f.write("c = get_config()\n"
                f"c.CourseDirectory.root = {COURSE!r}\n"
                "c.CourseDirectory.course_id = 'peerbench'\n"
                f"c.Execute.timeout = {TIMEOUT}  # per-cell timeout, seconds (default 30)\n")
    cells = [
        new_markdown_cell("# PS1: a neuron\nImplement `sigmoid` (numerically stable, elementwise), "
                          "`relu` and `neuron(x, w, b) = sigmoid(w . x + b)` (x may be a batch (n, d))."),
        new_code_cell("### BEGIN SOLUTION\n" + SOLUTION + "### END SOLUTION",
                      metadata=nbg_meta("impl", solution=True)),
    ]
    for name, body in TESTS:
        src = "import numpy as np\n### BEGIN HIDDEN TESTS\n" + body + "### END HIDDEN TESTS"
        cells.append(new_code_cell(src, metadata=nbg_meta("test_" + name, grade=True, locked=True,
                                                          points=1)))
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, os.path.join(COURSE, "source", ASSIGNMENT, ASSIGNMENT + ".ipynb"))


def build_submitted():
    rel = nbformat.read(os.path.join(COURSE, "release", ASSIGNMENT, ASSIGNMENT + ".ipynb"),
                        as_version=4)
    for student, code in SUBMISSIONS.items():
        nb = nbformat.from_dict(rel)
        nb = nbformat.reads(nbformat.writes(rel), as_version=4)
        n = 0
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "impl":
                cell.source = code
                n += 1
        assert n == 1
        d = os.path.join(COURSE, "submitted", student, ASSIGNMENT)
        os.makedirs(d, exist_ok=True)
        nbformat.write(nb, os.path.join(d, ASSIGNMENT + ".ipynb"))
        with open(os.path.join(d, "timestamp.txt"), "w") as f:
            f.write("2026-01-01 12:00:00.000000 UTC")


{"source": build_source, "submitted": build_submitted}[STAGE]()
