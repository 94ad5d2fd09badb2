"""Grading jobs: long-lived processes that each grade chunk after chunk of a class.

Why a job is shaped like this:

- One process per core. The grading process is mostly Python (pytest,
  hypothesis, comparing answers), so threads would share one core.
- A job starts once: imports pytest, numpy and hypothesis, imports the
  reference solutions, then *calibrates*: grades the reference through the
  sandbox while recording hypothesis's inputs (``autograder.grading.replay``). The
  reference's answers (memoised per input) and those inputs are then reused
  for every submission the job grades.
- Each chunk of submissions is one pytest session (``grade_many``): pytest's
  collection is paid per chunk, not per submission. Every submission still
  gets its own fresh worker process and its own private copy.
- The parent hands out small chunks to idle jobs only, so a slow submission
  (one that loops until its timeout) does not hold up a queue behind it.
- Jobs talk to the parent in JSON (``send_bytes``), never pickle: what a job
  sends is plain data, like the reports it carries.
- Jobs ignore SIGINT: on Ctrl-C the parent decides. SIGTERM makes a job
  unwind (pytest's own interrupt handling kills its sandbox worker).
- A watchdog: a job that holds one submission longer than its budget
  (``sandbox.submission_timeout`` plus ``WATCHDOG_MARGIN``) is stopped, that
  submission is recorded as one the grader could not grade, the rest of its
  chunk goes back to the queue and a fresh job takes its place. The sandbox
  already bounds every call and every submission; this bounds the rest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.config import Course, load_course
from autograder.errors import AutograderError, ConfigError, IsolationError, SuiteError
from autograder.sandbox.affinity import pinnable_cores
from autograder.sandbox.isolation import checks_done, take_checks
from autograder.submission import Submission, submission_from_json, submission_to_json

if TYPE_CHECKING:  # pytest, hypothesis and the grading machinery load in the jobs, not in the parent
    from autograder.grading.book import ExampleBook
    from autograder.grading.reference import ReferenceModules
    from autograder.model import GradeReport

__all__ = ["Grader", "JobFailure", "JobPool"]

CALIBRATION_LABEL = "(reference solutions)"
MAX_CHUNK = 16
WATCHDOG_MARGIN = 60.0  # seconds a job may hold a submission beyond its submission_timeout (pytest, comparisons)
_FATAL = (SuiteError, ConfigError, IsolationError)


class JobFailure(AutograderError):
    """Grading could not go on (the hidden tests are broken, the sandbox cannot start)."""


# ----------------------------------------------------------------------------- per-process grading state


@dataclass
class Grader:
    """What a grading process keeps between chunks: the course, the reference's memo and the example book."""

    course: Course
    isolation: str | None = None
    trusted_code: bool = False
    replay: bool = True
    hide: tuple[Path, ...] = ()  # kept out of every sandbox view besides the course (a class run's output)
    reference: ReferenceModules = field(init=False)
    book: ExampleBook | None = field(init=False, default=None)
    calibration: GradeReport | None = field(init=False, default=None)
    from_artefact: bool = field(init=False, default=False)  # the book came from the course's artefact

    def __post_init__(self) -> None:
        from autograder.grading.reference import ReferenceModules

        self.level = self.course.isolation_level(self.isolation, self.trusted_code, hide=self.hide)
        self.reference = ReferenceModules(self.course.reference_dir)

    def calibrate(self) -> GradeReport:
        """Grade the reference, recording hypothesis's inputs for replay; returns the reference's report."""
        from autograder.grading.book import ExampleBook
        from autograder.grading.grade import grade_many
        from autograder.grading.replay import ReplayPlugin
        from autograder.submission import load_submission

        book = ExampleBook(self.course.suite_hash())
        sub = load_submission(self.course.reference_dir, label=CALIBRATION_LABEL)
        reports = grade_many(
            [sub], self.course, isolation=self.level, trusted_code=self.trusted_code, reference=self.reference,
            plugins=[ReplayPlugin(book, recording=True)],
        )  # fmt: skip
        cal = reports[CALIBRATION_LABEL]
        book.memo = self.reference.memo()
        book.reference = {
            "reference_score": cal.score, "max_score": cal.max_score,
            "not_passed": [f"{t.exercise}.{t.name}" for t in cal.tests if not t.passed],
        }  # fmt: skip
        self.book, self.calibration = book, cal
        return cal

    def use_artefact(self) -> bool:
        """Take the recorded inputs from the course's calibration artefact, if a valid one is there
        (``autograder.grading.calibration``); otherwise calibrate and leave one for the next process.
        True when the artefact was used."""
        from autograder.grading import calibration

        if not calibration.enabled():
            self.calibrate()
            return False
        book = calibration.load_book(self.course)
        if book is not None and book.reference is not None:
            self.book, self.from_artefact = book, True
            self.reference.preload(book.memo)
            return True
        self.calibrate()
        assert self.book is not None
        calibration.save_to_cache(self.course, self.book)
        return False

    def grade(
        self, submissions: list[Submission], on_report: Callable[[GradeReport], None] | None = None
    ) -> dict[str, GradeReport]:
        from autograder.grading.grade import grade_many
        from autograder.grading.replay import ReplayPlugin

        if self.replay and self.book is None:
            self.calibrate()
        plugins = [ReplayPlugin(self.book, recording=False)] if self.replay and self.book is not None else []
        return grade_many(
            submissions, self.course, isolation=self.level, trusted_code=self.trusted_code, on_report=on_report,
            reference=self.reference, plugins=plugins,
        )  # fmt: skip


# ----------------------------------------------------------------------------- the job process


def _send(conn: Connection, message: dict[str, Any]) -> None:
    conn.send_bytes(json.dumps(message, allow_nan=True).encode("utf-8"))


def _job_main(
    conn_in: Connection, conn_out: Connection, course_path: str, level: str, replay: bool, hide: tuple[Path, ...] = ()
) -> None:
    """Body of a job process: calibrate, then grade chunks until told to stop."""
    stopping = False

    def on_term(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_term)
    try:
        t0 = time.monotonic()
        # The parent resolved ``level``; it resolves to process only for code it was told is trusted.
        course = load_course(course_path)
        from autograder.grading.headstart import head_start

        head_start(course, level, trusted_code=level == "process", hide=hide)  # the sandbox readies while pytest loads
        import autograder.grading.grade  # noqa: F401

        grader = Grader(course, isolation=level, trusted_code=level == "process", replay=replay, hide=hide)
        ready: dict[str, Any] = {"seconds": 0.0}
        if replay:
            ready["artefact"] = grader.use_artefact()
            assert grader.book is not None and grader.book.reference is not None
            ready.update(grader.book.reference)
        ready["seconds"] = round(time.monotonic() - t0, 3)
        _send(conn_out, {"ready": ready})
        while not stopping:
            try:
                message = json.loads(conn_in.recv_bytes())
            except EOFError:
                return
            if message.get("op") != "grade":
                return
            chunk = message["chunk"]
            subs = [submission_from_json(d) for d in message["subs"]]

            def on_report(r: GradeReport, c: Any = chunk) -> None:
                _send(conn_out, {"report": r.to_dict(), "chunk": c})

            try:
                grader.grade(subs, on_report=on_report)
            except KeyboardInterrupt:
                return
            except _FATAL as exc:
                _send(conn_out, {"failed": chunk, "error": str(exc), "fatal": True})
                return
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which regrades or records it
                _send(conn_out, {"failed": chunk, "error": f"{type(exc).__name__}: {exc}", "fatal": False})
                continue
            _send(conn_out, {"done": chunk})
    except KeyboardInterrupt:
        return
    except _FATAL as exc:
        _send_quietly(conn_out, {"failed": None, "error": str(exc), "fatal": True})
    except Exception as exc:  # noqa: BLE001
        _send_quietly(conn_out, {"failed": None, "error": f"{type(exc).__name__}: {exc}", "fatal": True})


def main(argv: list[str] | None = None) -> None:
    """``python -m autograder.classes.jobs FD_IN FD_OUT COURSE LEVEL REPLAY [HIDE [CHECKS]]``: what the parent
    starts (HIDE: paths joined by ``os.pathsep``; CHECKS: ``isolation.checks_done()``)."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    fd_in, fd_out, course_path, level, replay = args[:5]
    hide = tuple(Path(p) for p in args[5].split(os.pathsep) if p) if len(args) > 5 else ()
    if len(args) > 6:
        take_checks(args[6])  # the parent proved the sandbox works and hides the course: not again per job
    _job_main(
        Connection(int(fd_in), writable=False), Connection(int(fd_out), readable=False),
        course_path, level, replay == "1", hide,
    )  # fmt: skip


def _send_quietly(conn: Connection, message: dict[str, Any]) -> None:
    try:
        _send(conn, message)
    except (OSError, ValueError):
        pass


# ----------------------------------------------------------------------------- the parent's side


@dataclass
class _Job:
    proc: subprocess.Popen[bytes]
    conn: Connection  # replies from the job
    to_job: Connection
    ready: bool = False
    chunk: int | None = None
    pending: list[str] = field(default_factory=list)  # labels of its chunk not reported yet
    since: float | None = None  # when it began the submission it grades now (pending[0]), if any
    cpu: int | None = None  # the core it is confined to, if any


class JobPool:
    """Grades submissions on ``jobs`` processes; reports arrive through callbacks as they finish.

    ``on_report(label, report_dict)`` for each graded submission;
    ``on_failed(label, reason)`` for a submission the grader itself could not
    grade (it was given two chances, or it held its job past the watchdog);
    ``on_ready(info)`` once per started job with its calibration's outcome.
    ``watchdog`` is the seconds a job may hold one submission (default:
    ``sandbox.submission_timeout`` plus ``WATCHDOG_MARGIN``).
    """

    def __init__(
        self,
        course: Course,
        *,
        jobs: int,
        level: str,
        replay: bool = True,
        watchdog: float | None = None,
        hide: tuple[Path, ...] = (),
    ) -> None:
        self.hide = hide  # kept out of the jobs' sandboxes besides the course (the output folder)
        self.course = course
        self.watchdog = watchdog if watchdog is not None else course.limits.submission_timeout + WATCHDOG_MARGIN
        self.jobs = max(1, jobs)
        self.level = level
        self.replay = replay
        self._jobs: list[_Job] = []
        self._restarts = 0
        self._queue: deque[list[str]] = deque()  # chunks to regrade first (one submission each)
        self._todo: deque[str] = deque()
        self._attempts: dict[str, int] = {}
        self._outstanding: set[str] = set()

    # -- lifecycle ---------------------------------------------------------
    def _start(self) -> _Job:
        """Start ``python -m autograder.classes.jobs`` (a plain subprocess: no ``__main__`` re-import as with spawn)."""
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env.setdefault("HYPOTHESIS_NO_PLUGINS", "1")  # as ``autograder.cli.main`` sets it, for callers of the API too
        env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
        argv = [sys.executable, "-m", "autograder.classes.jobs", str(to_r), str(from_w),
                str(self.course.path), self.level, "1" if self.replay else "0",
                os.pathsep.join(str(p) for p in self.hide),
                checks_done(*self.course.hidden_paths(self.hide))]  # fmt: skip
        try:
            proc = subprocess.Popen(
                argv, pass_fds=(to_r, from_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env,
                close_fds=True,
            )  # fmt: skip
        finally:
            os.close(to_r)
            os.close(from_w)
        job = _Job(proc=proc, conn=Connection(from_r, writable=False), to_job=Connection(to_w, readable=False))
        job.cpu = self._give_core(proc.pid)
        self._jobs.append(job)
        return job

    def _give_core(self, pid: int) -> int | None:
        """Confine a job (and the sandbox workers it starts) to a core no other job holds.

        A job's grading thread and its worker take turns, so one core serves both
        best (``autograder.sandbox.affinity``); jobs on distinct cores do not
        evict each other's caches. With more jobs than cores, the OS schedules.
        """
        allowed = pinnable_cores()
        taken = {j.cpu for j in self._jobs}
        free = [c for c in allowed if c not in taken]
        if self.jobs > len(allowed) or not free:
            return None
        try:
            os.sched_setaffinity(pid, {free[0]})
        except OSError:
            return None
        return free[0]

    def _stop(self, job: _Job, *, kill: bool = False) -> None:
        self._ask_to_stop(job, kill=kill)
        self._reap(job)

    def _ask_to_stop(self, job: _Job, *, kill: bool = False) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
        if kill and job.proc.poll() is None:
            job.proc.terminate()  # SIGTERM: the job unwinds and kills its sandbox worker
        else:
            try:
                _send(job.to_job, {"op": "stop"})
            except (OSError, ValueError):
                pass
        job.to_job.close()

    def _reap(self, job: _Job) -> None:
        try:
            job.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            job.proc.kill()
            job.proc.wait(timeout=5)
        job.conn.close()

    def close(self, *, kill: bool = False) -> None:
        """Stop every job: all are told first, so they wind down at the same time."""
        stopping = list(self._jobs)
        for job in stopping:
            self._ask_to_stop(job, kill=kill)
        for job in stopping:
            self._reap(job)

    @property
    def pids(self) -> list[int]:
        """Process ids of the running jobs (the benchmark samples their memory)."""
        return [j.proc.pid for j in self._jobs]

    # -- the loop ----------------------------------------------------------
    def run(
        self,
        submissions: list[Submission],
        on_report: Callable[[str, dict[str, Any]], None],
        on_failed: Callable[[str, str], None],
        on_ready: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """Grade everything; returns when every submission was reported or recorded as failed."""
        by_label = {s.label: s for s in submissions}
        self._todo = deque(by_label)
        self._outstanding = set(by_label)
        self._on_report, self._on_failed, self._on_ready = on_report, on_failed, on_ready
        n_jobs = min(self.jobs, len(by_label))
        max_restarts = 3 * n_jobs + len(by_label) // 10
        chunk_ids = iter(range(1 << 62))
        try:
            for _ in range(n_jobs):
                self._start()
            while self._outstanding:
                for job in list(self._jobs):
                    if job.ready and job.chunk is None and (self._queue or self._todo):
                        self._dispatch(job, next(chunk_ids), by_label)
                if not self._jobs:
                    raise JobFailure("every grading job stopped; see the messages above")
                waitables = {job.conn: job for job in self._jobs}
                for ready in wait(list(waitables), timeout=min(5.0, self.watchdog)):
                    assert isinstance(ready, Connection), "wait hands back the connections it was given"
                    job = waitables[ready]
                    if job not in self._jobs:
                        continue
                    self._receive(job)
                    if job not in self._jobs and self._outstanding and self._restarts < max_restarts:
                        self._restarts += 1
                        self._start()
                for job in self._overdue():
                    self._stop_overdue(job)
                    if self._outstanding and self._restarts < max_restarts:
                        self._restarts += 1
                        self._start()
        except BaseException:
            self.close(kill=True)
            raise
        self.close()

    def _dispatch(self, job: _Job, cid: int, by_label: dict[str, Submission]) -> None:
        labels = self._queue.popleft() if self._queue else self._next_chunk()
        job.chunk, job.pending, job.since = cid, list(labels), time.monotonic()
        payload = {"op": "grade", "chunk": cid, "subs": [submission_to_json(by_label[x]) for x in labels]}
        try:
            _send(job.to_job, payload)
        except (OSError, ValueError):
            pass  # the job is gone: its reply pipe reaches EOF and wakes the loop

    def _next_chunk(self) -> list[str]:
        """Big chunks while there is much to do (fewer pytest sessions), small ones near the end (balance):
        half of each job's share of what is left (a class of 20 on 2 jobs: 5, 4, 3, 2, 2, 1, ...)."""
        size = max(1, min(MAX_CHUNK, -(-len(self._todo) // max(1, 2 * len(self._jobs)))))
        return [self._todo.popleft() for _ in range(min(size, len(self._todo)))]

    def _receive(self, job: _Job) -> None:
        try:
            message = json.loads(job.conn.recv_bytes())
        except (EOFError, OSError, ValueError):
            self._stop(job)
            code = job.proc.returncode
            self._lost(job, "it stopped" if code is None else f"exit status {code}")
            return
        if "ready" in message:
            job.ready = True
            if self._on_ready is not None:
                self._on_ready(message["ready"])
        elif "report" in message:
            report = message["report"]
            label = report.get("submission")
            if label in job.pending:
                job.pending.remove(label)
                job.since = time.monotonic()  # the next submission of the chunk begins
            if label in self._outstanding:
                self._outstanding.discard(label)
                self._on_report(label, report)
        elif "done" in message:
            job.chunk, job.pending, job.since = None, [], None
        elif "failed" in message:
            if message.get("fatal"):
                raise JobFailure(f"grading cannot go on: {message.get('error')}")
            job.chunk, job.since = None, None  # the job lives on
            self._lost(job, str(message.get("error", "")))

    def _overdue(self) -> list[_Job]:
        """Jobs that have held one submission longer than the watchdog allows."""
        now = time.monotonic()
        return [j for j in self._jobs if j.since is not None and j.pending and now - j.since > self.watchdog]

    def _stop_overdue(self, job: _Job) -> None:
        """Stop a job stuck on a submission: that submission fails for good, the rest of its chunk is regraded."""
        stuck, rest = job.pending[0], [x for x in job.pending[1:] if x in self._outstanding]
        job.pending, job.since = [], None
        self._stop(job, kill=True)
        for label in reversed(rest):
            self._queue.appendleft([label])
        if stuck in self._outstanding:
            self._outstanding.discard(stuck)
            self._on_failed(
                stuck,
                f"grading it took longer than {self.watchdog:g} s (the submission's time budget, "
                "sandbox.submission_timeout, and a margin), so its grading process was stopped",
            )

    def _lost(self, job: _Job, why: str) -> None:
        """A job died or its chunk failed: regrade the unfinished submissions one by one; a second loss is final."""
        lost = [label for label in job.pending if label in self._outstanding]
        job.pending = []
        for label in reversed(lost):
            self._attempts[label] = self._attempts.get(label, 0) + 1
            if self._attempts[label] >= 2:
                self._outstanding.discard(label)
                self._on_failed(label, f"the grading process stopped while grading this submission ({why})")
            else:
                self._queue.appendleft([label])


if __name__ == "__main__":
    main()
