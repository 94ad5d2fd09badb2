"""Grading on a Dask cluster: ``autograder grade CLASS_DIR --out OUT --dask SCHEDULER_ADDRESS``.

For a MOOC: the same per-submission grading as on one machine, spread over
the workers of a ``dask.distributed`` cluster. Install with
``pip install neurons-autograder[dask]`` on the grading machine and on every
worker; Dask is never imported for one machine.

How it is shaped:

- No shared filesystem. The course (course.yaml, the hidden tests, the
  reference solutions, data files inside the course folder) travels once as
  bytes (``CourseBundle``, scattered to every worker); each task carries one
  submission's bytes. A worker writes the course to a private temporary
  folder once per process, and the sandbox writes each submission to its
  own private copy, as on one machine.
- Each worker process keeps one ``Grader`` per suite: the reference's
  memoised answers and the example book of its calibration (the reference
  graded once through the sandbox, see ``autograder.grading.replay``), reused for
  every task it runs.
- pytest sessions are not thread-safe, so tasks in one worker process run
  one at a time (a lock). Start workers with one thread and one process per
  core: ``dask worker tcp://scheduler:8786 --nworkers auto --nthreads 1``.
- Results come back as plain dicts (``GradeReport.to_dict()``); the client
  writes the reports, the gradebook and the resume state, as on one machine.
- Isolation is resolved on each worker (``auto`` = the strongest it has);
  course.yaml's ``minimum_isolation`` is enforced there, and each report
  names the level it was graded at.
- A watchdog per task: a submission that holds its worker longer than
  ``sandbox.submission_timeout`` plus a margin is stopped (every remaining
  call into it fails at once as a timeout, its sandbox worker is killed) and
  its report says so. If even that does not end its grading, the task fails
  (the client records the submission as one the grader could not grade) and
  the worker process refuses further tasks until it is restarted, rather
  than run two pytest sessions at once.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.config import Course, load_course
from autograder.errors import AutograderError, ConfigError, IsolationError, SuiteError
from autograder.submission import Submission

__all__ = ["CourseBundle", "SubmissionOverdue", "bundle_course", "grade_on_dask", "grade_task"]

_SKIP = {"__pycache__", ".pytest_cache", ".hypothesis", ".git"}
_GRACE = 30.0  # seconds a stopped submission's grading may take to wind down after the watchdog
_MAX_BUNDLE_BYTES = 512 * 1024 * 1024
_FATAL = (SuiteError, ConfigError, IsolationError)


@dataclass(frozen=True)
class CourseBundle:
    """The files a worker needs to grade, by path relative to the course folder."""

    course_yaml: str  # course.yaml's path relative to the course folder
    files: dict[str, bytes]
    suite_hash: str

    @property
    def key(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()[:24]


def bundle_course(course: Course) -> CourseBundle:
    """Collect the course's files; every folder course.yaml names must lie inside the course folder."""
    root = course.root.resolve()
    files: dict[str, bytes] = {}
    total = 0

    def add_tree(folder: Path, what: str) -> None:
        nonlocal total
        folder = folder.resolve()
        if folder != root and root not in folder.parents:
            raise AutograderError(
                f"{what} ({folder}) is outside the course folder {root}; for --dask every folder course.yaml "
                "names must be inside it, so the course can be sent to the workers"
            )
        paths = [folder] if folder.is_file() else sorted(folder.rglob("*"))
        for p in paths:
            rel = p.relative_to(root)
            if not p.is_file() or p.is_symlink() or any(part in _SKIP for part in rel.parts):
                continue
            data = p.read_bytes()
            total += len(data)
            if total > _MAX_BUNDLE_BYTES:
                raise AutograderError(f"the course is larger than {_MAX_BUNDLE_BYTES >> 20} MiB; too big to send")
            files[rel.as_posix()] = data

    add_tree(course.path, "course.yaml")
    add_tree(course.tests_dir, "the hidden tests")
    add_tree(course.reference_dir, "the reference solutions")
    if course.data.path is not None and Path(course.data.path).exists():
        add_tree(Path(course.data.path), "the data")
    from autograder.grading.calibration import existing_artefact

    artefact = existing_artefact(course)  # workers replay it instead of calibrating (if their versions match)
    if artefact is not None:
        files[artefact[1]] = artefact[0].read_bytes()
    return CourseBundle(course.path.resolve().relative_to(root).as_posix(), files, course.suite_hash())


# ----------------------------------------------------------------------------- the worker's side

_LOCK = threading.Lock()
_GRADERS: dict[tuple[str, str, bool, bool], Any] = {}
_COURSES: dict[str, Path] = {}


def _materialise(bundle: CourseBundle) -> Course:
    folder = _COURSES.get(bundle.key)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="ag-course-"))
        for rel, data in bundle.files.items():
            target = (folder / rel).resolve()
            if folder.resolve() not in target.parents:
                raise AutograderError(f"course bundle path {rel!r} leaves its folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (folder / "exercises").mkdir(exist_ok=True)
        _COURSES[bundle.key] = folder
    course = load_course(folder / bundle.course_yaml)
    if course.suite_hash() != bundle.suite_hash:
        raise SuiteError("the course arrived on the worker with a different suite hash; was a file left out?")
    return course


class SubmissionOverdue(AutograderError):
    """A submission held its Dask worker past the watchdog and could not be stopped."""


_stuck: threading.Thread | None = None  # a grading thread that did not stop; this process takes no more tasks


def grade_task(
    bundle: CourseBundle, submission: dict[str, Any], isolation: str | None, replay: bool,
    watchdog: float | None = None, trusted_code: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """One submission, graded on a Dask worker; returns the report as a plain dict.

    ``watchdog``: seconds the submission may hold the worker (default:
    ``sandbox.submission_timeout`` plus ``jobs.WATCHDOG_MARGIN``).
    """
    from autograder.classes.jobs import WATCHDOG_MARGIN, Grader
    from autograder.submission import submission_from_json

    with _LOCK:  # one pytest session at a time per process
        _no_profiler_on_311()
        if _stuck is not None and _stuck.is_alive():
            raise SubmissionOverdue("this Dask worker is still stuck on an earlier submission; restart it")
        key = (bundle.key, str(isolation), replay, trusted_code)
        grader = _GRADERS.get(key)
        if grader is None:
            grader = Grader(_materialise(bundle), isolation=isolation, trusted_code=trusted_code, replay=replay)
            if replay:
                grader.use_artefact()  # the course's artefact, if it came along and fits this worker; else calibrate
            _GRADERS[key] = grader
        sub = submission_from_json(submission)
        budget = watchdog if watchdog is not None else grader.course.limits.submission_timeout + WATCHDOG_MARGIN
        return _grade_watched(grader, sub, budget)


def _no_profiler_on_311() -> None:
    """Stop this worker's profiler on CPython 3.11: it calls ``sys._current_frames()`` every 10 ms, which
    there can deadlock with the garbage collector (python/cpython#106883, dask/distributed#8616) and
    hang the worker with the submission it grades. Fixed in 3.12; elsewhere nothing changes."""
    if sys.version_info[:2] != (3, 11):
        return
    try:
        from distributed import get_worker

        callback = get_worker().periodic_callbacks.get("profile")
    except (ImportError, ValueError, AttributeError):  # not inside a Dask worker (a test calling the task)
        return
    if callback is not None:
        callback.stop()


def _grade_watched(grader: Any, sub: Submission, budget: float) -> dict[str, Any]:
    """Grade in a thread; past ``budget`` seconds stop the submission's session and wait a grace period."""
    from autograder.sandbox.session import abort_sessions

    global _stuck
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["report"] = grader.grade([sub])[sub.label].to_dict()
        except BaseException as exc:  # noqa: BLE001 - handed to the task's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=f"autograder-grade-{sub.label}", daemon=True)
    thread.start()
    thread.join(budget)
    if thread.is_alive():
        reason = f"grading this submission took longer than {budget:g} s, so the grader stopped it"
        deadline = time.monotonic() + grader.course.limits.call_timeout + _GRACE
        while thread.is_alive() and time.monotonic() < deadline:
            abort_sessions(thread.ident or 0, reason)  # again, for a session opened since
            thread.join(1.0)
        if thread.is_alive():
            _stuck = thread
            raise SubmissionOverdue(f"{reason}, and it did not stop; restart this Dask worker")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"]


# ----------------------------------------------------------------------------- the client's side


def grade_on_dask(
    scheduler: str | Any,
    course: Course,
    submissions: list[Submission],
    *,
    on_report: Callable[[str, dict[str, Any]], None],
    on_failed: Callable[[str, str], None],
    isolation: str | None = None,
    trusted_code: bool = False,
    replay: bool = True,
    watchdog: float | None = None,
) -> None:
    """Grade ``submissions`` on the cluster at ``scheduler`` (an address or a ``distributed.Client``).

    ``watchdog``: seconds one submission may hold a worker (see ``grade_task``).
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise AutograderError(
            "--dask needs Dask's distributed scheduler: pip install 'neurons-autograder[dask]'"
        ) from None
    from autograder.submission import submission_to_json

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="30s")
    owned = client is not scheduler
    futures: dict[Any, str] = {}
    try:
        [bundle] = client.scatter([bundle_course(course)], broadcast=True, hash=False)
        for sub in submissions:
            future = client.submit(
                grade_task, bundle, submission_to_json(sub), isolation, replay, watchdog, trusted_code,
                key=f"autograder-grade-{sub.label}-{uuid.uuid4().hex[:12]}",  # readable, and never an old result
                pure=False, retries=1,
            )  # fmt: skip
            futures[future] = sub.label
        for future in as_completed(list(futures)):
            label = futures.pop(future)
            if future.status == "finished":
                on_report(label, future.result())
                continue
            exc = future.exception()
            if isinstance(exc, _FATAL):
                raise AutograderError(f"grading cannot go on: {exc}")
            on_failed(label, f"{type(exc).__name__}: {exc}")
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        if owned:
            client.close()
