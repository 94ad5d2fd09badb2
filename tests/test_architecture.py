"""The package's shape: no import circles, a lazy top level, and docs that name real modules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograder"
# Copied next to the worker and run on their own: they import nothing from the package.
STANDALONE = {"autograder.sandbox._worker", "autograder.sandbox._zygote"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports when it is imported (not inside functions)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            if isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "finalbody", []))
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("autograder"))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("autograder"):
                assert node.level == 0, f"{path}: relative import; the package uses absolute imports"
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in MODULES else node.module)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    own = _module_name(path).split(".")
    ancestors = {".".join(own[:i]) for i in range(1, len(own))}  # already being imported when this module runs
    edges = set()
    for name in found:
        # importing a.b.c runs a/__init__, a/b/__init__ and a/b/c
        parts = name.split(".")
        edges.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return (edges - ancestors) & set(MODULES)


def test_the_package_has_no_import_circle():
    graph = {name: _import_time_imports(path) - {name} for name, path in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circle = stack[stack.index(nxt) :] + [nxt]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)


def test_the_standalone_worker_files_import_nothing_from_the_package():
    for name in STANDALONE:
        assert not (_import_time_imports(MODULES[name]) - {"autograder"}), name
        assert "from autograder" not in MODULES[name].read_text(encoding="utf-8")


def test_importing_the_package_or_the_students_check_loads_no_grading_machinery():
    code = (
        "import sys, autograder, autograder.checking.check\n"
        "heavy = ('pytest', 'hypothesis', 'matplotlib', 'autograder.sandbox', 'autograder.grading')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""


def test_the_public_names_resolve_lazily_to_their_homes():
    import autograder

    assert set(autograder.__all__) == {"__version__", *autograder._HOMES}
    for name in autograder.__all__:
        assert getattr(autograder, name) is not None, name
    from autograder import check

    assert callable(check) and check.__module__ == "autograder.checking.check"


def test_docs_architecture_names_only_modules_that_exist():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"autograder/[\w/]+\.py", text))
    assert len(named) > 40
    missing = sorted(n for n in named if not (ROOT / n).is_file())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"
    undocumented = sorted(
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" and str(p.relative_to(ROOT)) not in named
    )
    assert not undocumented, f"docs/architecture.md does not say where these modules fit: {undocumented}"


def test_every_package_says_what_it_holds():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{init.relative_to(ROOT)} needs a docstring saying what the package holds"
