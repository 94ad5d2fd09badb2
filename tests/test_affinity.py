"""The grading thread and its worker share one core while a submission is graded."""

from __future__ import annotations

import os
import threading

import pytest

from autograder.sandbox import SandboxLimits, StudentSession, available_levels
from autograder.sandbox.affinity import CoreShare, current_cpu

MULTI_CORE = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) > 1
needs_cores = pytest.mark.skipif(not MULTI_CORE, reason="pinning only matters with more than one core")

SOURCE = b"import os\n\ndef cores():\n    return sorted(os.sched_getaffinity(0))\n"


def in_fresh_thread(fn):
    """Run ``fn`` in a new thread (its affinity is per thread), so the test's own thread is untouched."""
    out: dict[str, object] = {}

    def body() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the test's thread
            out["error"] = exc

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out["value"]


def test_current_cpu_is_one_of_the_allowed_cores():
    cpu = current_cpu()
    assert cpu is None or cpu in os.sched_getaffinity(0)


@needs_cores
def test_the_thread_visits_the_chosen_core_and_is_free_again_after():
    def run():
        before = os.sched_getaffinity(0)
        share = CoreShare()
        share.choose()
        with share.pinned():
            during = os.sched_getaffinity(0)
        return before, during, share.cpu, os.sched_getaffinity(0)

    before, during, cpu, after = in_fresh_thread(run)
    assert during == {cpu} and cpu in before
    assert after == before


@needs_cores
def test_a_thread_already_on_one_core_keeps_it():
    def run():
        core = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        share = CoreShare()
        share.choose()
        with share.pinned():
            during = os.sched_getaffinity(0)
        return core, share.cpu, during, os.sched_getaffinity(0)

    core, cpu, during, after = in_fresh_thread(run)
    assert cpu == core and during == after == {core}


@needs_cores
def test_pinning_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PIN", "0")

    def run():
        share = CoreShare()
        share.choose()
        with share.pinned():
            during = os.sched_getaffinity(0)
        return share.cpu, during

    cpu, mask = in_fresh_thread(run)
    assert cpu is None and mask == os.sched_getaffinity(0)


@needs_cores
@pytest.mark.parametrize("level", available_levels())
def test_the_worker_runs_on_the_core_of_the_thread_that_calls_it(level):
    def run():
        session = StudentSession({"m.py": SOURCE}, level=level, limits=SandboxLimits())
        try:
            worker_cores = session.m.cores()
            between_calls = sorted(os.sched_getaffinity(0))
            chosen = session._core.cpu
        finally:
            session.close()
        return worker_cores, chosen, between_calls

    worker_cores, chosen, between_calls = in_fresh_thread(run)
    assert worker_cores == [chosen]
    assert between_calls == sorted(os.sched_getaffinity(0))  # the thread is free between calls


@needs_cores
def test_batch_jobs_get_distinct_cores(tmp_path):
    from autograder import load_course
    from autograder.classes.jobs import JobPool

    from .test_batch import make_course

    pool = JobPool(load_course(make_course(tmp_path)), jobs=2, level="process")
    try:
        pool._start()
        pool._start()
        masks = [os.sched_getaffinity(pid) for pid in pool.pids]
    finally:
        pool.close(kill=True)
    assert all(len(m) == 1 for m in masks)
    assert masks[0] != masks[1]


@needs_cores
def test_a_worker_started_inside_a_test_pins_the_rest_of_that_test():
    def run():
        share = CoreShare()
        share.hold()  # begin_test, before any worker exists: nothing to join yet
        unpinned = os.sched_getaffinity(0)
        share.choose()  # the test's first call starts the worker
        during = os.sched_getaffinity(0)
        share.choose()  # a restart inside the same test keeps the core
        again = os.sched_getaffinity(0)
        share.release()  # end_test
        return unpinned, share.cpu, during, again, os.sched_getaffinity(0)

    unpinned, cpu, during, again, after = in_fresh_thread(run)
    assert len(unpinned) > 1 and during == again == {cpu} and after == unpinned


@needs_cores
def test_a_test_that_follows_a_script_stays_on_the_workers_core():
    """The worker runs a script's next call only after the grader's go-on byte: they take turns, so
    the thread must not leave the worker's core for the script (each turn would cross cores)."""
    from autograder.sandbox.scripts import Script

    def run():
        session = StudentSession({"m.py": SOURCE}, level=available_levels()[-1], limits=SandboxLimits())
        try:
            session.tap = []
            session.begin_test()
            session.m.cores()
            session.m.cores()
            session.end_test()
            script = Script.of(session.tap)
            session.tap = None
            assert script is not None
            session.begin_test()
            session.use_script(script)
            first = session.m.cores()
            during = sorted(os.sched_getaffinity(0))
            session.m.cores()
            session.use_script(None)
            session.end_test()
            return session._core.cpu, first, during
        finally:
            session.close()

    cpu, worker_cores, during = in_fresh_thread(run)
    assert worker_cores == [cpu] and during == [cpu]
