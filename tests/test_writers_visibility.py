"""The one place visibility is decided: who sees which test, and what the others are told."""

from __future__ import annotations

import datetime as dt

import pytest

from autograder import model
from autograder.writers import View, split

UTC = dt.timezone.utc
DEADLINE = dt.datetime(2026, 12, 18, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def _t(name: str, visibility: str, passed: bool, points: float = 2.0) -> model.TestResult:
    return model.TestResult(name=name, exercise="ex", status="passed" if passed else "failed", score=points if passed else 0.0,
                      max_score=points, message="" if passed else "wrong", visibility=visibility)  # fmt: skip


@pytest.mark.parametrize(
    "view, expected",
    [
        (View(), {"visible"}),
        (View(after_due=True), {"visible", "after_due_date"}),
        (View(published=True), {"visible", "after_published"}),
        (View.everything(), {"visible", "hidden", "after_due_date", "after_published", "made_up"}),
    ],
)
def test_each_view_shows_exactly_its_visibilities(view, expected):
    for visibility in ("visible", "hidden", "after_due_date", "after_published", "made_up"):
        assert view.shows(visibility) == (visibility in expected), visibility


def test_unknown_visibility_fails_closed_for_students():
    assert not View(after_due=True, published=True).shows("typo_visible")


def test_student_view_turns_after_due_at_the_deadline():
    before = View.student(now=DEADLINE - dt.timedelta(seconds=1), deadline=DEADLINE)
    at = View.student(now=DEADLINE, deadline=DEADLINE)
    assert not before.shows("after_due_date") and at.shows("after_due_date")
    assert not at.shows("hidden") and not at.instructor


def test_without_a_deadline_nothing_is_after_due():
    assert not View.student(now=dt.datetime(2100, 1, 1, tzinfo=UTC), deadline=None).after_due


def test_split_keeps_order_and_counts_the_rest():
    tests = [_t("a", "visible", True), _t("b", "hidden", True, 1.0), _t("c", "hidden", False, 3.0),
             _t("d", "after_due_date", False), _t("e", "visible", False)]  # fmt: skip
    shown, withheld = split(tests, View())
    assert [t.name for t in shown] == ["a", "e"]
    assert (withheld.count, withheld.passed, withheld.score, withheld.max_score, withheld.later) == (3, 1, 1.0, 6.0, 1)
    assert withheld.describe().startswith("3 hidden tests: 1/6 points")
    assert "after the deadline" in withheld.describe()


def test_nothing_withheld_says_nothing():
    shown, withheld = split([_t("a", "visible", True)], View())
    assert len(shown) == 1 and not withheld and withheld.describe() == ""


def test_one_hidden_test_is_singular():
    _, withheld = split([_t("x", "hidden", False, 1.5)], View())
    assert withheld.describe() == "1 hidden test: 0/1.5 points"
