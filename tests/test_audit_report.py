"""Audit results, gates, reports, sampling and the reviewed-equivalents file, without grading anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.audit import format_markdown, format_text, sample_mutants
from autograder.audit.equivalents import load_equivalents
from autograder.audit.mutate import Mutant
from autograder.audit.results import AuditResult, FalseFail, FlakyTest, MutantResult, exercise_stats
from autograder.errors import ConfigError


def mutant(module: str, n: int, operator: str = "constant") -> Mutant:
    return Mutant(module=module, function="f", operator=operator, description=f"`{n}` -> `{n + 1}`", line=n, column=5,
                  source="", region_hash=f"{n:010x}",
                  diff=f"--- a/{module}.py\n+++ b/{module}.py\n@@ -1 +1 @@\n-    return {n}\n+    return {n + 1}\n")  # fmt: skip


def result(killed: int, survived: int, equivalent: int = 0, **kwargs) -> AuditResult:
    mutants = [MutantResult(mutant("lesson", i), "lesson", killed=True, killed_by="test_a", status="failed")
               for i in range(killed)]  # fmt: skip
    mutants += [MutantResult(mutant("lesson", 100 + i), "lesson", killed=False) for i in range(survived)]
    mutants += [MutantResult(mutant("lesson", 200 + i), "lesson", killed=False, equivalent="same thing")
                for i in range(equivalent)]  # fmt: skip
    r = AuditResult(course="C", mutants=mutants, checked=("mutants", "variants", "flakiness"), **kwargs)
    r.exercises = [exercise_stats("lesson", len(mutants), mutants)]
    r.generated = len(mutants)
    return r


def gate(r: AuditResult, name: str, **kwargs) -> bool | None:
    return {g.name: g.passed for g in r.gates(**kwargs)}[name]


def test_kill_rate_leaves_out_reviewed_equivalents():
    r = result(killed=19, survived=1, equivalent=5)
    assert r.kill_rate == 95.0
    assert r.exercises[0].kill_rate == 95.0 and r.exercises[0].equivalent == 5
    assert gate(r, "kill rate") is True
    assert gate(r, "kill rate", min_kill_rate=96) is False
    assert [m.mutant.line for m in r.survivors] == [100]


def test_timeouts_and_crashes_count_as_kills():
    r = result(killed=0, survived=0)
    r.mutants = [MutantResult(mutant("lesson", 1), "lesson", killed=True, status="timeout"),
                 MutantResult(mutant("lesson", 2), "lesson", killed=True, status="crashed")]  # fmt: skip
    stats = exercise_stats("lesson", 2, r.mutants)
    assert stats.killed == 2 and stats.timeouts == 2 and stats.kill_rate == 100.0


def test_false_fail_and_flaky_gates():
    r = result(killed=1, survived=0)
    assert gate(r, "false fails") is True and gate(r, "flaky tests") is True
    r.false_fails.append(FalseFail("variant:x", "lesson", "test_a", "failed", "got 1, expected 2"))
    r.flaky.append(FlakyTest("lesson", "test_b", (("deterministic", "passed"), ("seed 1", "failed")), "boom"))
    assert gate(r, "false fails") is False and gate(r, "flaky tests") is False
    assert gate(r, "false fails", max_false_fails=1) is True and gate(r, "flaky tests", max_flaky=1) is True


def test_gates_not_run_are_not_checked_rather_than_passed():
    r = result(killed=0, survived=0)
    r.checked = ("mutants",)
    assert gate(r, "kill rate") is None  # nothing graded
    assert gate(r, "false fails") is None and gate(r, "flaky tests") is None


def test_reference_failing_under_the_audit_limits_fails_a_gate():
    r = result(killed=3, survived=0)
    r.control_failures.append(FalseFail("reference (audit limits)", "lesson", "test_a", "timeout", "took too long"))
    assert gate(r, "reference under audit limits") is False


def test_text_and_markdown_show_survivors_with_diffs_and_gates():
    r = result(killed=3, survived=1, equivalent=1)
    r.false_fails.append(FalseFail("variant:loop", "lesson", "test_a", "failed", "got 1 | 2\nsecond line"))
    gates = r.gates()
    text = format_text(r, gates)
    assert "lesson" in text and "75.0%" in text and "lesson.f:constant:0000000064" in text
    assert "-    return 100" in text and "+    return 101" in text
    assert "FAIL  false fails" in text and "PASS  flaky tests" in text and "FAIL  kill rate" in text
    assert "variant:loop: lesson.test_a [failed]: got 1 | 2" in text and "second line" not in text
    assert "same thing" in text  # the reviewed reason of the equivalent
    assert "-    return 100" not in format_text(r, gates, diffs=False)
    md = format_markdown(r, gates)
    assert md.startswith("# Audit of the hidden tests: C") and "**A gate fails.**" in md
    assert "| lesson | 5 | 3 | 1 | 1 | 0 | 75.0% |" in md
    assert "```diff" in md and "  -    return 100" in md
    assert "got 1 \\| 2" in md  # table cells are escaped


def test_markdown_says_all_gates_pass_when_they_do():
    r = result(killed=4, survived=0)
    md = format_markdown(r, r.gates())
    assert "**All gates pass.**" in md and "None: every graded mutant lost points." in md


def test_to_dict_is_plain_data_with_ids_and_no_sources():
    import json

    d = result(killed=1, survived=1).to_dict()
    json.dumps(d)
    assert d["mutants"][0]["mutant"]["id"] == "lesson.f:constant:0000000000"
    assert "source" not in d["mutants"][0]["mutant"]
    assert d["kill_rate"] == 50.0 and d["exercises"][0]["kill_rate"] == 50.0


# ----------------------------------------------------------------------------- sampling


def groups(**sizes: int) -> dict[str, list[Mutant]]:
    return {g: [mutant(g, i) for i in range(n)] for g, n in sizes.items()}


def test_sample_is_stratified_in_proportion_with_at_least_one_each():
    picked = sample_mutants(groups(a=80, b=18, c=2), 10, seed=0)
    assert {g: len(v) for g, v in picked.items()} == {"a": 7, "b": 2, "c": 1}
    picked = sample_mutants(groups(a=50, b=50), 10, seed=0)
    assert {g: len(v) for g, v in picked.items()} == {"a": 5, "b": 5}


def test_sample_is_deterministic_and_the_seed_matters():
    g = groups(a=40, b=40)
    first, again, other = sample_mutants(g, 10, 0), sample_mutants(g, 10, 0), sample_mutants(g, 10, 1)

    def ids(s):
        return [m.id for v in s.values() for m in v]

    assert ids(first) == ids(again) and ids(first) != ids(other)
    reordered = {"b": list(reversed(g["b"])), "a": g["a"]}
    assert sorted(ids(sample_mutants(reordered, 10, 0))) == sorted(ids(first))


def test_sample_larger_than_the_population_is_everything_and_sizes_add_up():
    g = groups(a=3, b=2)
    assert {k: len(v) for k, v in sample_mutants(g, 50, 0).items()} == {"a": 3, "b": 2}
    for size in range(1, 20):
        picked = sample_mutants(groups(a=11, b=5, c=3, d=1), size, 0)
        assert sum(len(v) for v in picked.values()) == size


# ----------------------------------------------------------------------------- equivalent.yaml


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "equivalent.yaml"
    path.write_text(text)
    return path


def test_equivalents_load_by_id():
    root = Path(__file__).resolve().parent.parent
    found = load_equivalents(root / "audit" / "equivalent.yaml")
    assert found and all(e.reason for e in found.values())
    assert load_equivalents(None) == {} and load_equivalents(root / "nope.yaml") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("equivalent:\n  - id: lesson.f:constant:0123456789\n", "give the reason"),
        ("equivalent:\n  - id: lesson.f:constant:xyz\n    reason: r\n", "not a mutant id"),
        (
            "equivalent:\n  - {id: lesson.f:constant:0123456789, reason: r}\n  - {id: lesson.f:constant:0123456789, reason: r}\n",
            "listed twice",
        ),
        ("equivalent:\n  - {id: lesson.f:constant:0123456789, reason: r, why: s}\n", "exactly the keys"),
        ("mutants: []\n", "one top-level key"),
        ("equivalent: {a: 1}\n", "must be a list"),
        ("equivalent: [\n", "not valid YAML"),
    ],
)
def test_equivalents_file_errors_say_what_to_fix(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_equivalents(write(tmp_path, text))


def test_untested_modules_count_as_survivors_but_are_summarised_not_listed():
    r = result(killed=2, survived=0)
    r.mutants.append(MutantResult(mutant("gates", 1), "gates", killed=False, status="untested"))
    r.untested_modules.append("gates")
    assert r.kill_rate == pytest.approx(200 / 3)
    assert r.survivors == []
    text = format_text(r, r.gates())
    assert "course.yaml has no exercise `gates`" in text and "Surviving mutants: 0" in text
    assert "course.yaml has no exercise `gates`" in format_markdown(r, r.gates())
