"""Mutation operators: each turns one AST node into the small mistakes a student could make there.

An operator is a function ``(node, scope) -> iterable of Edit``. It never
touches the tree; it proposes replacements, and ``autograder.audit.mutate``
splices each one into the source text (so a mutant's diff is one small
change, with the author's formatting and comments kept) and checks that the
spliced text parses to exactly the intended tree.

The operators mirror what goes wrong in this course's exercises: a sign or
an operator flipped, an off-by-one constant, a term or a call forgotten,
arguments swapped, a wrong axis, a transpose dropped, the wrong activation,
an early or missing return, and modifying the caller's array instead of a
copy.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["ACTIVATION_FAMILIES", "OPERATORS", "OPERATOR_NAMES", "Edit", "Operator", "Scope"]


@dataclass(frozen=True)
class Edit:
    """Replace ``node`` by ``new`` (an expression) or, for a statement, by a list of statements."""

    node: ast.AST
    new: ast.AST | list[ast.stmt]
    description: str


@dataclass(frozen=True)
class Scope:
    """What an operator may need to know beyond the node itself."""

    parents: dict[int, tuple[ast.AST, str, int | None]]  # id(node) -> (parent, field, index in a list field)
    module_names: frozenset[str]  # names bound at the module's top level (defs, imports, assignments)
    imports: frozenset[str] = frozenset()  # the names bound by imports (``np``, ``math``, ``activations``)

    def parent(self, node: ast.AST) -> ast.AST | None:
        found = self.parents.get(id(node))
        return found[0] if found else None


Operator = Callable[[ast.AST, Scope], Iterable[Edit]]

_ARITH: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
}
_SYMBOL: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.MatMult: "@", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or",
}  # fmt: skip
_COMPARE: dict[type, tuple[type, ...]] = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)

ACTIVATION_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("sigmoid", "tanh", "relu"),
    ("sigmoid_grad", "tanh_grad", "relu_grad"),
)
_NUMPY_MODULES = frozenset({"np", "numpy", "math"})
# numpy functions (or array methods) a student confuses with each other
_NUMPY_SWAPS: dict[str, tuple[str, ...]] = {
    "maximum": ("minimum",), "minimum": ("maximum",), "max": ("min",), "min": ("max",),
    "amax": ("amin",), "amin": ("amax",), "argmax": ("argmin",), "argmin": ("argmax",),
    "sum": ("mean",), "mean": ("sum",), "zeros": ("ones",), "ones": ("zeros",),
    "zeros_like": ("ones_like",), "ones_like": ("zeros_like",), "dot": ("multiply",), "matmul": ("multiply",),
    "floor": ("ceil",), "ceil": ("floor",),
}  # fmt: skip
# calls whose "dropped" version is a type error or meaningless, not a plausible mistake
_NOT_DROPPED = frozenset({
    "range", "len", "isinstance", "print", "enumerate", "zip", "list", "tuple", "dict", "set", "str", "repr",
    "type", "super", "iter", "next", "sorted", "reversed", "getattr", "hasattr", "setattr", "ValueError",
    "TypeError", "RuntimeError", "NotImplementedError",
})  # fmt: skip
_COPIES = frozenset({"array", "copy", "deepcopy"})


def _show(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(node: ast.AST) -> int | float | None:
    """The value of a numeric literal (``-1`` included), else None. Booleans are not numbers here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        if inner is not None and isinstance(node.operand, ast.Constant):
            return -inner
    return None


def _literal(value: float) -> ast.expr:
    return ast.UnaryOp(ast.USub(), ast.Constant(-value)) if value < 0 else ast.Constant(value)


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


# ----------------------------------------------------------------------------- the operators


def copy_to_inplace(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``np.array(x)`` / ``np.copy(x)`` / ``x.copy()`` -> ``x``; ``x = x - e`` -> ``x -= e`` (writes into the caller's array)."""
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if name in _COPIES and node.args and not isinstance(node.args[0], ast.Starred):
            yield Edit(node, node.args[0], f"`{_show(node)}` -> `{_show(node.args[0])}` (no copy)")
        elif name == "copy" and isinstance(node.func, ast.Attribute) and not node.args:
            yield Edit(node, node.func.value, f"`{_show(node)}` -> `{_show(node.func.value)}` (no copy)")
    elif isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
        if (
            isinstance(value, ast.BinOp)
            and not isinstance(value.op, ast.MatMult)
            and ast.unparse(value.left) == ast.unparse(target)  # same place (ctx Load vs Store aside)
            and isinstance(target, (ast.Name, ast.Subscript, ast.Attribute))
        ):
            new = ast.AugAssign(target=copy.deepcopy(target), op=copy.deepcopy(value.op), value=value.right)
            yield Edit(node, [new], f"`{_show(node)}` -> `{_show(new)}` (in place)")


def swap_activation(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``sigmoid`` -> ``tanh`` / ``relu`` (and the ``_grad`` family), where the other name exists."""
    for family in ACTIVATION_FAMILIES:
        if isinstance(node, ast.Name) and node.id in family:
            for other in family:
                if other != node.id and other in scope.module_names:
                    yield Edit(node, ast.Name(other, ast.Load()), f"`{node.id}` -> `{other}`")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in family
            and not (isinstance(node.value, ast.Name) and node.value.id in _NUMPY_MODULES)
        ):
            for other in family:
                if other != node.attr:
                    new = ast.Attribute(node.value, other, ast.Load())
                    yield Edit(node, new, f"`{_show(node)}` -> `{_show(new)}`")


def swap_numpy_function(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``np.maximum`` -> ``np.minimum``, ``x.sum()`` -> ``x.mean()``, ``np.dot`` -> ``np.multiply``, ..."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _NUMPY_SWAPS:
        for other in _NUMPY_SWAPS[node.func.attr]:
            new = ast.Call(ast.Attribute(node.func.value, other, ast.Load()), node.args, node.keywords)
            yield Edit(node, new, f"`.{node.func.attr}(...)` -> `.{other}(...)`")


def wrong_axis(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``axis=0`` <-> ``axis=1`` (``axis=-1`` -> ``axis=0``), ``axis=`` dropped, ``keepdims=`` dropped."""
    if not isinstance(node, ast.Call):
        return
    for i, kw in enumerate(node.keywords):
        if kw.arg not in ("axis", "keepdims"):
            continue
        rest = node.keywords[:i] + node.keywords[i + 1 :]
        yield Edit(node, ast.Call(node.func, node.args, rest), f"`{kw.arg}={_show(kw.value)}` dropped")
        value = _number(kw.value)
        if kw.arg == "axis" and isinstance(value, int):
            other = 1 if value == 0 else 0
            changed = ast.keyword("axis", _literal(other))
            new = ast.Call(node.func, node.args, [*node.keywords[:i], changed, *node.keywords[i + 1 :]])
            yield Edit(node, new, f"`axis={value}` -> `axis={other}`")


def drop_transpose(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``W.T`` -> ``W``."""
    if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        yield Edit(node, node.value, f"`{_show(node)}` -> `{_show(node.value)}`")


def flip_comparison(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``>`` -> ``>=`` / ``<``, ``==`` -> ``!=``, ``in`` -> ``not in``, ..."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for other in _COMPARE.get(type(op), ()):
                new = ast.Compare(node.left, [*node.ops[:i], other(), *node.ops[i + 1 :]], node.comparators)
                yield Edit(node, new, f"`{_show(node)}` -> `{_show(new)}`")


def flip_logic(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``and`` <-> ``or``; ``not x`` -> ``x``."""
    if isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        new = ast.BoolOp(other(), node.values)
        yield Edit(node, new, f"`{_show(node)}` -> `{_show(new)}`")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield Edit(node, node.operand, f"`{_show(node)}` -> `{_show(node.operand)}`")


def swap_arithmetic(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``+`` <-> ``-``, ``*`` <-> ``/``, ``**`` -> ``*``, ``@`` -> ``*``, also in ``x -= e``."""
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        new = ast.BinOp(node.left, _ARITH[type(node.op)](), node.right)
        yield Edit(node, new, f"`{_show(node)}` -> `{_show(new)}`")
    elif isinstance(node, ast.AugAssign) and type(node.op) in _ARITH:
        other = _ARITH[type(node.op)]
        new_stmt = ast.AugAssign(node.target, other(), node.value)
        yield Edit(node, [new_stmt], f"`{_SYMBOL[type(node.op)]}=` -> `{_SYMBOL[other]}=`")


def drop_sign(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``-x`` -> ``x`` (numeric literals are the constant operator's)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _number(node) is None:
        yield Edit(node, node.operand, f"`{_show(node)}` -> `{_show(node.operand)}`")


def change_constant(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """0 -> 1, 1 -> 0, n -> n + 1, n -> n - 1, n -> -n; True <-> False."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield Edit(node, ast.Constant(not node.value), f"`{node.value}` -> `{not node.value}`")
        return
    value = _number(node)
    if value is None:
        return
    parent = scope.parent(node)
    if isinstance(node, ast.Constant) and isinstance(parent, ast.UnaryOp) and _number(parent) is not None:
        return  # the literal -n is mutated as a whole
    candidates: list[int | float] = []
    if value == 0:
        candidates.append(1)
    if value == 1:
        candidates.append(0)
    candidates += [value + 1, value - 1]
    if value != 0:
        candidates.append(-value)
    seen: set[int | float] = {value}
    for c in candidates:
        c = type(value)(c)
        if c in seen:
            continue
        seen.add(c)
        yield Edit(node, _literal(c), f"`{_show(node)}` -> `{c!r}`")


def swap_arguments(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``f(a, b)`` -> ``f(b, a)`` (each adjacent pair); ``a - b`` -> ``b - a`` for non-commutative operators."""
    if isinstance(node, ast.Call):
        args = node.args
        for i in range(len(args) - 1):
            a, b = args[i], args[i + 1]
            if isinstance(a, ast.Starred) or isinstance(b, ast.Starred) or ast.dump(a) == ast.dump(b):
                continue
            new = ast.Call(node.func, [*args[:i], b, a, *args[i + 2 :]], node.keywords)
            yield Edit(node, new, f"arguments `{_show(a)}` and `{_show(b)}` swapped")
    elif (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, _NON_COMMUTATIVE)
        and ast.dump(node.left) != ast.dump(node.right)
    ):
        yield Edit(node, ast.BinOp(node.right, node.op, node.left), f"`{_show(node)}` -> operands swapped")


def drop_term(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``a + b`` -> ``a`` and -> ``b`` (a term, a factor, a divisor or an exponent forgotten)."""
    if isinstance(node, ast.BinOp):
        for kept in (node.left, node.right):
            yield Edit(node, kept, f"`{_show(node)}` -> `{_show(kept)}`")


def drop_call(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """A call forgotten: ``f(x, ...)`` -> ``x`` (``np.exp(-z)`` -> ``-z``), a method ``x.astype(t)`` -> ``x``."""
    if not isinstance(node, ast.Call) or _call_name(node) in _NOT_DROPPED:
        return
    f = node.func
    is_method = isinstance(f, ast.Attribute) and not (
        isinstance(f.value, ast.Name) and (f.value.id in scope.imports or f.value.id in _NUMPY_MODULES)
    )
    if is_method and isinstance(f, ast.Attribute):  # the second test only narrows f: is_method implies it
        yield Edit(node, f.value, f"`{_show(node)}` -> `{_show(f.value)}`")
    elif node.args and not isinstance(node.args[0], ast.Starred):
        yield Edit(node, node.args[0], f"`{_show(node)}` -> `{_show(node.args[0])}`")


def remove_return(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """``return e`` -> ``return None`` (the value never handed back)."""
    value = node.value if isinstance(node, ast.Return) else None
    if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
        yield Edit(node, [ast.Return(ast.Constant(None))], f"`{_show(node)}` -> `return None`")


def early_return(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """After ``x = ...`` (not the last statement), ``return x``: an intermediate result handed back."""
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return
    where = scope.parents.get(id(node))
    if where is None:
        return
    parent, field, index = where
    if index is None:
        return
    body = getattr(parent, field)
    if index + 1 >= len(body) or isinstance(body[index + 1], ast.Return) and _returns_name(body[index + 1], node):
        return
    name = node.targets[0].id
    yield Edit(node, [node, ast.Return(ast.Name(name, ast.Load()))], f"`return {name}` inserted after `{_show(node)}`")


def _returns_name(ret: ast.Return, assign: ast.Assign) -> bool:
    return isinstance(ret.value, ast.Name) and ret.value.id == assign.targets[0].id  # type: ignore[attr-defined]


def drop_statement(node: ast.AST, scope: Scope) -> Iterator[Edit]:
    """A simple statement (assignment, update, call) -> ``pass``: a step forgotten."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or (
        isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant)
    ):
        yield Edit(node, [ast.Pass()], f"`{_show(node)}` removed")


# The order matters twice: a mutant reached by two operators keeps the first one's name, and
# the listing in reports follows it.
OPERATORS: dict[str, Operator] = {
    "copy": copy_to_inplace,
    "activation": swap_activation,
    "numpy_function": swap_numpy_function,
    "axis": wrong_axis,
    "transpose": drop_transpose,
    "compare": flip_comparison,
    "logic": flip_logic,
    "arithmetic": swap_arithmetic,
    "sign": drop_sign,
    "constant": change_constant,
    "swap_args": swap_arguments,
    "drop_term": drop_term,
    "drop_call": drop_call,
    "remove_return": remove_return,
    "early_return": early_return,
    "drop_statement": drop_statement,
}
OPERATOR_NAMES: tuple[str, ...] = tuple(OPERATORS)
