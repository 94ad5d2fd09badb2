"""Mutation operators on small snippets: exactly the intended single changes, only inside solution regions."""

from __future__ import annotations

import ast
import textwrap

import pytest

from autograder.audit import operators as ops
from autograder.audit.mutate import generate_mutants, region_hash
from autograder.authoring.build import solution_regions

HEADER = '''"""A lesson."""

import numpy as np


def sigmoid(z):
    return z


def tanh(z):
    return z


def relu(z):
    return z
'''


def module(body: str, header: str = HEADER, args: str = "x, y") -> str:
    body = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    return f'{header}\n\ndef f({args}):\n    """Docstring, not mutated."""\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION\n'


def bodies(body: str, operator: str, header: str = HEADER) -> set[str]:
    """The mutated solution regions (dedented) that ``operator`` makes of ``body``."""
    found = generate_mutants(module(body, header), "lesson", operators=[operator])
    out = set()
    for m in found.mutants:
        region = solution_regions(m.source)[0]
        out.add(textwrap.dedent(region.code).strip())
    return out


def test_arithmetic_swaps_each_operator_once():
    assert bodies("return x + y * 2", "arithmetic") == {"return x - y * 2", "return x + y / 2"}
    assert bodies("return x ** 2 // y", "arithmetic") == {"return x * 2 // y", "return x ** 2 / y"}
    assert bodies("return x @ y", "arithmetic") == {"return x * y"}
    assert bodies("x -= y\nreturn x", "arithmetic") == {"x += y\nreturn x"}


def test_compare_flips_boundaries_and_directions():
    assert bodies("return x > 0", "compare") == {"return x >= 0", "return x < 0"}
    assert bodies("return x <= y", "compare") == {"return x < y", "return x >= y"}
    assert bodies("return x == y", "compare") == {"return x != y"}
    assert bodies("return x is None", "compare") == {"return x is not None"}


def test_logic():
    assert bodies("return x and not y", "logic") == {"return x or not y", "return x and y"}


def test_constants_zero_one_plus_minus_one_and_sign():
    assert bodies("return x + 1", "constant") == {"return x + 0", "return x + 2", "return x + -1"}
    assert bodies("return x * 0", "constant") == {"return x * 1", "return x * -1"}
    assert bodies("return x - 2.5", "constant") == {"return x - 3.5", "return x - 1.5", "return x - -2.5"}
    assert bodies("return x * -1", "constant") == {"return x * 0", "return x * -2", "return x * 1"}
    assert bodies("return f(x, flag=True)", "constant") == {"return f(x, flag=False)"}
    assert bodies("return 'text'", "constant") == set()


def test_sign_drops_a_unary_minus_but_not_of_a_literal():
    assert bodies("return np.exp(-x) * -1", "sign") == {"return np.exp(x) * -1"}


def test_drop_term_keeps_either_side():
    assert bodies("return x * y", "drop_term") == {"return x", "return y"}
    assert bodies("return 1 - x", "drop_term") == {"return 1", "return x"}


def test_swap_arguments_of_calls_and_non_commutative_operators():
    assert bodies("return np.where(x, y, 0)", "swap_args") == {"return np.where(y, x, 0)", "return np.where(x, 0, y)"}
    assert bodies("return x - y", "swap_args") == {"return y - x"}
    assert bodies("return x + y", "swap_args") == set()  # commutative: swapping is not a mistake
    assert bodies("return g(x, x)", "swap_args") == set()  # identical arguments: no change


def test_drop_call_functions_and_methods():
    assert bodies("return np.exp(x)", "drop_call") == {"return x"}
    assert bodies("return x.sum(axis=0)", "drop_call") == {"return x"}
    assert bodies("return np.maximum(x, 0).astype(y)", "drop_call") == {"return np.maximum(x, 0)", "return x.astype(y)"}
    assert bodies("return len(x)", "drop_call") == set()


def test_wrong_axis_and_dropped_axis_or_keepdims():
    assert bodies("return np.sum(x, axis=0)", "axis") == {"return np.sum(x)", "return np.sum(x, axis=1)"}
    assert bodies("return x.mean(axis=1, keepdims=True)", "axis") == {
        "return x.mean(keepdims=True)",
        "return x.mean(axis=0, keepdims=True)",
        "return x.mean(axis=1)",
    }
    assert bodies("return x.max(axis=-1)", "axis") == {"return x.max()", "return x.max(axis=0)"}


def test_transpose_dropped():
    assert bodies("return x.T @ y", "transpose") == {"return x @ y"}


def test_activation_swapped_for_another_that_exists():
    assert bodies("return sigmoid(x)", "activation") == {"return tanh(x)", "return relu(x)"}
    only_sigmoid = '"""A lesson."""\n\nimport numpy as np\n\n\ndef sigmoid(z):\n    return z\n'
    assert bodies("return sigmoid(x)", "activation", header=only_sigmoid) == set()  # tanh would be a NameError
    assert bodies("return acts.relu_grad(x)", "activation") == {
        "return acts.sigmoid_grad(x)",
        "return acts.tanh_grad(x)",
    }
    assert bodies("return np.tanh(x)", "activation") == set()


def test_numpy_function_confusions():
    assert bodies("return np.maximum(x, 0)", "numpy_function") == {"return np.minimum(x, 0)"}
    assert bodies("return x.sum()", "numpy_function") == {"return x.mean()"}
    assert bodies("return np.dot(x, y)", "numpy_function") == {"return np.multiply(x, y)"}


def test_copy_becomes_in_place():
    assert bodies("z = np.array(x)\nreturn z", "copy") == {"z = x\nreturn z"}
    assert bodies("z = x.copy()\nreturn z", "copy") == {"z = x\nreturn z"}
    assert bodies("x = x * 2\nreturn x", "copy") == {"x *= 2\nreturn x"}
    assert bodies("x = x @ y\nreturn x", "copy") == set()  # no in-place matmul for arrays


def test_returns_removed_or_early():
    assert bodies("return x", "remove_return") == {"return None"}
    assert bodies("z = x * 2\nw = z + y\nreturn w", "early_return") == {
        "z = x * 2\nreturn z\nw = z + y\nreturn w",
    }  # not after `w = ...`: `return w` follows anyway


def test_drop_statement():
    assert bodies("z = x\nz += y\nreturn z", "drop_statement") == {"pass\nz += y\nreturn z", "z = x\npass\nreturn z"}


def test_only_solution_regions_are_mutated():
    source = module("return x + y").replace("def sigmoid(z):\n    return z", "def sigmoid(z):\n    return z + 1")
    found = generate_mutants(source, "lesson")
    assert found.mutants
    for m in found.mutants:
        changed = [line for line in m.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        assert changed and all("x" in line or "y" in line or "None" in line or "pass" in line for line in changed), (
            m.diff
        )
        assert "return z + 1" in m.source


def test_no_regions_no_mutants():
    assert generate_mutants("def f(x):\n    return x + 1\n", "plain").mutants == []


def test_one_line_changes_and_comments_kept():
    source = module("# why we add\nz = x + y  # a comment\nreturn z")
    for m in generate_mutants(source, "lesson").mutants:
        assert "# why we add" in m.source and "### BEGIN SOLUTION" in m.source
        minus = [line for line in m.diff.splitlines() if line.startswith("-") and not line.startswith("---")]
        assert len(minus) == 1, m.diff


def test_parentheses_added_where_precedence_needs_them():
    found = generate_mutants(module("return np.exp(x + y) * 2"), "lesson", operators=["drop_call"])
    assert [textwrap.dedent(solution_regions(m.source)[0].code).strip() for m in found.mutants] == [
        "return (x + y) * 2"
    ]
    for m in found.mutants:  # the text parses to the intended tree
        assert ast.dump(ast.parse(m.source)) != ast.dump(ast.parse(module("return x + y * 2")))


def test_duplicates_keep_the_first_operator_and_are_counted():
    found = generate_mutants(module("return np.array(x)"), "lesson", operators=["copy", "drop_call"])
    assert [(m.operator, m.description) for m in found.mutants] == [("copy", "`np.array(x)` -> `x` (no copy)")]
    assert found.duplicates == 1


def test_statements_sharing_a_line_are_left_alone():
    found = generate_mutants(module("z = x; w = y\nreturn z + w"), "lesson", operators=["drop_statement"])
    assert found.mutants == [] and found.unspliceable == 2


def test_fstrings_are_not_mutated():
    assert bodies("return f'{x + 1}'", "arithmetic") == set()


def test_uncompilable_mutants_are_discarded(monkeypatch):
    def awaiting(node, scope):
        if isinstance(node, ast.Return) and node.value is not None:
            yield ops.Edit(node.value, ast.Await(node.value), "await")

    monkeypatch.setitem(ops.OPERATORS, "await", awaiting)
    found = generate_mutants(module("return x"), "lesson", operators=["await"])
    assert found.mutants == [] and found.uncompilable == 1


def test_ids_are_stable_when_other_code_moves_and_distinct_otherwise():
    source = module("z = x + 1\nreturn z * y")
    moved = source.replace('"""A lesson."""', '"""A lesson."""\n\nCONSTANT = 3\n\n\n# a comment')
    first = generate_mutants(source, "lesson").mutants
    second = generate_mutants(moved, "lesson").mutants
    assert [m.id for m in first] == [m.id for m in second]
    assert [m.line for m in first] != [m.line for m in second]
    assert len({m.id for m in first}) == len(first)
    assert all(m.id.startswith("lesson.f:") for m in first)


def test_region_hash_ignores_comments_and_layout():
    assert region_hash("    z = x+1  # c\n    return z") == region_hash("    z = x + 1\n\n    return z")
    assert region_hash("    return x + 1") != region_hash("    return x - 1")


def test_unknown_operator_is_refused():
    with pytest.raises(ValueError, match="unknown mutation operator"):
        generate_mutants(module("return x"), "lesson", operators=["nope"])


def test_every_operator_has_a_snippet_test():
    tested = {
        "copy", "activation", "numpy_function", "axis", "transpose", "compare", "logic", "arithmetic", "sign",
        "constant", "swap_args", "drop_term", "drop_call", "remove_return", "early_return", "drop_statement",
    }  # fmt: skip
    assert set(ops.OPERATOR_NAMES) == tested
