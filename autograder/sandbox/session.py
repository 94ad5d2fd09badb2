"""One submission's sandbox session: the ``student`` object hidden tests call.

``StudentSession`` owns the private copy of a submission and a worker that
is started lazily and restarted after it dies. It remembers what went wrong
so that a submission pays for a mistake once: a module whose import failed,
or a function that timed out, fails every later call at once with the same
message instead of costing another timeout. And a submission has a wall-clock
budget (``sandbox.submission_timeout``, counted from its first test): once it
is used up, every later call fails at once, so a function that sleeps just
under ``call_timeout`` costs the budget, not ``call_timeout`` for every test.

Hidden tests use it through attribute access::

    student.activations.sigmoid(z)      # runs in the worker, returns plain data
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

from autograder.errors import (
    AutograderError,
    StudentBadValue,
    StudentCodeError,
    StudentCrashed,
    StudentImportError,
    StudentMissing,
    StudentRaised,
    StudentStop,
    StudentTimeout,
)
from autograder.sandbox.affinity import CoreShare
from autograder.sandbox.failures import again, from_raised, names_used_by_functions, reachable, render_args
from autograder.sandbox.following import ScriptFollowing
from autograder.sandbox.isolation import SUBMISSION_MOUNT, Level
from autograder.sandbox.limits import SandboxLimits
from autograder.sandbox.proxies import ModuleProxy
from autograder.sandbox.scripts import PredictedCall, Script, request_key
from autograder.sandbox.worker import Worker, WorkerDied, WorkerForged, WorkerTimeout, prepare_copy
from autograder.sandbox.zygote import Zygote, ZygoteFailed, give_back, lease, warm_enabled

__all__ = ["StudentSession", "abort_sessions"]

_STARTUP_TIMEOUT = 60.0
_MAX_CRASHES = 3  # a function that crashed the worker this often is not called again


class StudentSession(ScriptFollowing):
    """The sandboxed submission; attribute access gives module proxies."""

    def __init__(
        self,
        files: dict[str, bytes],
        *,
        level: Level,
        limits: SandboxLimits,
        extra: dict[str, Path] | None = None,
        budget_end: float | None = None,
    ) -> None:
        self._files = files
        self._level = level
        self._limits = limits
        self._extra = extra or {}
        self._copy: Path | None = None  # written when a cold worker needs it
        self._zygote: Zygote | None = None  # leased at the first warm start, given back at close
        self._worker: Worker | None = None
        self._imported: set[str] = set()
        self._broken: dict[str, StudentCodeError] = {}
        self._timed_out: dict[tuple[str, str], StudentCodeError] = {}
        self._graphs: dict[str, dict[str, set[str]]] = {}
        self._crashes: Counter[tuple[str, str]] = Counter()
        self._last_request: tuple[str, str | None] | None = None  # (module, function or None) sent last to this worker
        self._deadline: float | None = None
        # The submission's wall-clock budget: from now, or shared with the session of the submission's
        # other tests (a lane of its own, see grading.lanes), a ``time.monotonic()`` value.
        self._budget_end = time.monotonic() + limits.submission_timeout if budget_end is None else budget_end
        self._output = bytearray()
        self._dropped = 0
        self._core = CoreShare()  # the worker and the thread that calls it share a core (see affinity)
        self.calls = 0
        self.timeouts = 0  # calls that failed as timeouts: outcomes that depend on the clock
        self.workers_started = 0
        self._thread = threading.get_ident()  # the grading thread that owns it (see abort_sessions)
        self._aborted = ""  # why a watchdog stopped it: every later call fails at once with this
        self._script: Script | None = None  # the running test's predicted calls (see scripts.py)
        self._fresh_warnings = False  # the next call shows every warning again (see begin_test)
        self.tap: list[PredictedCall | None] | None = None  # when a list: every call and its answer are recorded in it
        self.peeked = False  # set when a test reads more than its calls' answers (its output, its files)
        _LIVE.add(self)

    # -- the test's view ---------------------------------------------------
    def __repr__(self) -> str:
        return "<your submission>"

    def __getattr__(self, module: str) -> ModuleProxy:
        if module.startswith("_"):
            raise AttributeError(module)
        return ModuleProxy(self, module)

    def has_module(self, module: str) -> bool:
        """True when the submission contains ``module.py`` (no student code runs)."""
        self.peeked = True
        return f"{module}.py" in self._files

    def begin_test(self) -> None:
        self._deadline = time.monotonic() + self._limits.test_timeout
        self._core.hold()  # the test's calls run on the worker's core (see affinity)
        self.show_warnings_again()

    def show_warnings_again(self) -> None:
        """From the next call on, a warning the student's code triggers is printed again, even where an
        earlier call printed it (Python shows each warning once per place). Each test's output then holds
        its own warnings whatever ran before it in the worker, and a replay that stops leaves none behind."""
        self._fresh_warnings = True

    def end_test(self) -> None:
        self.use_script(None)
        self._deadline = None
        self._core.release()

    def module_problems(self) -> list[str]:
        """One line per module that could not be used at all (missing, failed or hung on import)."""
        self.peeked = True
        return [err.message for _, err in sorted(self._broken.items())]

    @property
    def output(self) -> str:
        """What the student's code printed (stdout and stderr), truncated to the limit."""
        return render_output(*self.output_kept())

    def output_kept(self) -> tuple[str, int]:
        """What the student's code printed as kept (within the limit), and how many bytes were not kept."""
        self.peeked = True
        self._collect_output()
        text = self._output.decode("utf-8", "replace")
        # Where the copy lives differs by level and run (/submission, /tmp/ag-sub-XXXX): a warning's
        # "activations.py:39" must read the same at every level and in every regrade.
        for folder in {SUBMISSION_MOUNT, *((str(self._copy), os.path.realpath(self._copy)) if self._copy else ())}:
            text = text.replace(folder.rstrip("/") + "/", "")
        return text, self._dropped

    @property
    def budget_end(self) -> float:
        """When the submission's wall-clock budget ends (``time.monotonic()``)."""
        return self._budget_end

    # -- calls -------------------------------------------------------------
    def call(self, module: str, func: str, args: tuple, kwargs: dict, *, extras: tuple[str, ...] = ()) -> object:
        """Run ``module.func(*args, **kwargs)`` in the worker and return its answer.

        Every failure leaves from the one ``raise`` below, so hypothesis sees one
        failure origin however the student's code went wrong (otherwise it would
        call a deterministic failure flaky).
        """
        try:
            return self._call(module, func, args, kwargs, extras)
        except StudentCodeError as err:
            if isinstance(err, StudentTimeout):
                self.timeouts += 1
            failure: BaseException = again(err)
            if self._is_sticky(module, func, err):
                failure = StudentStop(failure)  # type: ignore[arg-type]
        raise failure

    def _is_sticky(self, module: str, func: str, err: StudentCodeError) -> bool:
        """True when no other input can change the outcome, so searching for a smaller one is pointless."""
        if module in self._broken or (module, func) in self._timed_out or isinstance(err, StudentMissing):
            return True
        if self.budget_spent:
            return True
        if isinstance(err, StudentRaised) and err.exc_type == "NotImplementedError":
            self._timed_out[(module, func)] = err  # a stub stays a stub: do not call it again
            return True
        return False

    def _call(self, module: str, func: str, args: tuple, kwargs: dict, extras: tuple[str, ...]) -> object:
        if module in self._broken:
            raise again(self._broken[module])
        if (module, func) in self._timed_out:
            raise again(self._timed_out[(module, func)])
        self._refuse_callers_of_hung_functions(module, func)
        message: dict[str, Any] = {"op": "call", "module": module, "func": func, "args": list(args),
                                   "kwargs": dict(kwargs), "extras": list(extras)}  # fmt: skip
        if self._fresh_warnings:
            message["fresh"] = True
            self._fresh_warnings = False
        if self._script is not None and not self._script.expects(request_key(message)):
            self.use_script(None)  # the test went another way: per call from here on
        self._ensure_imported(module)
        self.calls += 1
        timeout, bound = self._timeout()
        what = f"{func}() in your {module}.py"
        try:
            reply = self._scripted(message, timeout) if self._script is not None else None
            if reply is None:
                reply = self._request(message, timeout)
        except (WorkerTimeout, WorkerDied) as failed:
            self._retire_worker()
            if self._aborted:
                raise StudentTimeout(f"{what} was stopped: {self._aborted}") from None
            if isinstance(failed, WorkerDied):
                raise self._crashed(module, func, what, failed) from None
            if bound == "submission":
                raise StudentTimeout(f"{what} was stopped: {self._budget_message()}") from None
            if bound == "test":
                raise StudentTimeout(
                    f"this test's calls into your code took more than {self._limits.test_timeout:g} s in total"
                ) from None
            err = StudentTimeout(
                f"{what} did not return within {self._limits.call_timeout:g} s "
                f"(called as {func}({render_args(args, kwargs)}))"
            )
            self._timed_out[(module, func)] = err
            raise again(err) from None
        if self.tap is not None:
            self.tap.append(PredictedCall.record(message, reply))
        return self._unwrap(reply, what, module, func)

    def _crashed(self, module: str, func: str, what: str, died: WorkerDied) -> StudentCodeError:
        """A crashed call's error; a function that forged or crashed too often is not called again."""
        self._crashes[(module, func)] += 1
        err = StudentCrashed(f"{what} crashed the process that runs your code: {died}")
        if self._crashes[(module, func)] >= _MAX_CRASHES or isinstance(died, WorkerForged):
            self._timed_out[(module, func)] = err
        return again(err)

    def _refuse_callers_of_hung_functions(self, module: str, func: str) -> None:
        """A function whose body reaches one that timed out would hang too: fail it at once.

        So a loop in ``sigmoid`` costs one timeout, not one more for ``neuron``
        that calls it. Reached means named in the body, directly or through
        other functions of the same module (read from the source with ``ast``,
        nothing runs), and only after a timeout, so correct code is never
        affected.
        """
        hung = {f: e for (m, f), e in self._timed_out.items() if m == module and isinstance(e, StudentTimeout)}
        if not hung:
            return
        reached = reachable(self._call_graph(module), func)
        culprit = next((h for h in sorted(hung) if h in reached and h != func), None)
        if culprit is not None:
            err = StudentTimeout(
                f"{func}() in your {module}.py calls {culprit}(), which did not return earlier: "
                f"{hung[culprit].message}; {func}() was not run, so it could not hang as well"
            )
            self._timed_out[(module, func)] = err
            raise again(err)

    def _call_graph(self, module: str) -> dict[str, set[str]]:
        if module not in self._graphs:
            self._graphs[module] = names_used_by_functions(self._files.get(f"{module}.py", b""))
        return self._graphs[module]

    def _unwrap(self, reply: dict, what: str, module: str, func: str) -> object:
        if "ok" in reply:
            return reply["ok"]
        if "missing" in reply:
            raise StudentMissing(f"your {module}.py has no function {func}()")
        if "bad_value" in reply:
            raise StudentBadValue(f"{what} returned something that is not plain data: {reply['bad_value']}")
        raise from_raised(reply.get("raised") or {}, what, func)

    def _ensure_imported(self, module: str) -> None:
        if module in self._imported:
            return
        if f"{module}.py" not in self._files:
            err: StudentCodeError = StudentImportError(
                f"your submission has no {module}.py",
                hint=f"Hand in {module}.py next to your other files, with the stub's function names.",
            )
            self._broken[module] = err
            raise again(err)
        timeout, bound = self._timeout()
        try:
            reply = self._request({"op": "import", "module": module}, timeout)
        except WorkerTimeout:
            self._retire_worker()
            if self._aborted or bound == "submission":
                why = self._aborted or self._budget_message()
                raise StudentTimeout(f"importing your {module}.py was stopped: {why}") from None
            err = StudentTimeout(f"importing your {module}.py did not finish within {timeout:g} s")
            self._broken[module] = err
            raise again(err) from None
        except WorkerDied as died:
            self._retire_worker()
            if self._aborted:
                raise StudentTimeout(f"importing your {module}.py was stopped: {self._aborted}") from None
            err = StudentCrashed(f"importing your {module}.py ended the process that runs your code: {died}")
            self._broken[module] = err
            raise again(err) from None
        if "ok" not in reply:
            raised = reply.get("raised") or {}
            detail = f"{raised.get('type', 'an error')}: {raised.get('message', '')}".rstrip(": ")
            where = "; ".join(raised.get("where") or [])
            err = StudentImportError(
                f"importing your {module}.py raised {detail}" + (f" (at {where})" if where else "")
            )
            self._broken[module] = err
            raise again(err)
        self._imported.add(module)

    def _timeout(self) -> tuple[float, str]:
        """Seconds the next call may take, and what bounds them: "call", "test" or "submission".

        Raises ``StudentTimeout`` at once when the test's or the submission's
        budget is already used up, or a watchdog stopped the submission.
        """
        if self._aborted:
            raise StudentTimeout(self._aborted)
        now = time.monotonic()
        if now >= self._budget_end:
            raise StudentTimeout(f"not run: {self._budget_message()}")
        bounds = [(self._limits.call_timeout, "call"), (self._budget_end - now, "submission")]
        if self._deadline is not None:
            remaining = self._deadline - now
            if remaining <= 0:
                raise StudentTimeout(
                    f"this test's calls into your code took more than {self._limits.test_timeout:g} s in total"
                )
            bounds.append((remaining, "test"))
        return min(bounds, key=lambda b: b[0])

    @property
    def budget_spent(self) -> bool:
        """True once the submission's wall-clock budget is used up (or a watchdog stopped it)."""
        return bool(self._aborted) or time.monotonic() >= self._budget_end

    def abort(self, reason: str) -> None:
        """From another thread: fail every later call at once with ``reason``, and end a cold worker's call now.

        A forked worker (namespace level) cannot be signalled from here; its
        call ends at its own deadline.
        """
        self._aborted = reason
        proc = getattr(self._worker, "proc", None)
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # its reply pipe ends; the grading thread sees a dead worker
            except (ProcessLookupError, PermissionError):
                pass

    def _budget_message(self) -> str:
        return (
            f"the submission used its whole time budget of {self._limits.submission_timeout:g} s "
            "(sandbox.submission_timeout), so this and every later call into your code fail at once"
        )

    def _request(self, message: dict, timeout: float) -> dict:
        """Send one request to the worker (started if need be) and return its reply.

        When the worker is caught holding an extra answer from the previous
        request (``WorkerForged`` with ``earlier``), the previous call's
        function wrote to the reply channel: it is failed for good as a crash,
        and this request, which never got its own answer, goes once more to a
        fresh worker. So a forged frame never shifts an answer onto another call.
        """
        key = (str(message["module"]), message.get("func"))
        for attempt in (1, 2):
            worker = self._worker_or_start()
            previous, self._last_request = self._last_request, key
            try:
                with self._core.pinned():  # the thread visits the worker's core for the call (see affinity)
                    return worker.request(message, timeout)
            except WorkerForged as forged:
                if not forged.earlier or previous is None or previous == key or attempt == 2:
                    raise  # this request's own function is the forger
                self._retire_worker()
                self._blame_forger(*previous)
        raise AssertionError("unreachable")

    def _blame_forger(self, module: str, func: str | None) -> None:
        """Fail every later use of a function (or module, for an import) that wrote to the reply channel."""
        if func is None:
            self._broken[module] = StudentCrashed(
                f"importing your {module}.py crashed the process that runs your code: {Worker.FORGED}"
            )
        else:
            self._timed_out[(module, func)] = StudentCrashed(
                f"{func}() in your {module}.py crashed the process that runs your code: {Worker.FORGED}"
            )

    # -- worker lifecycle --------------------------------------------------
    def _worker_or_start(self) -> Worker:
        if self._worker is None or not self._worker.alive:
            room = self._limits.output_kb * 1024 - len(self._output)
            self._core.choose()
            with self._core.pinned():  # a cold worker inherits the core; a forked one is told it
                self._worker = self._start_worker(max(room, 0))
            self.workers_started += 1
            self._imported.clear()
            self._last_request = None
            try:
                self._worker.wait_ready(_STARTUP_TIMEOUT)
            except (WorkerTimeout, WorkerDied) as exc:
                self._retire_worker()
                raise AutograderError(
                    f"the sandbox worker did not start at isolation level {self._level!r} ({exc}); "
                    "try --isolation process to see whether the sandbox is the problem"
                ) from None
        return self._worker

    def _start_worker(self, output_limit: int) -> Worker:
        """Fork from a warm zygote where one can serve (namespace level), else start a cold worker."""
        if self._level == "namespace" and warm_enabled():
            try:
                if self._zygote is None:
                    self._zygote = lease(self._limits)
                return self._zygote.spawn(self._all_files(), self._core.cpu, output_limit)
            except ZygoteFailed:
                self._zygote = None  # it killed itself; this submission goes on with cold workers
        if self._copy is None:
            self._copy = prepare_copy(self._files, self._extra)
        return Worker(self._copy, self._level, self._limits, output_limit=output_limit)

    def _all_files(self) -> dict[str, bytes]:
        """The submission's files and the read-only extras (course data), as the worker should see them."""
        files = dict(self._files)
        for rel, source in self._extra.items():
            if source.is_dir():
                for path in sorted(source.rglob("*")):
                    if path.is_file():
                        files[f"{rel}/{path.relative_to(source).as_posix()}"] = path.read_bytes()
            else:
                files[rel] = source.read_bytes()
        return files

    def _retire_worker(self) -> None:
        if self._script is not None:
            self._script.running = self._script.held = None
            self._script.queue.clear()
        if self._worker is not None:
            self._worker.kill()
            self._collect_output()
            self._worker = None
            self._imported.clear()

    def _collect_output(self) -> None:
        w = self._worker
        if w is not None and w.alive:
            w.output.sync()  # what it printed before its last answer is in the pipe already
        if w is not None and w.output.kept:
            self._output += w.output.kept
            self._dropped += w.output.dropped
            w.output.kept = bytearray()
            w.output.dropped = 0
            w.output.limit = max(0, self._limits.output_kb * 1024 - len(self._output))

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._collect_output()
            self._worker = None
        self._core.release(fully=True)
        if self._zygote is not None:
            give_back(self._zygote)
            self._zygote = None
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)


def render_output(text: str, dropped: int) -> str:
    """The report's output: what was kept, then how much was not."""
    return text + (f"\n[... {dropped} more bytes of output were not kept]" if dropped else "")


_LIVE: weakref.WeakSet[StudentSession] = weakref.WeakSet()


def abort_sessions(thread: int, reason: str) -> int:
    """Stop the live sessions that grading thread ``thread`` owns (a watchdog's tool); returns how many."""
    stopped = 0
    for session in list(_LIVE):
        if session._thread == thread:
            session.abort(reason)
            stopped += 1
    return stopped
