"""Lanes: a submission's hidden tests in two halves, each with a sandbox session of its own.

The course's exercises, in course.yaml's order, are split after the exercise
at which the hidden tests first reach half of them: lane 0 and lane 1 (a
course whose first exercise holds more than half has one lane). Every
submission is graded that way, wherever it is graded:

- each lane has its own ``StudentSession``: its own worker and a fresh
  sandbox (at the namespace level, a reset zygote), so nothing a lane's
  tests leave in the worker (module globals, numpy's global random state,
  files in /tmp) reaches the other lane;
- the lanes share the submission's wall-clock budget
  (``sandbox.submission_timeout``, from the first test);
- the report's output is lane 0's, then lane 1's, cut at ``sandbox.output_kb``.

In a batch (and anywhere else) the lanes run one after the other in one
process. ``autograder grade DIR`` on a machine with two or more cores (a
container's CPU quota counts) runs them *at once*: the grading process forks
after collecting the tests, the child runs lane 1 and sends its results back
as plain JSON, the parent runs lane 0 and merges, each lane on a core of its
own (``sandbox.affinity.two_cores``). Only a timeout depends on
how fast the lanes ran, so a lane with any timeout is graded again one after
the other: lane 1 again in the parent when lane 0 had none (the child's
results are dropped), the whole submission again when lane 0 had one. The
report is then the one the sequential order gives, whatever the machine. A
submission still running at half its budget (``submission_timeout``) is
slow enough to meet it: the lanes are given up and run in turn from there,
so a slow submission costs at most half a budget more than in a batch.
``AUTOGRADER_LANES=0`` runs them one after the other everywhere.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from autograder.config import Course
from autograder.model import TestResult
from autograder.sandbox.affinity import confined, two_cores
from autograder.sandbox.session import render_output

if TYPE_CHECKING:
    from autograder.grading.run import GradingRun

__all__ = ["lanes", "merge_output", "parallel_enabled", "run_lanes_at_once"]

ENV = "AUTOGRADER_LANES"  # "0": lanes one after the other, always


def lanes(course: Course) -> dict[str, int]:
    """Exercise id -> lane (0 or 1)."""
    total = sum(len(e.tests) for e in course.exercises)
    out: dict[str, int] = {}
    seen, lane = 0, 0
    for e in course.exercises:
        out[e.id] = lane
        seen += len(e.tests)
        if 2 * seen >= total:
            lane = 1
    return out


def merge_output(parts: list[tuple[int, str, int]], limit: int) -> str:
    """The report's output from each lane's (lane, kept text, bytes not kept), lane 0 first, cut at ``limit`` bytes."""
    text = "".join(t for _, t, _ in sorted(parts, key=lambda p: p[0]))
    dropped = sum(d for _, _, d in parts)
    data = text.encode("utf-8")
    if len(data) > limit:
        dropped += len(data) - limit
        text = data[:limit].decode("utf-8", "ignore")
    return render_output(text, dropped)


def parallel_enabled() -> bool:
    """Lanes may run at once here: two or more cores (by affinity and by the container's CPU quota),
    ``fork``, and not turned off (``AUTOGRADER_LANES=0``)."""
    if os.environ.get(ENV, "1") == "0" or not hasattr(os, "fork") or not hasattr(os, "sched_getaffinity"):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except OSError:
        return False
    quota = cpu_quota()
    return cores >= 2 and (quota is None or quota >= 2)


def cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The CPUs a container's quota allows (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), None if unlimited
    or unknown: a container may see every core of its host and be allowed one."""
    try:
        quota, _, period = (root / "cpu.max").read_text().strip().partition(" ")
        return None if quota == "max" else int(quota) / int(period or 100000)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


# ----------------------------------------------------------------------------- at once


def run_lanes_at_once(session: pytest.Session, run: GradingRun, label: str, items: list[pytest.Item]) -> None:
    """Run one submission's ``items``: lane 1 in a forked child, lane 0 here; merge, or grade again in order.

    Sets ``run.regrade`` when the whole submission must be graded again with the lanes in order.
    """
    from autograder.grading.headstart import settle

    first = [it for it in items if run.lane_of(it) == 0]
    second = [it for it in items if run.lane_of(it) == 1]
    settle()  # no thread of ours holds a lock the child would need
    run.budget_for(label)  # the budget starts now, for both lanes
    # A submission still running at half its budget is slow enough to meet the budget: graded in turn
    # from here, so that a slow submission costs at most half a budget more than in a batch.
    give_up = time.monotonic() + run.course.limits.submission_timeout / 2
    cores = two_cores()  # a core each: left to the scheduler, both lanes may land on one (see affinity)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no room for another process: the lanes in turn, here
        os.close(read_end)
        os.close(write_end)
        run_items(session, items)
        return
    if pid == 0:  # the child: lane 1, its results back as JSON, then gone (no atexit, no pytest teardown)
        os.close(read_end)
        with confined(cores[1] if cores else None):
            _child(session, run, label, second, write_end, give_up)
    os.close(write_end)
    try:
        with confined(cores[0] if cores else None):
            run_items(session, first, stop=lambda: run.lane_timeouts(label, 0) > 0 or time.monotonic() > give_up)
        if run.lane_timeouts(label, 0) or time.monotonic() > give_up:
            run.regrade = True  # lane 0 may have run slower beside lane 1: the whole submission again, in order
            return
        waited = time.monotonic()
        payload = _read_child(read_end, give_up)
        waited = time.monotonic() - waited
    finally:
        os.close(read_end)
        _reap(pid)
    if payload is None or payload["timeouts"]:
        # Lane 1 again, here, after lane 0, as in a batch: with the budget lane 0 left it (the wait for the
        # child is not counted against it).
        run.extend_budget(label, waited)
        run_items(session, second)
        return
    run.adopt_lane(label, 1, payload)


def run_items(session: pytest.Session, items: list[pytest.Item], stop: Callable[[], bool] | None = None) -> None:
    """pytest's own loop (``_pytest.main.pytest_runtestloop``) over ``items``; ends early once ``stop()``."""
    for i, item in enumerate(items):
        nextitem = items[i + 1] if i + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)
        if stop is not None and stop():
            return


def _child(
    session: pytest.Session, run: GradingRun, label: str, items: list[pytest.Item], fd: int, give_up: float
) -> None:
    code = 1
    try:
        run.wait_for_warm_sandbox()  # its own: the parent's zygote is the parent's
        # After a timeout, or at ``give_up``, the parent grades this lane again: stop here.
        run_items(session, items, stop=lambda: run.lane_timeouts(label, 1) > 0 or time.monotonic() > give_up)
        if time.monotonic() > give_up:
            return
        data = json.dumps(run.lane_payload(label, 1), allow_nan=True).encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        code = 0
    except BaseException:  # noqa: BLE001 - the parent sees no payload and grades lane 1 itself
        pass
    finally:
        try:
            run.close_fork_child()
        finally:
            os._exit(code)


def _read_child(fd: int, deadline: float) -> dict[str, Any] | None:
    """The child's payload, or None when it ended without one, sent garbage or ran past ``deadline``."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        payload = json.loads(b"".join(chunks))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) and {"results", "output", "timeouts"} <= set(payload) else None


def _reap(pid: int) -> None:
    """End the child if it is still running (the parent was interrupted, or gave up on it) and wait for it."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def payload_of(results: list[TestResult], output: tuple[str, int], problems: list[str], **extra: Any) -> dict[str, Any]:
    """A lane's outcome as plain data (what the child sends)."""
    return {"results": [asdict(r) for r in results], "output": list(output), "problems": problems, **extra}
