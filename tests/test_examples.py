"""The bundled sample submissions: up to date with the solutions, and graded as the README says."""

from __future__ import annotations

import filecmp
import importlib.util

import pytest

from autograder import grade_many
from autograder.submission import load_submission

pytestmark = pytest.mark.slow  # grades the five sample submissions end to end


def _make_samples(root):
    spec = importlib.util.spec_from_file_location("make_samples", root / "examples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_samples_are_what_make_samples_writes(root, tmp_path):
    _make_samples(root).write_samples(tmp_path / "fresh")
    for student in ("alice", "bob", "carol", "dave", "erin"):
        cmp = filecmp.dircmp(tmp_path / "fresh" / student, root / "examples" / "submissions" / student)
        assert not (cmp.left_only or cmp.right_only), (student, cmp.left_only, cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        assert not mismatch and not errors, (
            f"examples/submissions/{student} is stale: run python examples/make_samples.py"
        )


@pytest.fixture(scope="module")
def graded(course, root):
    folder = root / "examples" / "submissions"
    return grade_many([load_submission(folder / s) for s in ("alice", "bob", "carol", "dave", "erin")], course)


def test_alice_and_erin_notebooks_get_full_marks(graded, course):
    assert graded["alice"].score == course.max_score
    assert graded["erin"].score == course.max_score


def test_carol_stubs_get_zero(graded):
    assert graded["carol"].score == 0
    assert all("not implemented yet" in t.message for t in graded["carol"].tests)


def test_bob_loses_points_only_where_his_mistakes_are(graded):
    lost = {e.id for e in graded["bob"].exercises if e.score < e.max_score}
    assert lost == {"activations", "neuron", "spiking"}


def test_dave_earns_nothing_for_his_attacks(graded):
    dave, alice = graded["dave"], graded["alice"]
    assert dave.exercise("xor").score < alice.exercise("xor").score
    assert dave.exercise("activations").score < alice.exercise("activations").score
    train = [t for t in dave.exercise("xor").tests if t.status == "timeout"]
    assert train and "did not return" in train[0].message
    untouched = {"neuron", "gates", "cat", "spiking", "approximation"}
    assert all(dave.exercise(e).score == dave.exercise(e).max_score for e in untouched)
