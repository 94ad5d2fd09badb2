"""Student notebooks (.ipynb) to plain modules, without running anything.

A submission may hand in ``activations.ipynb`` instead of ``activations.py``.
The grader never starts a Jupyter kernel: this module reads the notebook as
JSON, keeps the code the student wrote and writes ``activations.py`` for the
sandbox, which then grades it exactly like a handed-in module.

What is kept, and why:

- Code cells in notebook order (markdown and raw cells are text).
- Not the test cells: nbgrader "autograder tests" cells (``grade`` without
  ``solution``), the public-test and ``check()`` cells that ``autograder
  build`` puts in the notebook (``metadata.autograder.role``), and a cell
  that only says ``from autograder import check; check()``. Tests are the
  grader's business, and running them at import would cost time or, worse,
  an import error.
- Not the lines that only IPython understands: line magics (``%matplotlib``),
  cell magics (``%%bash``; the body of ``%%time`` / ``%%capture`` is kept),
  shell escapes (``!pip install``) and help (``sigmoid?``). Each is named
  in the report's problems, so the student knows what was left out.
- A cell with a syntax error is left out and named; the other cells are
  still graded (Jupyter would also have run them).
- Each cell runs even if an earlier cell raised, as under nbgrader, which
  executes notebooks with errors allowed: a stray exploratory line must not
  cost a correct function its points. The error is printed, so it shows in
  the report's output.

The module name is the notebook's lesson: ``metadata.autograder.lesson``
(set by ``autograder build``, so a renamed copy such as
``activations-Copy1.ipynb`` still counts) or else the file name. When a
lesson comes both as ``X.py`` and ``X.ipynb``, the one with fewer unfinished
stubs (``raise NotImplementedError``) is graded, the ``.py`` on a tie: a
student who copied the whole ``exercises/`` folder and worked in one of the
two must not be graded on the untouched stub. The choice is reported.

Only parsing happens here (``json``, ``ast``, ``tokenize``); student code
is never executed in this process.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import re
import tokenize
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

__all__ = [
    "modules_from_notebooks",
    "notebook_module",
    "NotebookModule",
    "NotebookProblem",
    "read_notebook",
    "code_cells",
    "ROLE_KEY",
    "TEST_ROLES",
    "PUBLIC_TESTS_HEADER",
]

ROLE_KEY = "autograder"  # cell/notebook metadata key written by ``autograder build``
TEST_ROLES = ("public_tests", "check", "graded")  # cell roles that are never part of the student's module
PUBLIC_TESTS_HEADER = "# Public tests for"  # first line of the public-test cell (metadata may be lost on copy)
PYTHON_CELL_MAGICS = ("time", "capture")  # cell magics whose body is plain Python, run once
_STUB = re.compile(r"^\s*raise\s+NotImplementedError\b", re.MULTILINE)
_HELP = re.compile(r"^\s*(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_SHELL_ASSIGN = re.compile(r"^\s*[\w.,\s\[\]()]+=\s*[!%]")
_MAX_LISTED = 6


class NotebookProblem(ValueError):
    """A notebook that cannot be graded at all; the message names the file and the fix."""


@dataclass
class NotebookModule:
    """The module built from one notebook, and what was left out of it."""

    notebook: str  # file name, e.g. "activations.ipynb"
    lesson: str  # module name, e.g. "activations"
    source: str  # the module's text
    cells: int = 0  # code cells kept
    left_out: list[str] = field(default_factory=list)  # IPython-only lines, with their cell
    syntax_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def unfinished(self) -> int:
        return len(_STUB.findall(self.source))

    def problems(self) -> list[str]:
        out = list(self.notes)
        if self.left_out:
            shown = ", ".join(self.left_out[:_MAX_LISTED]) + (" ..." if len(self.left_out) > _MAX_LISTED else "")
            out.append(
                f"{self.notebook}: left out {len(self.left_out)} line(s) that only work inside Jupyter "
                f"(IPython magics, shell commands): {shown}. The rest of your code was graded; "
                "if your functions need what those lines did, do it in Python instead"
            )
        for err in self.syntax_errors:
            out.append(
                f"{self.notebook}: {err}; that cell was left out and the other cells were graded. "
                "Fix it, then run Kernel > Restart & Run All to check"
            )
        if self.cells == 0:
            out.append(f"{self.notebook}: has no code cells to grade; write your code in code cells, not markdown")
        return out


# ----------------------------------------------------------------------------- reading


def read_notebook(name: str, data: bytes) -> dict[str, Any]:
    """The notebook's JSON, or ``NotebookProblem`` saying what is wrong with the file and how to fix it."""
    stem = PurePath(name).stem
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookProblem(
            f"{name} is not a Jupyter notebook (not UTF-8 text) and was not graded; "
            f"hand in the .ipynb file that Jupyter saves, or {stem}.py"
        ) from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookProblem(
            f"{name} is not a valid notebook (broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}) "
            f"and was not graded; open it in Jupyter and save it again (File > Save), or hand in {stem}.py"
        ) from None
    except RecursionError:
        raise NotebookProblem(f"{name} is nested too deeply to be a notebook and was not graded") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        if isinstance(nb, dict) and "worksheets" in nb:
            raise NotebookProblem(
                f"{name} is an old (version 3) notebook and was not graded; open it in a current Jupyter "
                f"and save it, or run: jupyter nbconvert --to notebook --nbformat 4 {name}"
            )
        raise NotebookProblem(
            f"{name} is JSON but not a Jupyter notebook (it has no list of cells) and was not graded; "
            f"hand in the notebook Jupyter saved, or {stem}.py"
        )
    return nb


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _meta(cell: dict[str, Any], key: str) -> dict[str, Any]:
    meta = cell.get("metadata")
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def _lesson_of(name: str, nb: dict[str, Any]) -> str:
    raw = nb.get("metadata")
    meta = raw if isinstance(raw, dict) else {}
    declared = (meta.get(ROLE_KEY) or {}).get("lesson") if isinstance(meta.get(ROLE_KEY), dict) else None
    if isinstance(declared, str) and _is_module_name(declared):
        return declared
    stem = PurePath(name).stem
    if _is_module_name(stem):
        return stem
    raise NotebookProblem(
        f"cannot tell which lesson {name} is (its name is not a module name and it has no lesson metadata), "
        "so it was not graded; rename it after its lesson, e.g. activations.ipynb"
    )


def _is_module_name(text: str) -> bool:
    return text.isidentifier() and text.isascii() and not keyword.iskeyword(text)


def skip_reason(cell: dict[str, Any]) -> str | None:
    """Why a code cell is not part of the student's module (None: it is)."""
    role = _meta(cell, ROLE_KEY).get("role")
    if role in TEST_ROLES:
        return str(role)
    nbg = _meta(cell, "nbgrader")
    if nbg.get("grade") and not nbg.get("solution"):
        return "tests"  # an nbgrader "autograder tests" cell
    if nbg.get("locked") and nbg.get("grade_id") in TEST_ROLES:
        return str(nbg["grade_id"])  # ours, by grade id, should the autograder metadata have been stripped
    src = _source(cell)
    if src.lstrip().startswith(PUBLIC_TESTS_HEADER):
        return "public_tests"
    if _only_check(src):
        return "check"
    return None


def _only_check(src: str) -> bool:
    """A cell that only runs ``from autograder import check; check()`` (the sandbox has no autograder)."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if not tree.body:
        return False
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "autograder":
            continue
        if isinstance(node, ast.Import) and all(a.name.split(".")[0] == "autograder" for a in node.names):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            f = node.value.func
            if (isinstance(f, ast.Name) and f.id == "check") or (isinstance(f, ast.Attribute) and f.attr == "check"):
                continue
        return False
    return True


def code_cells(nb: dict[str, Any]) -> list[tuple[int, str]]:
    """(1-based code-cell number, source) of the cells that belong to the student's module."""
    out, number = [], 0
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        if skip_reason(cell) is None:
            out.append((number, _source(cell)))
    return out


# ----------------------------------------------------------------------------- IPython-only lines


def _parses(src: str) -> SyntaxError | None:
    try:
        ast.parse(src)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return SyntaxError(str(exc) or type(exc).__name__)
    return None


def strip_ipython(src: str) -> tuple[str, list[str], bool]:
    """(plain Python, the IPython-only lines removed, whether the whole cell was a non-Python cell magic)."""
    lines = src.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()
        name = magic[2:].split()[0] if len(magic) > 2 else ""
        if name not in PYTHON_CELL_MAGICS:
            return "", [magic], True
        lines[first] = ""
        removed = [magic]
    else:
        removed = []
    if _parses("\n".join(lines)) is None:
        return "\n".join(lines), removed, False
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith(("%", "!")) or _HELP.match(line) or _SHELL_ASSIGN.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            lines[i] = f"{indent}pass"
            removed.append(text)
    return "\n".join(lines), removed, False


# ----------------------------------------------------------------------------- building the module


def _indent(src: str, prefix: str = "    ") -> str:
    """Indent every line that does not continue a multi-line token (so string values are unchanged)."""
    lines = src.splitlines()
    inside: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return "\n".join(line if (n in inside or not line.strip()) else prefix + line for n, line in enumerate(lines, 1))


def _split_future(src: str) -> tuple[list[str], str]:
    """Top-level ``from __future__`` imports (they must open the module) and the cell without them."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [], src
    lines = src.splitlines()
    futures = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            futures.append(ast.get_source_segment(src, node) or "")
            for n in range(node.lineno - 1, (node.end_lineno or node.lineno)):
                lines[n] = "pass" if n == node.lineno - 1 else ""
    return [f for f in futures if f], "\n".join(lines)


def _first_line(src: str) -> str:
    line = next((s.strip() for s in src.splitlines() if s.strip() and not s.strip().startswith("#")), "")
    return line if len(line) <= 40 else line[:37] + "..."


def notebook_module(name: str, data: bytes) -> NotebookModule:
    """Build the module for one notebook (``NotebookProblem`` if it cannot be graded at all)."""
    nb = read_notebook(name, data)
    lesson = _lesson_of(name, nb)
    result = NotebookModule(notebook=name, lesson=lesson, source="")
    futures: list[str] = []
    blocks: list[str] = []
    plain: list[str] = []
    for number, raw in code_cells(nb):
        where = f"code cell {number}"
        code, removed, dropped = strip_ipython(raw)
        if dropped:
            result.left_out.append(f"`{removed[0]}` (all of {where})")
            continue
        result.left_out += [f"`{r}` ({where})" for r in removed]
        error = _parses(code)
        if error is not None:
            line = f"line {error.lineno}: " if error.lineno else ""
            result.syntax_errors.append(
                f"{where} (starting `{_first_line(raw)}`) has a syntax error ({line}{error.msg})"
            )
            continue
        if not code.strip():
            continue
        cell_futures, code = _split_future(code)
        futures += [f for f in cell_futures if f not in futures]
        label = f"{where} (starting {_first_line(raw)!r})"
        wrapped = (
            f"# --- {where} ---\ntry:\n{_indent(code)}\n    pass\n"
            f"except Exception as _autograder_error:\n    _autograder_cell_failed({label!r}, _autograder_error)\n"
        )
        if _parses(wrapped) is not None:  # cannot happen for code that parsed; never lose the cell over it
            wrapped = f"# --- {where} ---\n{code}\n"
        blocks.append(wrapped)
        plain.append(f"# --- {where} ---\n{code}\n")
        result.cells += 1
    header = [
        f"# Built by the autograder from {name}: its code cells in order, each run even if an earlier one raised.",
        *futures,
        "",
        "def _autograder_cell_failed(where, error):",
        "    try:",
        "        text = f'{type(error).__name__}: {error}'",
        "    except BaseException:",
        "        text = type(error).__name__",
        f"    print({name!r} + ', ' + where + ' raised ' + text[:300] + '; the cells after it still ran', flush=True)",
        "",
    ]
    result.source = "\n".join(header) + "\n" + "\n".join(blocks) + "\ndel _autograder_cell_failed\n"
    if _parses(result.source) is not None:  # defensive: fall back to plain concatenation of the parsed cells
        result.source = "\n".join(futures + plain) + "\n"
    return result


def _unfinished(data: bytes) -> int:
    return len(_STUB.findall(data.decode("utf-8", "replace")))


def modules_from_notebooks(
    notebooks: dict[str, bytes], existing: Mapping[str, bytes] | Set[str]
) -> tuple[dict[str, bytes], list[str]]:
    """``{"<lesson>.py": bytes}`` for the notebooks of a submission, and the problems to report.

    ``existing`` holds the submission's ``.py`` files (name -> bytes; a plain set of names
    is accepted, and then a ``.py`` always wins over a notebook of the same lesson).
    """
    files: dict[str, bytes] = {}
    problems: list[str] = []
    built: dict[str, NotebookModule] = {}
    for name in sorted(notebooks):
        try:
            module = notebook_module(name, notebooks[name])
        except NotebookProblem as exc:
            problems.append(str(exc))
            continue
        other = built.get(module.lesson)
        if other is not None:
            keep, drop = (module, other) if name == f"{module.lesson}.ipynb" else (other, module)
            problems.append(
                f"{drop.notebook} and {keep.notebook} are both the {module.lesson} lesson: graded {keep.notebook}; "
                "hand in only one notebook per lesson"
            )
            if keep is other:
                continue
        built[module.lesson] = module
    for lesson, module in sorted(built.items()):
        target = f"{lesson}.py"
        if module.notebook != f"{lesson}.ipynb":
            problems.append(f"{module.notebook} was graded as the {lesson} lesson; name it {lesson}.ipynb")
        if target in existing:
            py = existing[target] if isinstance(existing, Mapping) else None
            if py is None or module.unfinished >= _unfinished(py):
                problems.append(
                    f"{target} and {module.notebook} were both handed in: graded {target}"
                    + (
                        ""
                        if py is None
                        else f" (the notebook has {module.unfinished} unfinished stub(s), the module {_unfinished(py)})"
                    )
                    + "; hand in only the one you worked in"
                )
                continue
            problems.append(
                f"{target} and {module.notebook} were both handed in: graded {module.notebook}, which has fewer "
                f"unfinished stubs ({module.unfinished} against {_unfinished(py)}); hand in only the one you worked in"
            )
        files[target] = module.source.encode("utf-8")
        problems.extend(module.problems())
    return files, problems
