"""From solutions/ to exercises/: stubs replace exactly the solution regions, and the repo's copy is current."""

from __future__ import annotations

import pytest

from autograder.authoring.build import check_exercises, solution_regions, stub_source
from autograder.cli import main
from autograder.errors import AutograderError

SOURCE = '''"""Lesson text."""
import numpy as np


def helper(x):
    return x


def f(x):
    """Square every element.

    More detail.
    """
    ### BEGIN SOLUTION
    y = np.asarray(x)
    return y * y
    ### END SOLUTION


def g(x):
    """Cube."""
    ### BEGIN SOLUTION
    # hint: multiply three times
    return x * x * x
    ### END SOLUTION
'''


def test_stub_replaces_each_region_with_a_hinted_not_implemented():
    stub = stub_source(SOURCE)
    assert "y * y" not in stub and "x * x * x" not in stub
    assert "raise NotImplementedError('f: Square every element')" in stub
    assert "raise NotImplementedError('g: multiply three times')" in stub
    assert '"""Lesson text."""' in stub and "def helper(x):\n    return x" in stub
    assert "BEGIN SOLUTION" not in stub
    compile(stub, "stub.py", "exec")


def test_regions_are_found_with_their_functions():
    regions = solution_regions(SOURCE)
    assert [(r.function, r.code.strip().splitlines()[-1].strip()) for r in regions] == [
        ("f", "return y * y"),
        ("g", "return x * x * x"),
    ]


@pytest.mark.parametrize(
    "bad, words",
    [
        ("### BEGIN SOLUTION\nx = 1\n", "has no matching"),
        ("x = 1\n### END SOLUTION\n", "without a"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
    ],
)
def test_broken_markers_name_the_line(bad, words):
    with pytest.raises(AutograderError, match=words):
        stub_source(bad, "lesson.py")


def test_the_repository_exercises_are_up_to_date(course):
    stale = check_exercises(course.reference_dir, course.exercises_dir)
    assert not stale, f"run `autograder build`: {stale}"
    assert main(["build", "--check", "--course", str(course.path)]) == 0


def test_every_lesson_stub_is_graded_zero_without_crashing_and_solutions_have_regions(course):
    for ex in course.exercises:
        src = (course.reference_dir / f"{ex.id}.py").read_text()
        assert solution_regions(src), f"{ex.id}.py has no solution region"
        assert "NotImplementedError" in (course.exercises_dir / f"{ex.id}.py").read_text()
