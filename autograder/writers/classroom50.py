"""Classroom 50: the ``result.json`` document (schema ``classroom50/result/v1``).

Classroom 50 (foundation50/classroom50) runs a per-assignment ``autograder.py``
with the student's checkout as working directory and reads ``./result.json``:
top level ``schema``, ``classroom``, ``assignment``, ``assignment_type``,
``owner``, ``submission`` (a ``submit/...`` tag), ``commit``, ``release``,
``review``, ``datetime`` (``YYYY-MM-DDTHH:MM:SSZ``), ``score``, ``max-score``,
``tests``; optionally ``graded_at`` and ``submitted_by``. Nothing else is
allowed at the top level. Each test has ``test-name``, ``passed``, ``score``
and ``max-score``; extra fields are kept verbatim (here ``message`` and
``status``). The schema is ``tests/schemas/classroom50-result-v1.json``.

Points are integers there, ours may have fractions. The rule (``integer_points``):

- ``max-score`` is the course's total, rounded half up to an integer; each
  test's ``max-score`` is its share of that, by the largest-remainder method
  (exact whenever the course's points are whole numbers);
- ``score`` is the final score (after any late penalty) on that scale,
  rounded half up; it is shared among the tests in proportion to what each
  earned, again by largest remainder, never above a test's ``max-score``;
  a test that earned nothing gets nothing (which can cost a rounding point
  when tests' maxima have fractions: 1.5 earned of 1.5 + 1.5, shared 2 + 1, gives 1 of 3).

So ``sum(test scores) == score <= max-score``, always.

The document is what the student sees, so visibility applies (``_visibility``):
tests they may not see yet become one entry per lesson, "N hidden tests", with
their points and no names or messages. Messages are plain text: terminal
escape sequences and other control characters are removed.

The fields about the submission come from the environment the Classroom 50
runner sets (``submission_fields``); a local run gets placeholders that
still validate (``submit/local``, ``local``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from autograder.files import write_atomic
from autograder.model import GradeReport, TestResult
from autograder.writers._common import STATUS_WORDS, final_score, num, test_id
from autograder.writers._visibility import View, split

__all__ = [
    "SCHEMA",
    "TOP_FIELDS",
    "classroom50_error",
    "classroom50_result",
    "integer_points",
    "plain_text",
    "status_of",
    "submission_fields",
    "summary_line",
    "write_classroom50",
]

SCHEMA = "classroom50/result/v1"
TOP_FIELDS = ("schema", "classroom", "assignment", "assignment_type", "owner", "submission", "commit", "release",
              "review", "datetime", "graded_at", "submitted_by", "score", "max-score", "tests")  # fmt: skip
LOCAL = "local"
_MESSAGE_LIMIT = 4000

# ANSI/VT escape sequences (CSI, OSC, and two-character ones), then any other control character but \n and \t.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """``text`` without terminal escapes or control characters (``\\r\\n`` becomes ``\\n``), at most ``limit`` characters."""
    text = _CONTROL.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))
    return text if len(text) <= limit else text[:limit] + "\n[...]"


# --------------------------------------------------------------------------- integer points


def _half_up(x: float) -> int:
    return int(math.floor(round(x, 6) + 0.5))


def _largest_remainder(targets: Sequence[float], total: int, caps: Sequence[int] | None = None) -> list[int]:
    """Integers, each at most its cap, summing to ``total``, as close to ``targets`` as largest remainder gets."""
    caps = list(caps) if caps is not None else [total] * len(targets)
    out = [min(int(math.floor(round(t, 6))), c) for t, c in zip(targets, caps)]
    left = total - sum(out)
    while left > 0:
        open_ = [i for i in range(len(out)) if out[i] < caps[i]]
        if not open_:
            break
        i = max(open_, key=lambda k: (targets[k] - out[k], -k))  # largest remainder; ties: the earlier test
        out[i] += 1
        left -= 1
    return out


def integer_points(tests: Sequence[TestResult], max_total: float, score_total: float) -> tuple[list[int], list[int]]:
    """Integer (score, max-score) per test, for a course worth ``max_total`` and a final score ``score_total``.

    See the module's docstring for the rule; ``sum(scores) == round(score_total)`` on the integer
    scale and ``sum(maxima) == round(max_total)``.
    """
    int_max = _half_up(max_total)
    raw_max = sum(t.max_score for t in tests)
    scale = int_max / raw_max if raw_max > 0 else 0.0
    maxima = _largest_remainder([t.max_score * scale for t in tests], int_max)
    raw_score = sum(t.score for t in tests)
    factor = score_total / raw_score if raw_score > 0 else 0.0  # the late penalty, spread over the tests
    targets = [t.score * scale * factor for t in tests]
    caps = [m if t.score > 0 else 0 for t, m in zip(tests, maxima)]  # a test that earned nothing gets nothing
    int_score = min(_half_up(score_total * scale), sum(caps))
    return _largest_remainder(targets, int_score, caps), maxima


# --------------------------------------------------------------------------- the submission's fields


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def submission_fields(
    env: Mapping[str, str] | None = None, *, assignment: str = "", now: dt.datetime | None = None
) -> dict[str, Any]:
    """The fields about the submission, from the Classroom 50 runner's environment (placeholders when absent).

    ``assignment`` is the fallback when ``ASSIGNMENT`` is not set (a local run: the course's name).
    """
    env = os.environ if env is None else env

    def get(*names: str) -> str:
        return next((env[n].strip() for n in names if env.get(n, "").strip()), "")

    now = now or dt.datetime.now(dt.timezone.utc)
    server, repo, sha = get("GITHUB_SERVER_URL"), get("GITHUB_REPOSITORY"), get("GITHUB_SHA")
    tag = get("SUBMISSION_TAG")
    submission = tag if tag.startswith("submit/") else f"submit/{tag or LOCAL}"
    commit = get("COMMIT_URL") or (f"{server}/{repo}/commit/{sha}" if server and repo and sha else sha or LOCAL)
    release = get("RELEASE_URL") or (f"{server}/{repo}/releases/tag/{tag}" if server and repo and tag else LOCAL)
    kind = get("ASSIGNMENT_TYPE", "MODE")
    fields: dict[str, Any] = {
        "schema": SCHEMA,
        "classroom": get("CLASSROOM") or LOCAL,
        "assignment": get("ASSIGNMENT") or _slug(assignment) or LOCAL,
        "assignment_type": kind if kind in ("individual", "group") else "individual",
        "owner": get("OWNER", "USERNAME", "GITHUB_ACTOR") or LOCAL,
        "submission": submission,
        "commit": commit,
        "release": release,
        "review": get("REVIEW_URL") or commit,
        "datetime": _stamp(now),
        "graded_at": _stamp(now),
    }
    actor = get("GITHUB_ACTOR")
    if actor:
        actor_id = get("GITHUB_ACTOR_ID")
        fields["submitted_by"] = {"username": actor, "id": int(actor_id) if actor_id.isdigit() else None}
    return fields


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------- the document


def _entry(name: str, passed: bool, score: int, max_score: int, status: str, message: str) -> dict[str, Any]:
    return {"test-name": name, "passed": passed, "score": score, "max-score": max_score, "status": status,
            "message": plain_text(message)}  # fmt: skip


def _message(t: TestResult) -> str:
    if t.passed:
        return ""
    text = f"{STATUS_WORDS.get(t.status, t.status)}: {t.message}".strip()
    return text + (f"\nHint: {t.hint}" if t.hint else "")


def classroom50_result(
    report: GradeReport,
    view: View | None = None,
    *,
    env: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ``result.json`` document for ``report`` as the student may see it (``view``)."""
    view = view or View()
    tests = list(report.tests)
    scores, maxima = integer_points(tests, report.max_score, final_score(report))
    points = {id(t): (s, m) for t, s, m in zip(tests, scores, maxima)}
    entries: list[dict[str, Any]] = []
    for ex in report.exercises:
        shown, withheld = split(ex.tests, view)
        for t in shown:
            s, m = points[id(t)]
            entries.append(_entry(test_id(t), t.passed, s, m, t.status, _message(t)))
        if withheld:
            seen = {id(t) for t in shown}
            hidden = [t for t in ex.tests if id(t) not in seen]
            s, m = sum(points[id(t)][0] for t in hidden), sum(points[id(t)][1] for t in hidden)
            all_passed = withheld.passed == withheld.count
            name = f"{ex.id}: {withheld.count} hidden test{'s' if withheld.count != 1 else ''}"
            entries.append(_entry(name, all_passed, s, m, "passed" if all_passed else "failed",
                                  "" if all_passed else withheld.describe()))  # fmt: skip
    if report.late_penalty:
        taken = round(report.score - final_score(report), 6)
        entries.append(_entry("late penalty", False, 0, 0, "late",
                              f"submitted {report.submitted_at}: {num(report.late_penalty)}% late penalty, "
                              f"-{num(taken)} points (taken from the tests' scores above)"))  # fmt: skip
    doc = submission_fields(env, assignment=report.course, now=now)
    doc["score"] = sum(scores)
    doc["max-score"] = sum(maxima)
    doc["tests"] = entries
    return doc


def classroom50_error(
    message: str,
    max_score: float,
    *,
    assignment: str = "",
    env: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
    status: str = "error",
) -> dict[str, Any]:
    """A result for a submission the grader could not grade: score 0 of the course's total, one entry saying why.

    ``status`` is ``error`` (the grader failed on it: the commit status is ``error``) or ``failed``
    (it was graded 0, e.g. it holds no Python file: the commit status is ``failure``).
    """
    doc = submission_fields(env, assignment=assignment, now=now)
    int_max = _half_up(max_score)
    doc["score"] = 0
    doc["max-score"] = int_max
    doc["tests"] = [_entry("grading", False, 0, int_max, status, message)]
    return doc


def status_of(doc: Mapping[str, Any]) -> str:
    """The commit status Classroom 50 shows: ``success`` (every test passed), ``failure``, or ``error``."""
    tests = doc.get("tests") or []
    if any(t.get("status") == "error" and t.get("test-name") == "grading" for t in tests):
        return "error"
    return "success" if all(t.get("passed") or t.get("status") == "late" for t in tests) else "failure"


def summary_line(doc: Mapping[str, Any]) -> str:
    """One line for the commit status, e.g. ``Score 12/16: 3 tests failed``."""
    failed = sum(1 for t in doc.get("tests") or [] if not t.get("passed") and t.get("status") != "late")
    if status_of(doc) == "error":
        return f"Score 0/{doc['max-score']}: the submission could not be graded"
    tail = "all tests passed" if not failed else f"{failed} test{'s' if failed != 1 else ''} failed"
    return f"Score {doc['score']}/{doc['max-score']}: {tail}"


def write_classroom50(doc: Mapping[str, Any], path: Path | str) -> Path:
    """Write the document atomically (a temporary file, then a rename)."""
    return write_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
