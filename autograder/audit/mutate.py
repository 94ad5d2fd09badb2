"""Mutants of the reference solutions: each one the reference with ONE plausible mistake.

Only code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is mutated:
that is what students write, so that is where the hidden tests must catch
mistakes. Helpers and given code stay as they are.

Each mutation is spliced into the source text at the mutated node's exact
position, so a mutant's diff is one small change and the author's
comments and layout survive. The spliced text is parsed again and must give
exactly the intended tree (with parentheses added where precedence needs
them); anything else is not produced. Mutants that do not compile are
discarded and mutants whose code is identical to another's (or to the
reference) are dropped, so every mutant counted is a distinct program.

A mutant's ``id`` is ``module.function:operator:hash``, the hash taken over
the mutated solution region with comments and layout normalised away. It
does not change when other code or other regions of the file are edited,
which is what lets ``audit/equivalent.yaml`` name reviewed mutants for good.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from autograder.audit.operators import OPERATORS, Edit, Scope
from autograder.authoring.build import Region, solution_regions

__all__ = ["Mutant", "MutationSet", "generate_mutants", "region_hash"]


@dataclass(frozen=True)
class Mutant:
    """The reference module ``module`` with one change inside a solution region of ``function``."""

    module: str
    function: str
    operator: str
    description: str
    line: int  # 1-based line of the change in the reference file
    column: int  # 1-based column where the changed code starts
    source: str  # the whole mutated module, markers kept
    region_hash: str
    diff: str  # unified diff against the reference

    @property
    def id(self) -> str:
        return f"{self.module}.{self.function}:{self.operator}:{self.region_hash}"


@dataclass
class MutationSet:
    """The mutants of one module, and what was dropped on the way."""

    module: str
    mutants: list[Mutant] = field(default_factory=list)
    duplicates: int = 0  # same code as an earlier mutant (or as the reference)
    uncompilable: int = 0
    unspliceable: int = 0  # the change could not be written back as text that parses to the intended tree


def region_hash(code: str) -> str:
    """A short hash of a solution region's code, insensitive to comments and layout."""
    try:
        normal = ast.unparse(ast.parse(textwrap.dedent(code)))
    except SyntaxError:
        normal = " ".join(code.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:10]


def generate_mutants(
    source: str,
    module: str,
    *,
    operators: Iterable[str] | None = None,
    path: str | None = None,
) -> MutationSet:
    """Every distinct, compilable single-change mutant of ``source``'s solution regions.

    ``operators`` restricts the operators by name (default: all, in ``OPERATORS`` order).
    ``path`` is the file name shown in diffs (default ``<module>.py``).
    """
    names = list(OPERATORS) if operators is None else list(operators)
    unknown = [n for n in names if n not in OPERATORS]
    if unknown:
        raise ValueError(f"unknown mutation operator(s) {unknown}; known: {', '.join(OPERATORS)}")
    path = path or f"{module}.py"
    result = MutationSet(module)
    regions = solution_regions(source, path)
    if not regions:
        return result
    tree = ast.parse(source)
    original_dump = ast.dump(tree)
    scope = Scope(parents=_parents(tree), module_names=_top_level_names(tree), imports=_imported_names(tree))
    splicer = _Splicer(source, tree, scope)
    seen = {original_dump}
    found: list[tuple[int, int, int, Mutant]] = []
    for op_rank, name in enumerate(names):
        operator = OPERATORS[name]
        for r_index, region in enumerate(regions):
            for node in _nodes_in(tree, region):
                for edit in operator(node, scope):
                    spliced = splicer.apply(edit)
                    if spliced is None:
                        result.unspliceable += 1
                        continue
                    text, dump = spliced
                    if dump in seen:
                        result.duplicates += 1
                        continue
                    seen.add(dump)
                    try:
                        compile(text, path, "exec")
                    except (SyntaxError, ValueError):
                        result.uncompilable += 1
                        continue
                    mutated_region = solution_regions(text, path)[r_index]
                    mutant = Mutant(
                        module=module,
                        function=region.function or "<module>",
                        operator=name,
                        description=edit.description,
                        line=edit.node.lineno,  # type: ignore[attr-defined]
                        column=edit.node.col_offset + 1,  # type: ignore[attr-defined]
                        source=text,
                        region_hash=region_hash(mutated_region.code),
                        diff=_diff(source, text, path),
                    )
                    found.append((r_index, mutant.line, op_rank, mutant))
    found.sort(key=lambda t: (t[0], t[1], t[2], t[3].column))
    result.mutants = [m for *_, m in found]
    return result


# ----------------------------------------------------------------------------- helpers


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    out: dict[int, tuple[ast.AST, str, int | None]] = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        out[id(child)] = (parent, name, i)
            elif isinstance(value, ast.AST):
                out[id(value)] = (parent, name, None)
    return out


def _top_level_names(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


def _imported_names(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(names)


def _nodes_in(tree: ast.AST, region: Region) -> Iterator[ast.AST]:
    """Nodes entirely between the region's markers, in source order, skipping f-string internals."""
    first, last = region.start + 1, region.end - 1
    inside_fstring: set[int] = set()
    nodes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_fstring.update(id(n) for n in ast.walk(node))
        lineno = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if lineno is None or end is None or lineno < first or end > last or id(node) in inside_fstring:
            continue
        nodes.append(node)
    nodes.sort(key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset))  # type: ignore[attr-defined]
    return iter(nodes)


class _Splicer:
    """Writes one ``Edit`` back into the source text and checks the result parses to the intended tree."""

    def __init__(self, source: str, tree: ast.Module, scope: Scope) -> None:
        self.lines = source.encode("utf-8").splitlines(keepends=True)
        self.tree = tree
        self.scope = scope

    def apply(self, edit: Edit) -> tuple[str, str] | None:
        where = self.scope.parents.get(id(edit.node))
        if where is None:
            return None
        if isinstance(edit.new, list):
            return self._statements(edit, edit.new, where)
        return self._expression(edit, edit.new, where)

    # The intended tree: the original with the node replaced by what the new text parses to.
    def _expected(self, where: tuple[ast.AST, str, int | None], replacement: Sequence[ast.AST] | ast.AST) -> str:
        parent, name, index = where
        old = getattr(parent, name)
        if index is None:
            setattr(parent, name, replacement)
        else:
            new_list = list(old)
            new_list[index : index + 1] = replacement if isinstance(replacement, list) else [replacement]
            setattr(parent, name, new_list)
        try:
            return ast.dump(self.tree)
        finally:
            setattr(parent, name, old)

    def _expression(self, edit: Edit, new: ast.AST, where: tuple[ast.AST, str, int | None]) -> tuple[str, str] | None:
        try:
            text = ast.unparse(new)
            expected = self._expected(where, ast.parse(text, mode="eval").body)
        except (SyntaxError, ValueError, RecursionError):
            return None
        node = edit.node
        for candidate in (text, f"({text})"):
            source = self._splice(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, candidate)  # type: ignore[attr-defined]
            if source is not None and _dump(source) == expected:
                return source, expected
        return None

    def _statements(
        self, edit: Edit, new: list[ast.stmt], where: tuple[ast.AST, str, int | None]
    ) -> tuple[str, str] | None:
        node = edit.node
        first = self.lines[node.lineno - 1]  # type: ignore[attr-defined]
        last = self.lines[node.end_lineno - 1]  # type: ignore[attr-defined]
        indent = first[: node.col_offset]  # type: ignore[attr-defined]
        tail = last[node.end_col_offset :].strip()  # type: ignore[attr-defined]
        if indent.strip() or (tail and not tail.startswith(b"#")):
            return None  # shares its line with other code (``a = 1; b = 2``): leave it
        try:
            body = "\n".join(ast.unparse(s) for s in new)
            expected = self._expected(where, ast.parse(body).body)
        except (SyntaxError, ValueError, RecursionError):
            return None
        text = textwrap.indent(body, indent.decode("utf-8"))
        source = self._splice(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,  # type: ignore[attr-defined]
                              text[len(indent.decode("utf-8")) :])  # fmt: skip
        if source is None or _dump(source) != expected:
            return None
        return source, expected

    def _splice(self, lineno: int, col: int, end_lineno: int, end_col: int, text: str) -> str | None:
        before = b"".join(self.lines[: lineno - 1]) + self.lines[lineno - 1][:col]
        after = self.lines[end_lineno - 1][end_col:] + b"".join(self.lines[end_lineno:])
        try:
            return (before + text.encode("utf-8") + after).decode("utf-8")
        except UnicodeDecodeError:
            return None


def _dump(source: str) -> str | None:
    try:
        return ast.dump(ast.parse(source))
    except (SyntaxError, ValueError):
        return None


def _diff(original: str, mutated: str, path: str) -> str:
    lines = difflib.unified_diff(
        original.splitlines(keepends=True), mutated.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=2
    )
    return "".join(lines)
