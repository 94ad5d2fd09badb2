"""What one grading session grades, and where its reports go (``GradingRun``, used by the plugin).

A run holds, per submission, its sandbox sessions (one per lane, see ``grading.lanes``), the
results of its tests as they come, and builds its ``GradeReport`` when the last test has run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder import __version__
from autograder.config import Course
from autograder.grading import lanes, outcomes
from autograder.grading.reference import ReferenceModules
from autograder.model import ExerciseResult, GradeReport, TestResult
from autograder.sandbox import StudentSession, sandbox_description
from autograder.submission import Submission

__all__ = ["GradingRun", "identify"]


@dataclass
class _LaneEnd:
    """What a lane's closed session left behind."""

    output: str = ""  # what was kept of what the student's code printed
    dropped: int = 0  # bytes of output not kept
    problems: list[str] = field(default_factory=list)  # modules that could not be used
    timeouts: int = 0  # calls that failed as timeouts


def identify(item: pytest.Item) -> tuple[str, str]:
    """(exercise id, test name) from tests/grading/test_<exercise>.py::<test name>."""
    module = Path(str(item.fspath)).stem
    exercise = module[len("test_") :] if module.startswith("test_") else module
    return exercise, getattr(item, "originalname", item.name)


@dataclass(eq=False)
class GradingRun:
    """What one pytest session grades, and where its reports go."""

    course: Course
    submissions: list[Submission]
    level: str = "process"
    on_report: Callable[[GradeReport], None] | None = None
    seed: int | None = None  # audit only: explore with this hypothesis seed instead of the derandomized profile
    reference: ReferenceModules | None = None  # a batch job passes one in to keep its memo across sessions
    reports: dict[str, GradeReport] = field(default_factory=dict)
    suite_errors: list[str] = field(default_factory=list)
    interrupted: bool = False  # the session ended on Ctrl-C
    at_once: bool = False  # a single submission's lanes may run at once (``grading.lanes``)
    regrade: bool = False  # they did, and the submission must be graded again with the lanes in order
    _results: dict[str, dict[tuple[str, str], TestResult]] = field(default_factory=dict)
    _remaining: dict[str, int] = field(default_factory=dict)
    _started: dict[str, tuple[str, float]] = field(default_factory=dict)
    _sessions: dict[tuple[str, int], StudentSession] = field(default_factory=dict)  # (label, lane)
    _artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ended: dict[tuple[str, int], _LaneEnd] = field(default_factory=dict)  # (label, lane) -> its closed session
    _budget: dict[str, float] = field(default_factory=dict)  # label -> end of its wall-clock budget
    _suite_hash: str = ""

    def __post_init__(self) -> None:
        self._by_label = {s.label: s for s in self.submissions}
        self._suite_hash = self.course.suite_hash()
        self._lanes = lanes.lanes(self.course)
        if self.reference is None:
            self.reference = ReferenceModules(self.course.reference_dir)

    # -- sessions: one per submission and lane (see grading.lanes) ----------
    def lane_of(self, item: pytest.Item) -> int:
        return self._lanes.get(identify(item)[0], 0)

    def budget_for(self, label: str) -> float:
        """When the submission's wall-clock budget ends: counted from its first test, for both lanes."""
        if label not in self._budget:
            self._budget[label] = time.monotonic() + self.course.limits.submission_timeout
        return self._budget[label]

    def extend_budget(self, label: str, seconds: float) -> None:
        self._budget[label] = self.budget_for(label) + seconds

    def session(self, label: str, lane: int = 0) -> StudentSession:
        key = (label, lane)
        if key not in self._sessions:
            for other in list(self._sessions):  # one live worker at a time
                self._close(other)
            sub = self._by_label[label]
            self._sessions[key] = StudentSession(
                sub.files,
                level=self.level,  # type: ignore[arg-type]  # a level resolved by Course.isolation_level
                limits=self.course.limits,
                extra=sub.extra,
                budget_end=self.budget_for(label),
            )
        return self._sessions[key]

    def _close(self, key: tuple[str, int]) -> None:
        session = self._sessions.pop(key, None)
        if session is None:
            return
        text, dropped = session.output_kept()
        end = self._ended.setdefault(key, _LaneEnd())  # a lane reopened (a test outside the usual order) adds to it
        end.output += text
        end.dropped += dropped
        end.problems += [p for p in session.module_problems() if p not in end.problems]
        end.timeouts += session.timeouts
        session.close()

    def lane_timeouts(self, label: str, lane: int) -> int:
        """Calls of the lane's tests that failed as timeouts."""
        live = self._sessions.get((label, lane))
        ended = self._ended.get((label, lane))
        return (ended.timeouts if ended is not None else 0) + (live.timeouts if live is not None else 0)

    def wait_for_warm_sandbox(self) -> None:
        """At the namespace level, a zygote of this process's own is ready (the one a head start began, or
        one started now: a forked child's, as the parent's zygote is the parent's)."""
        from autograder.sandbox import zygote

        if self.level == "namespace" and zygote.warm_enabled():
            thread = zygote.prestart(self.course.limits)
            if thread is not None:
                thread.join()

    # -- a lane run by a forked child (grading.lanes) -----------------------
    def close_fork_child(self) -> None:
        from autograder.sandbox import zygote

        self.close_all()
        zygote.shutdown()

    def lane_payload(self, label: str, lane: int) -> dict[str, Any]:
        """What the child sends: the lane's results, output, module problems, artifacts and timeouts."""
        self._close((label, lane))
        end = self._ended.pop((label, lane), _LaneEnd())
        exercises = {e for e, n in self._lanes.items() if n == lane}
        results = [r for (ex, _), r in self._results.get(label, {}).items() if ex in exercises]
        artifacts = {ex: v for ex, v in self.artifacts(label).items() if ex in exercises}
        return lanes.payload_of(
            results, (end.output, end.dropped), end.problems, artifacts=artifacts, timeouts=end.timeouts
        )

    def adopt_lane(self, label: str, lane: int, payload: dict[str, Any]) -> None:
        """Take a lane's outcome from the child (after this process ran the other lane)."""
        text, dropped = payload["output"]
        self._ended[(label, lane)] = _LaneEnd(str(text), int(dropped), [str(p) for p in payload["problems"]])
        for ex, value in dict(payload.get("artifacts") or {}).items():
            self.artifacts(label)[str(ex)] = value
        for r in payload["results"]:
            self.add(label, TestResult(**r))

    # -- results -----------------------------------------------------------
    def start(self, label: str) -> None:
        if label not in self._started:
            now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self._started[label] = (now, time.monotonic())

    def add(self, label: str, result: TestResult) -> None:
        self._results.setdefault(label, {})[(result.exercise, result.name)] = result
        self._remaining[label] -= 1
        if self._remaining[label] == 0:
            self.finish(label)

    def artifacts(self, label: str) -> dict[str, Any]:
        return self._artifacts.setdefault(label, {})

    def finish(self, label: str) -> None:
        if label in self.reports:
            return
        for key in [k for k in self._sessions if k[0] == label]:
            self._close(key)
        ended = [(lane, self._ended.pop((label, lane))) for other, lane in sorted(self._ended) if other == label]
        output = lanes.merge_output(
            [(lane, e.output, e.dropped) for lane, e in ended], self.course.limits.output_kb * 1024
        )
        problems: list[str] = []
        for _, e in ended:
            problems += [p for p in e.problems if p not in problems]
        recorded = self._artifacts.pop(label, {})
        order = {e.id: i for i, e in enumerate(self.course.exercises)}  # the same whichever lane finished first
        artifacts = {k: recorded[k] for k in sorted(recorded, key=lambda k: (order.get(k, len(order)), k))}
        started_at, t0 = self._started.get(label, ("", time.monotonic()))
        results = self._results.get(label, {})
        exercises = []
        for ex in self.course.exercises:
            tests = tuple(results.get((ex.id, t.name)) or outcomes.not_run(t) for t in ex.tests)
            exercises.append(
                ExerciseResult(
                    id=ex.id,
                    title=ex.title,
                    score=round(sum(t.score for t in tests), 6),
                    max_score=ex.max_score,
                    tests=tests,
                )
            )
        sub = self._by_label[label]
        report = GradeReport(
            submission=label,
            score=round(sum(e.score for e in exercises), 6),
            max_score=self.course.max_score,
            exercises=tuple(exercises),
            isolation=self.level,
            grader_version=__version__,
            suite_hash=self._suite_hash,
            course=self.course.name,
            started_at=started_at,
            duration=round(time.monotonic() - t0, 3),
            output=output,
            problems=tuple(sub.problems) + tuple(problems),
            artifacts=artifacts,
            sandbox=sandbox_description(self.level),
        )
        self.reports[label] = report
        if self.on_report is not None:
            self.on_report(report)

    def close_all(self) -> None:
        for key in list(self._sessions):
            self._close(key)
