"""``autograder audit`` end to end: on a tiny course whose answers are known, and the gate on the built-in unit."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import core

from autograder.audit import AuditOptions, generate_mutants, run_audit
from autograder.audit.grading import exercises_seeing, grade_group, reference_submission, scoped_course, with_limits
from autograder.cli import main
from autograder.config import load_course
from autograder.grading.grade import grade_many

TINY = '''"""A tiny lesson to test the audit with."""

import numpy as np


def scale(x, k):
    """k times x, as a float."""
    ### BEGIN SOLUTION
    return np.asarray(x, dtype=float) * k
    ### END SOLUTION
'''

OTHER = '''"""A second lesson: its mutants must be graded with its own tests only."""


def inc(n):
    """n + 1."""
    ### BEGIN SOLUTION
    return n + 1
    ### END SOLUTION
'''

TEST_TINY = """
from hypothesis import given, strategies as st

from autograder.testing import expect_close


@given(x=st.floats(-10, 10), k=st.integers(2, 5))
def test_scale_matches_reference(student, reference, x, k):
    expect_close(student.tiny.scale(x, k), reference.tiny.scale(x, k), call="scale(x, k)")


@given(x=st.floats(-10, 10))
def test_scale_by_three_exactly(student, x):
    expect_close(student.tiny.scale(x, 3), 3 * x, call="scale(x, 3)", rtol=0, atol=0)
"""

TEST_OTHER = """
import os

from hypothesis import given, strategies as st

from autograder.testing import expect_equal


@given(n=st.integers(-1000, 1000))
def test_inc(student, n):
    seen = os.environ.get("AUDIT_TEST_SEEN")
    if seen:
        with open(seen, "a") as f:
            f.write(f"{n}\\n")
    expect_equal(student.other.inc(n), n + 1, call="inc(n)")
"""

TEST_FLAKY = """
import os
from pathlib import Path

from autograder.testing import expect_true


def test_alternates(student):
    counter = Path(os.environ["AUDIT_TEST_COUNTER"])
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    expect_true(n % 2 == 0, "this test fails every other time it runs")
"""

CATALOGUE = """
from dataclasses import dataclass
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


@dataclass(frozen=True)
class Variant:
    id: str
    module: str
    source: str


def all_variants():
    return [
        Variant("scale_python_float", "tiny", "def scale(x, k):\\n    return float(x) * k\\n"),
        Variant("scale_through_logs", "tiny", "import numpy as np\\n\\ndef scale(x, k):\\n    return np.exp(np.log(k)) * x\\n"),
    ]


def build(folder, entry):
    folder.mkdir(parents=True, exist_ok=True)
    for src in SOLUTIONS.glob("*.py"):
        (folder / src.name).write_text(src.read_text())
    (folder / (entry.module + ".py")).write_text(entry.source)
    return folder
"""

COURSE = """
course: Tiny
reference: solutions
tests: tests/grading
hypothesis:
  max_examples: 10
exercises:
  tiny:
    tests:
      test_scale_matches_reference: 1
      test_scale_by_three_exactly: 1
  other:
    tests:
      test_inc: 1
"""


def write_tiny(root: Path, *, flaky: bool = False) -> Path:
    files = {
        "solutions/tiny.py": TINY,
        "solutions/other.py": OTHER,
        "tests/grading/conftest.py": (Path(__file__).parent / "grading" / "conftest.py").read_text(),
        "tests/grading/test_tiny.py": TEST_TINY,
        "tests/grading/test_other.py": TEST_OTHER,
        "tests/catalogue/__init__.py": CATALOGUE,
        "course.yaml": COURSE,
    }
    if flaky:
        files["tests/grading/test_other.py"] += TEST_FLAKY
        files["course.yaml"] += "      test_alternates: 1\n"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text) if name.endswith(".yaml") else text)
    return root / "course.yaml"


def mutant_id(description_end: str, module: str = "tiny", source: str = TINY) -> str:
    return next(m.id for m in generate_mutants(source, module).mutants if m.description.endswith(description_end))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    course = write_tiny(root)
    (root / "audit").mkdir()
    (root / "audit" / "equivalent.yaml").write_text(
        "equivalent:\n"
        f"  - id: {mutant_id('-> `x`')}\n"
        "    reason: a float times an int is already a float\n"
        "  - id: tiny.scale:constant:0123456789\n"
        "    reason: an entry whose mutant no longer exists\n"
    )
    return load_course(course)


@pytest.fixture(scope="module")
def audited(tiny):
    # The audit's default 2 s per call is for a quiet machine; this suite may share its cores with
    # anything, and the reference must not fail the gate "reference under audit limits" on load alone.
    return run_audit(tiny, AuditOptions(seeds=(1,), call_timeout=10.0, test_timeout=60.0))


def test_audit_counts_and_kills_on_a_known_course(audited):
    generated = {m.mutant.module for m in audited.mutants}
    assert generated == {"tiny", "other"}
    by_exercise = {e.exercise: e for e in audited.exercises}
    assert by_exercise["other"].survived == 0 and by_exercise["other"].killed == by_exercise["other"].graded > 0
    assert by_exercise["tiny"].equivalent == 1
    equivalent = [m for m in audited.mutants if m.equivalent]
    assert [m.mutant.description for m in equivalent] == ["`np.asarray(x, dtype=float)` -> `x`"]
    assert not equivalent[0].killed
    assert all(m.killed for m in audited.mutants if not m.equivalent), [m.mutant.id for m in audited.survivors]
    assert audited.kill_rate == 100.0
    assert audited.stale_equivalents == ["tiny.scale:constant:0123456789"]
    removed = next(m for m in audited.mutants if m.mutant.operator == "remove_return" and m.mutant.module == "tiny")
    assert removed.killed_by == "test_scale_matches_reference" and removed.status == "failed"


def test_audit_finds_the_false_fail_of_a_correct_variant(audited):
    assert audited.variants_graded == 2
    assert [(f.submission, f.test) for f in audited.false_fails] == [
        ("variant:scale_through_logs", "test_scale_by_three_exactly")
    ]
    gates = {g.name: g for g in audited.gates()}
    assert gates["false fails"].passed is False
    assert gates["kill rate"].passed is True
    assert gates["flaky tests"].passed is True
    assert gates["reference under audit limits"].passed is True
    assert audited.runs == ("deterministic", "deterministic (again)", "seed 1")


def test_mutants_of_one_exercise_are_graded_by_its_tests_only(audited):
    for m in audited.mutants:
        assert m.exercise == m.mutant.module
    other = [m for m in audited.mutants if m.mutant.module == "other"]
    assert {m.killed_by for m in other} == {"test_inc"}


def test_a_surviving_mutant_is_reported_with_its_diff(tmp_path, capsys):
    course = write_tiny(tmp_path)
    argv = ["audit", "--course", str(course), "--exercise", "other", "--no-variants", "--no-flakiness",
            "--markdown", str(tmp_path / "audit.md"), "--json", str(tmp_path / "audit.json"), "--quiet"]  # fmt: skip
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out  # an exact test kills every mutant of `n + 1`
    tests = tmp_path / "tests" / "grading" / "test_other.py"
    weaker = 'expect_equal(abs(student.other.inc(n) - n), 1, call="inc(n)")'
    tests.write_text(tests.read_text().replace('expect_equal(student.other.inc(n), n + 1, call="inc(n)")', weaker))
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 1, out  # `n - 1` survives a test that only checks the distance
    survivors = {mutant_id("`n + 1` -> `n - 1`", "other", OTHER), mutant_id("`1` -> `-1`", "other", OTHER)}
    assert all(s in out for s in survivors) and "-    return n + 1" in out and "+    return n - 1" in out
    assert "FAIL  kill rate" in out and "Surviving mutants: 2" in out
    markdown = (tmp_path / "audit.md").read_text()
    assert all(s in markdown for s in survivors) and "```diff" in markdown and "| other |" in markdown
    data = json.loads((tmp_path / "audit.json").read_text())
    assert {m["mutant"]["id"] for m in data["mutants"] if not m["killed"]} == survivors
    assert any(g["name"] == "kill rate" and g["passed"] is False for g in data["gates"])


def test_flaky_tests_are_flagged(tmp_path, monkeypatch):
    course = load_course(write_tiny(tmp_path, flaky=True))
    monkeypatch.setenv("AUDIT_TEST_COUNTER", str(tmp_path / "counter"))
    result = run_audit(course, AuditOptions(seeds=(), mutants=False, catalogue=tmp_path / "none"))
    assert [(t.exercise, t.test) for t in result.flaky] == [("other", "test_alternates")]
    assert result.flaky[0].outcomes == (("deterministic", "passed"), ("deterministic (again)", "failed"))
    assert "every other time" in result.flaky[0].message
    assert {g.name: g.passed for g in result.gates()}["flaky tests"] is False


def test_seeded_runs_explore_other_inputs_and_leave_no_seed_behind(tiny, tmp_path, monkeypatch):
    def inputs(**kwargs) -> list[str]:
        seen = tmp_path / f"seen-{time.monotonic_ns()}"
        monkeypatch.setenv("AUDIT_TEST_SEEN", str(seen))
        grade_many([reference_submission(tiny)], tiny, **kwargs)
        return seen.read_text().split()

    assert inputs() == inputs()
    assert inputs(seed=1) == inputs(seed=1)
    assert inputs(seed=1) != inputs(seed=2)
    assert inputs(seed=1) != inputs()
    assert core.global_force_seed is None


def test_scoped_course_keeps_one_exercise(tiny):
    with scoped_course(tiny, "other") as scoped:
        assert [e.id for e in scoped.exercises] == ["other"]
        assert sorted(p.name for p in scoped.tests_dir.iterdir()) == ["conftest.py", "test_other.py"]
        folder = scoped.tests_dir
    assert not folder.exists()
    with scoped_course(tiny, None) as same:
        assert same is tiny


def test_scoped_course_can_keep_several_exercises(tiny):
    with scoped_course(tiny, ("tiny", "other")) as scoped:
        assert [e.id for e in scoped.exercises] == ["tiny", "other"]
        assert sorted(p.name for p in scoped.tests_dir.iterdir()) == ["conftest.py", "test_other.py", "test_tiny.py"]


def test_exercises_seeing_a_module_are_found_conservatively(tmp_path):
    course = load_course(write_tiny(tmp_path))
    assert exercises_seeing(course, "tiny") == ("tiny",)
    assert exercises_seeing(course, "other") == ("other",)
    assert exercises_seeing(course, "nothing") == ()
    other = tmp_path / "tests" / "grading" / "test_other.py"
    other.write_text(other.read_text() + "\n\ndef helper(student):\n    return student.tiny.scale(1, 2)\n")
    assert exercises_seeing(course, "tiny") == ("other", "tiny")  # sorted by test file; both can see tiny.py
    (tmp_path / "solutions" / "other.py").write_text("import nothing\n" + OTHER)
    assert "other" in exercises_seeing(course, "nothing")  # the reference imports it: a student's copy could too
    other.write_text(other.read_text() + "\n\ndef sneaky(student, name):\n    return getattr(student, name)\n")
    assert exercises_seeing(course, "tiny") is None  # dynamic: every exercise
    other.write_text(TEST_OTHER)
    (tmp_path / "tests" / "grading" / "helpers.py").write_text("def call(student):\n    return student.tiny\n")
    assert exercises_seeing(course, "tiny") is None  # a helper module touches the student


def test_limits_only_get_tighter(tiny):
    assert with_limits(tiny, 2, 1000).limits.call_timeout == 2
    assert with_limits(tiny, 2, 1000).limits.test_timeout == tiny.limits.test_timeout
    assert with_limits(tiny, 1000, None).limits.call_timeout == tiny.limits.call_timeout


def test_stop_at_first_failure_skips_the_rest(tiny, tmp_path):
    broken = dict(reference_submission(tiny).files)
    broken["tiny.py"] = b"def scale(x, k):\n    return None\n"
    from autograder.submission import Submission

    sub = Submission("broken", broken)
    both = grade_group(tiny, [sub], stop_at_first_failure=False)
    first = grade_group(tiny, [sub], stop_at_first_failure=True)
    assert {t.name for t in both.reports["broken"].tests if not t.passed} == {
        "test_scale_matches_reference", "test_scale_by_three_exactly"}  # fmt: skip
    assert first.first_failure == {"broken": "test_scale_matches_reference"}
    skipped = next(t for t in first.reports["broken"].tests if t.name == "test_scale_by_three_exactly")
    assert skipped.status == "error" and "skipped" in skipped.message
    assert both.control.score == both.control.max_score


# ----------------------------------------------------------------------------- the built-in unit's gate

ROOT = Path(__file__).resolve().parent.parent
GATE_SAMPLE = int(os.environ.get("AUDIT_GATE_SAMPLE", "40"))


@pytest.mark.slow
def test_the_built_in_unit_passes_the_audit_gate(tmp_path):
    """The CI gate: a deterministic stratified sample of mutants, every variant, one extra seed.

    The full audit (every mutant, three seeds) is `autograder audit` (see docs/audit.md).
    """
    report = tmp_path / "audit.md"
    started = time.monotonic()
    code = main(["audit", "--course", str(ROOT / "course.yaml"), "--sample", str(GATE_SAMPLE), "--sample-seed", "0",
                 "--seeds", "1", "--markdown", str(report), "--no-diffs", "--quiet"])  # fmt: skip
    elapsed = time.monotonic() - started
    text = report.read_text() if report.exists() else "(no report: the audit could not run)"
    assert code == 0, text
    assert elapsed < 600, f"the audit gate took {elapsed:.0f} s"
