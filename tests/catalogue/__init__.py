"""A catalogue of realistic student mistakes, and of correct-but-different solutions.

Each entry is a small edit of the reference solutions: one or more
functions of one module replaced by the given source. ``build`` writes a
complete submission folder (every lesson module, markers stripped) with the
edit applied, so a mistake in one exercise leaves every other exercise
correct and the grade must show the loss there and only there.

Entries live in ``tests/catalogue/<exercise>.py`` as ``MISTAKES`` and
``VARIANTS`` lists; ``all_mistakes()`` / ``all_variants()`` gather them.
``autograder audit`` reuses the variants for its robustness check.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

__all__ = [
    "Mistake",
    "Variant",
    "build",
    "all_mistakes",
    "all_variants",
    "deduction_table",
    "replace_functions",
    "strip_markers",
    "GATED",
]

GATED = "needs a correct answer first"  # autograder.testing.needs_correct_answer's message: a gated hygiene point


@dataclass(frozen=True)
class Mistake:
    """A wrong submission: ``functions`` maps function name -> new source, in ``module``."""

    id: str
    module: str
    functions: dict[str, str]
    fails: tuple[str, ...]  # hidden tests (names in the module's exercise) that must fail
    message: str = ""  # a substring the first listed failing test's message must contain
    description: str = ""
    may_fail: tuple[str, ...] = ()  # tests of the same exercise allowed to fail as well


@dataclass(frozen=True)
class Variant:
    """A correct submission written differently: must score full marks."""

    id: str
    module: str
    functions: dict[str, str]
    description: str = ""
    extra_imports: tuple[str, ...] = field(default=())


def strip_markers(source: str) -> str:
    return (
        "\n".join(
            line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
        )
        + "\n"
    )


def replace_functions(source: str, functions: dict[str, str], extra_imports: tuple[str, ...] = ()) -> str:
    """Replace top-level functions of ``source`` by name with new source text (dedented)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    spans = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in functions:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            spans[node.name] = (start, node.end_lineno)
    missing = set(functions) - set(spans)
    if missing:
        raise KeyError(f"no top-level function(s) {sorted(missing)} to replace")
    for name, (start, end) in sorted(spans.items(), key=lambda kv: -kv[1][0]):
        lines[start:end] = textwrap.dedent(functions[name]).strip("\n").splitlines()
    text = "\n".join(lines) + "\n"
    if extra_imports:
        text = "\n".join(extra_imports) + "\n" + text
    return text


def build(folder: Path, entry: Mistake | Variant | None = None) -> Path:
    """Write a full submission (all reference modules, markers stripped) with ``entry`` applied."""
    folder.mkdir(parents=True, exist_ok=True)
    for src in sorted(SOLUTIONS.glob("*.py")):
        text = strip_markers(src.read_text(encoding="utf-8"))
        if entry is not None and src.stem == entry.module:
            text = replace_functions(text, entry.functions, getattr(entry, "extra_imports", ()))
        (folder / src.name).write_text(text, encoding="utf-8")
    return folder


def _modules():
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        yield importlib.import_module(f"{__name__}.{info.name}")


def all_mistakes() -> list[Mistake]:
    return [m for mod in _modules() for m in getattr(mod, "MISTAKES", [])]


def all_variants() -> list[Variant]:
    return [v for mod in _modules() for v in getattr(mod, "VARIANTS", [])]


def deduction_table(mistakes: list[Mistake], reports: dict) -> str:
    """docs/unit.md's deduction table (Markdown): per mistake, the tests it fails in its exercise and the points lost.

    A hygiene test lost only because the function is wrong (its message says it "needs a correct answer
    first") is shown as "+ hygiene" and not counted among the behaviour tests.
    """
    rows = ["| exercise | mistake | tests failed | behaviour tests | points lost |", "|---|---|---|---|---|"]
    for m in mistakes:
        report = reports[m.id]
        ex = next(e for e in report.exercises if e.id == m.module)
        bad = [t for t in ex.tests if not t.passed]
        gated = [t for t in bad if GATED in t.message]
        named = [t.name.removeprefix("test_") for t in bad if t not in gated]
        elsewhere = [e.id for e in report.exercises if e.id != m.module and e.score < e.max_score]
        text = (
            ", ".join(named)
            + (" + hygiene" if gated else "")
            + (f" (ALSO LOST POINTS IN {elsewhere})" if elsewhere else "")
        )
        rows.append(f"| {m.module} | `{m.id}` | {text} | {len(named)} | {ex.max_score - ex.score:g} |")
    return "\n".join(rows) + "\n"
