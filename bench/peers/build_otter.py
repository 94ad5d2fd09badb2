"""Build the Otter-Grader inputs in DIR (argv[1]).

- DIR/tests/q1.py        exception-based Otter test file, 6 hidden test cases x 1 point
- DIR/otter_config.json  (minimal; `otter run` has no execution-timeout setting)
- DIR/requirements.txt   (only used by the Gradescope/Docker image; `otter run` installs nothing)
- DIR/submissions/<student>.ipynb   the 20 student notebooks (one code cell = the student's code)
Then run:  otter generate -t tests -o autograder.zip   (in DIR)
Run with the otter venv's python (needs nbformat).
"""
import json
import os
import sys
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from assignment import TESTS, batch  # noqa: E402

SUBMISSIONS = batch()

D = sys.argv[1]
os.makedirs(os.path.join(D, "tests"), exist_ok=True)
os.makedirs(os.path.join(D, "submissions"), exist_ok=True)

lines = ["from otter.test_files import test_case", "import numpy as np", "",
         "OK_FORMAT = False", "", 'name = "q1"', "points = 6", ""]
for tname, body in TESTS:
    lines.append(f"@test_case(name={tname!r}, points=1, hidden=True)")
    lines.append(f"def test_{tname}(sigmoid, relu, neuron):")
    lines.append(textwrap.indent(body, "    "))
with open(os.path.join(D, "tests", "q1.py"), "w") as f:
    f.write("\n".join(lines) + "\n")

with open(os.path.join(D, "otter_config.json"), "w") as f:
    json.dump({"lang": "python", "print_summary": True}, f, indent=2)
with open(os.path.join(D, "requirements.txt"), "w") as f:
    f.write("numpy\nhypothesis\n")

for student, code in SUBMISSIONS.items():
    nb = new_notebook(cells=[
        new_markdown_cell("# PS1: a neuron"),
        new_code_cell(code),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"},
                 "language_info": {"name": "python"}})
    nbformat.write(nb, os.path.join(D, "submissions", student + ".ipynb"))
