"""Notebook submissions become modules: what is kept, what is left out and reported, and why.

Pure unit tests of ``autograder.notebooks.read`` (no grading here; see
tests/test_notebook_grading.py for notebooks graded end to end).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json

import pytest

from autograder.notebooks.read import modules_from_notebooks, notebook_module, strip_ipython


def cell(source: str, kind: str = "code", **metadata) -> dict:
    c = {"cell_type": kind, "metadata": metadata, "source": source}
    if kind == "code":
        c.update(outputs=[], execution_count=None)
    return c


def notebook(*cells: dict, lesson: str | None = None) -> bytes:
    meta = {"autograder": {"lesson": lesson}} if lesson else {}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": list(cells)}).encode()


def run_module(source: bytes) -> tuple[dict, str]:
    """Execute a module the tests built themselves (trusted text), returning its names and what it printed."""
    names: dict = {"__name__": "lesson"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "lesson.py", "exec"), names)
    return names, out.getvalue()


def test_code_cells_in_order_make_the_module_and_markdown_is_left_out():
    nb = notebook(
        cell("# Title\nSome *text*", "markdown"),
        cell("import math"),
        cell("def area(r):\n    return math.pi * r * r"),
        cell("def double_area(r):\n    return 2 * area(r)"),
    )
    files, problems = modules_from_notebooks({"circles.ipynb": nb}, existing={})
    assert problems == []
    names, _ = run_module(files["circles.py"])
    assert names["double_area"](1.0) == pytest.approx(2 * 3.141592653589793)
    assert "Title" not in files["circles.py"].decode()


def test_multiline_strings_keep_their_exact_value():
    src = 'def f():\n    """Doc.\n\nsecond line\n  indented"""\n    return """a\nb\n  c"""\nTEXT = f"""x\n{1 + 1}\ny"""'
    files, _ = modules_from_notebooks({"m.ipynb": notebook(cell(src))}, existing={})
    names, _ = run_module(files["m.py"])
    assert names["f"]() == "a\nb\n  c"
    assert names["f"].__doc__ == "Doc.\n\nsecond line\n  indented"
    assert names["TEXT"] == "x\n2\ny"


def test_magics_and_shell_escapes_are_left_out_and_named():
    nb = notebook(
        cell("%matplotlib inline\nimport math\n!pip install numpy"),
        cell("%%bash\necho hi"),
        cell("%%time\nVALUE = math.sqrt(16)"),
        cell("def f(x):\n    if x:\n        %time g = 1\n    return 7\nf?"),
    )
    files, problems = modules_from_notebooks({"m.ipynb": nb}, existing={})
    names, _ = run_module(files["m.py"])
    assert names["VALUE"] == 4.0  # the body of %%time is Python and is kept
    assert names["f"](1) == 7  # a magic inside a block becomes `pass`, the block still parses
    assert len(problems) == 1, problems
    text = problems[0]
    assert text.startswith("m.ipynb: left out 6 line(s)")
    for shown in ("`%matplotlib inline` (code cell 1)", "`!pip install numpy` (code cell 1)",
                  "`%%bash` (all of code cell 2)", "`%%time` (code cell 3)", "`%time g = 1` (code cell 4)",
                  "`f?` (code cell 4)"):  # fmt: skip
        assert shown in text, (shown, text)


def test_percent_inside_valid_python_is_not_mistaken_for_a_magic():
    code, removed, dropped = strip_ipython("x = (10\n     % 3)\ns = '%d!' % x")
    assert removed == [] and not dropped
    assert code == "x = (10\n     % 3)\ns = '%d!' % x"


def test_test_cells_are_not_part_of_the_module():
    nb = notebook(
        cell("def f():\n    return 1"),
        cell("assert f() == 2", nbgrader={"grade": True, "solution": False, "grade_id": "t1", "points": 1}),
        cell("raise SystemExit('public tests')", autograder={"role": "public_tests"}),
        cell("# Public tests for m (read-only)\nraise SystemExit('copied without metadata')"),
        cell("raise SystemExit('graded')", autograder={"role": "graded"}),
        cell("raise SystemExit('by grade id')", nbgrader={"grade": False, "locked": True, "grade_id": "public_tests"}),
        cell("from autograder import check; check('m')"),
        cell("import autograder\nautograder.check()"),
        cell("def g():\n    return 2", nbgrader={"grade": True, "solution": True, "grade_id": "g", "points": 1}),
    )
    files, problems = modules_from_notebooks({"m.ipynb": nb}, existing={})
    assert problems == []
    names, printed = run_module(files["m.py"])  # would raise SystemExit if a test cell were kept
    assert names["f"]() == 1 and names["g"]() == 2  # a manually graded *solution* cell is the student's code
    assert printed == ""


def test_a_cell_that_raises_does_not_stop_the_cells_after_it():
    nb = notebook(cell("def f():\n    return 1"), cell("f(1, 2)  # exploring"), cell("def g():\n    return f() + 1"))
    files, problems = modules_from_notebooks({"m.ipynb": nb}, existing={})
    names, printed = run_module(files["m.py"])
    assert names["g"]() == 2
    assert "m.ipynb, code cell 2 (starting 'f(1, 2)  # exploring') raised TypeError" in printed
    assert "_autograder_cell_failed" not in names  # the helper does not stay in the student's module


def test_a_cell_with_a_syntax_error_is_left_out_and_named_and_the_rest_is_kept():
    nb = notebook(cell("def f(:\n    pass"), cell("def g():\n    return 3"))
    files, problems = modules_from_notebooks({"m.ipynb": nb}, existing={})
    names, _ = run_module(files["m.py"])
    assert names["g"]() == 3 and "f" not in names
    assert len(problems) == 1
    assert problems[0].startswith("m.ipynb: code cell 1 (starting `def f(:`) has a syntax error (line 1:")
    assert "Restart & Run All" in problems[0]


def test_future_imports_still_open_the_module():
    late_future = "from __future__ import annotations\ndef f(x: Undefined) -> int:\n    return 1"
    nb = notebook(cell("import math"), cell(late_future))
    files, problems = modules_from_notebooks({"m.ipynb": nb}, existing={})
    assert problems == []
    tree = ast.parse(files["m.py"])
    assert isinstance(tree.body[0], ast.ImportFrom) and tree.body[0].module == "__future__"
    names, _ = run_module(files["m.py"])
    assert names["f"](0) == 1  # the annotation is never evaluated


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"cells": [', "m.ipynb is not a valid notebook (broken JSON at line 1, column 12"),
        (b"\xff\xfe\x00garbage", "m.ipynb is not a Jupyter notebook (not UTF-8 text)"),
        (b"[1, 2, 3]", "m.ipynb is JSON but not a Jupyter notebook"),
        (b'{"nbformat": 3, "worksheets": []}', "m.ipynb is an old (version 3) notebook"),
    ],
)
def test_unreadable_notebooks_get_a_message_naming_the_file_and_the_fix_and_the_rest_is_kept(data, expected):
    good = notebook(cell("def f():\n    return 1"))
    files, problems = modules_from_notebooks({"m.ipynb": data, "other.ipynb": good}, existing={})
    assert set(files) == {"other.py"}
    assert len(problems) == 1 and problems[0].startswith(expected), problems
    assert "was not graded" in problems[0]
    assert any(fix in problems[0] for fix in ("save it", "hand in", "nbconvert")), problems[0]


def test_a_renamed_copy_is_graded_as_its_lesson_and_the_rename_is_reported():
    nb = notebook(cell("def f():\n    return 1"), lesson="activations")
    files, problems = modules_from_notebooks({"activations-Copy1.ipynb": nb}, existing={})
    assert set(files) == {"activations.py"}
    assert problems == ["activations-Copy1.ipynb was graded as the activations lesson; name it activations.ipynb"]


def test_a_notebook_whose_lesson_cannot_be_told_is_reported():
    files, problems = modules_from_notebooks({"my work (1).ipynb": notebook(cell("x = 1"))}, existing={})
    assert files == {}
    assert problems[0].startswith("cannot tell which lesson my work (1).ipynb is")
    assert "rename it" in problems[0]


def test_the_lesson_name_in_metadata_cannot_escape_the_submission_folder():
    nb = notebook(cell("x = 1"), lesson="../../etc/passwd")
    files, problems = modules_from_notebooks({"activations.ipynb": nb}, existing={})
    assert set(files) == {"activations.py"}  # falls back to the file name


def test_two_notebooks_of_one_lesson_grade_the_one_named_after_it():
    a = notebook(cell("X = 'exact'"), lesson="activations")
    b = notebook(cell("X = 'copy'"), lesson="activations")
    files, problems = modules_from_notebooks({"activations.ipynb": a, "activations-Copy1.ipynb": b}, existing={})
    names, _ = run_module(files["activations.py"])
    assert names["X"] == "exact"
    assert problems == [
        "activations-Copy1.ipynb and activations.ipynb are both the activations lesson: graded activations.ipynb; "
        "hand in only one notebook per lesson"
    ]


STUB = b"def f():\n    # YOUR CODE HERE\n    raise NotImplementedError('f')\n"


def test_a_worked_notebook_beats_an_untouched_stub_module_of_the_same_lesson():
    nb = notebook(cell("def f():\n    return 1"))
    files, problems = modules_from_notebooks({"m.ipynb": nb}, existing={"m.py": STUB})
    names, _ = run_module(files["m.py"])
    assert names["f"]() == 1
    assert "graded m.ipynb, which has fewer unfinished stubs (0 against 1)" in problems[0]


def test_a_worked_module_beats_an_untouched_stub_notebook_and_a_tie_keeps_the_module():
    stub_nb = notebook(cell(STUB.decode()))
    files, problems = modules_from_notebooks({"m.ipynb": stub_nb}, existing={"m.py": b"def f():\n    return 1\n"})
    assert files == {}  # nothing replaces the module
    assert problems[0].startswith("m.py and m.ipynb were both handed in: graded m.py")
    files, problems = modules_from_notebooks({"m.ipynb": notebook(cell("def f():\n    return 2"))},
                                             existing={"m.py": b"def f():\n    return 1\n"})  # fmt: skip
    assert files == {} and "graded m.py" in problems[0]
    files, problems = modules_from_notebooks({"m.ipynb": notebook(cell("def f():\n    return 2"))}, existing={"m.py"})
    assert files == {} and "graded m.py" in problems[0]  # names only: the module wins


def test_same_notebook_same_module():
    nb = notebook(cell("%matplotlib inline\nimport math"), cell("def f(:"), cell("def g():\n    return 1"))
    assert modules_from_notebooks({"m.ipynb": nb}, existing={}) == modules_from_notebooks({"m.ipynb": nb}, existing={})


def test_a_notebook_without_code_is_reported():
    files, problems = modules_from_notebooks({"m.ipynb": notebook(cell("text", "markdown"))}, existing={})
    assert "m.py" in files
    assert problems == ["m.ipynb: has no code cells to grade; write your code in code cells, not markdown"]


def test_notebook_module_counts_unfinished_stubs():
    module = notebook_module("m.ipynb", notebook(cell(STUB.decode()), cell("def g():\n    raise NotImplementedError")))
    assert module.unfinished == 2 and module.cells == 2
