"""Replaying hypothesis's examples across the submissions of a batch.

Grading is derandomized, so hypothesis feeds every submission the same
inputs as long as the submission keeps passing: its choice of the next input
depends only on the test, the seed (fixed by the test's source) and the
outcomes so far. Generating those inputs is most of what a hidden test
costs in-process (hypothesis draws, mutates and bookkeeps for every one), so
a batch records them once and replays them.

How it stays exact:

- The book is filled by a *calibration* run: the reference solutions graded
  through the sandbox like any submission. Only tests the reference passes
  are recorded, with every input in order and whether it was rejected by
  ``assume``. Which inputs a student sees never depends on other students or
  on the order of the batch.
- A replayed test can only *pass*: every recorded input must give the same
  outcome as in the calibration (pass, or rejected). Then hypothesis would
  have generated exactly those inputs for this submission too, so the
  outcome is the one hypothesis gives.
- Anything else (an assertion fails, the student's code raises, a hidden
  test calls ``note`` or ``target``) stops the replay and the test runs under
  hypothesis from the start, shrinking included: the student gets the same
  message as without replay. ``StudentStop`` (a timeout, a broken import, a
  stub) is re-raised at once, which is what hypothesis does with it too.
- Recorded values are deep-copied in and out, so a test that mutates its
  input cannot change what the next submission is given.
- A replay that stops leaves no trace: what the student's code printed
  during it, the crashes it counted and the test's time budget are put back
  as they were (``_Checkpoint``), so the fallback's report is the one
  hypothesis alone gives. (The worker's own memory is not rewound: a
  submission that keeps state between calls sees the replayed calls too.)

Verification goes one step further: a test whose script is *verifiable* (decided when it is recorded,
``ReplayPlugin._verifiable``) first has the worker answer its whole script; when every answer is, byte
for byte, the reference's, the test passes without running (``StudentSession.verify_script``), and what
it kept with ``record`` on the reference is kept again. Otherwise it is replayed as above, on the
answers already given.

A batch calibrates once per job (``autograder.classes.jobs``); a single submission
replays the calibration artefact (``autograder.grading.calibration``). Not used when
grading runs seeded (``autograder audit``'s flakiness check).
"""

from __future__ import annotations

import copy
import functools
import json
import time
from collections.abc import Callable
from typing import Any, cast

import pytest
from hypothesis.errors import UnsatisfiedAssumption

from autograder.errors import StudentStop
from autograder.grading._hypothesis import inner_test, is_hypothesis_test, set_inner_test, source_digest
from autograder.grading.book import MAX_EXAMPLES_PER_TEST, ExampleBook, _Recording
from autograder.sandbox.scripts import Script
from autograder.sandbox.scripts import enabled as scripts_enabled

__all__ = ["ReplayPlugin"]


def _key(item: pytest.Item) -> str:
    return item.nodeid.split("[", 1)[0]


def _student_session(item: pytest.Item) -> Any:
    """The test's sandbox session (the ``student`` fixture), if it has one."""
    from autograder.sandbox import StudentSession

    session = getattr(item, "funcargs", {}).get("student")
    return session if isinstance(session, StudentSession) else None


def _plain_value(value: Any) -> bool:
    """Values hypothesis generated that can be replayed (not a ``st.data()`` handle or other live object)."""
    return not type(value).__module__.startswith("hypothesis")


class ReplayPlugin:
    """A pytest plugin: records hypothesis examples (``recording=True``) or replays them."""

    def __init__(self, book: ExampleBook, *, recording: bool) -> None:
        self.book = book
        self.recording = recording

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        """Record the test's calls (calibration), or follow them as a script (see scripts.py)."""
        session = _student_session(item)
        if session is None:
            yield
            return
        if self.recording:
            session.tap, session.peeked = [], False
            records = _RecordTap(item)
            try:
                outcome = yield
            finally:
                records.close()
            tap, session.tap = session.tap, None
            if outcome.excinfo is None:
                verifiable = not session.peeked and records.kept is not None and self._verifiable(item, len(tap))
                script = Script.of(tap, verifiable=verifiable, records=tuple(records.kept or ()))
                if script is not None:
                    self.book.scripts[_key(item)] = script
            return
        session.use_script(self.book.scripts.get(_key(item)) if scripts_enabled() else None)
        try:
            yield
        finally:
            session.use_script(None)

    def _verifiable(self, item: pytest.Item, calls: int) -> bool:
        """Whether a test that passed on the reference passes on any submission whose answers are the
        reference's (``StudentSession.verify_script``): it sees the submission only through the calls
        it made, its fixtures do not call the submission or keep its values for the report (``record``),
        and, under hypothesis, its recorded examples made every one of those calls. A test marked
        ``always_run`` (one that times the student's code, say) always runs."""
        if not _pure(item) or item.get_closest_marker("always_run") is not None:
            return False
        if not is_hypothesis_test(getattr(item, "obj", None)):
            return True
        rec = self.book.examples(_key(item))
        return rec is not None and rec.calls == calls

    def _verified(self, item: pytest.Function, session: Any) -> bool:
        """The test passed by verification (``StudentSession.verify_script``); what it kept for the
        report on the reference is kept again, as its body would have kept it on these answers."""
        if not session.verify_script():
            return False
        self.book.verified += 1
        script = self.book.scripts.get(_key(item))
        if script is not None and script.records:
            keep = cast(Callable[[str, Any], None], item.funcargs["record"])
            for key, text in script.records:
                keep(key, json.loads(text))
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        test = pyfuncitem.obj
        session = _student_session(pyfuncitem)
        if not is_hypothesis_test(test):
            if not self.recording and session is not None and self._verified(pyfuncitem, session):
                return True
            return None
        testargs = {arg: pyfuncitem.funcargs[arg] for arg in pyfuncitem._fixtureinfo.argnames}
        if self.recording:
            self._record(pyfuncitem, test, testargs)
            return True
        rec = self.book.examples(_key(pyfuncitem))
        if rec is None:
            return None
        checkpoint = _Checkpoint(testargs.get("student"))
        if session is not None and self._verified(pyfuncitem, session):
            self.book.replayed += 1
            return True
        if _replay(inner_test(test), testargs, rec):
            self.book.replayed += 1
            return True
        checkpoint.restore()
        if session is not None:  # hypothesis draws the same inputs again: the script holds until the failure
            session.use_script(self.book.scripts.get(_key(pyfuncitem)) if scripts_enabled() else None)
        self.book.fallbacks += 1
        return None  # pytest's own call: hypothesis from the start, shrinking included

    def _record(self, item: pytest.Function, test: Any, testargs: dict[str, Any]) -> None:
        inner = inner_test(test)
        rec = _Recording()
        session = _student_session(item)

        @functools.wraps(inner)
        def recording(*args: Any, **kwargs: Any) -> Any:
            drawn = {k: v for k, v in kwargs.items() if k not in testargs}
            if args or len(rec.kwargs) >= MAX_EXAMPLES_PER_TEST or not all(map(_plain_value, drawn.values())):
                rec.replayable = False
            elif rec.replayable:
                try:
                    drawn = copy.deepcopy(drawn)
                except Exception:  # noqa: BLE001 - an uncopyable value just means "do not replay this test"
                    rec.replayable = False
            before = session.calls if session is not None else 0
            try:
                result = inner(*args, **kwargs)
            except UnsatisfiedAssumption:
                if rec.replayable:
                    rec.kwargs.append(drawn)
                    rec.valid.append(False)
                raise
            finally:
                rec.calls += session.calls - before if session is not None else 0
            if rec.replayable:
                rec.kwargs.append(drawn)
                rec.valid.append(True)
            return result

        # The seed of a derandomized test comes from its source: the wrapper must not change it.
        rec.replayable = source_digest(recording) == source_digest(inner)
        set_inner_test(test, recording)
        try:
            test(**testargs)
        except BaseException:
            rec.replayable = False  # only inputs of a passing run are the sequence every passing submission sees
            raise
        finally:
            set_inner_test(test, inner)
            self.book.tests[_key(item)] = rec


_OWN_FIXTURES = frozenset({"student", "reference", "course", "data_cache", "record"})  # the plugin's (grading.plugin)


def _pure(item: pytest.Item) -> bool:
    """No fixture of the test but the plugin's own may use ``student``, ``record`` or ``request``
    (through which any fixture can be reached), and the test may not use ``request``."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None or "request" in info.argnames:
        return False
    for name in info.names_closure:
        defs = info.name2fixturedefs.get(name)
        if name in _OWN_FIXTURES or not defs:
            continue
        if {"student", "record", "request"} & set(defs[-1].argnames):
            return False
    return True


class _RecordTap:
    """Keeps what a test passes to ``record`` during its call, as JSON (``kept``; None when a value
    does not survive JSON exactly, and the test is then not verifiable)."""

    def __init__(self, item: pytest.Item) -> None:
        self._funcargs: dict[str, Any] = getattr(item, "funcargs", {})
        self._keep = self._funcargs.get("record")
        self.kept: list[tuple[str, str]] | None = []
        if self._keep is not None:
            self._funcargs["record"] = self._record

    def _record(self, key: str, value: Any) -> None:
        if self.kept is not None:
            from autograder.grading.plugin import plain_data

            try:
                text = json.dumps(plain_data(value))
                if json.dumps(json.loads(text)) != text:
                    raise ValueError("not the same after JSON")
                self.kept.append((key, text))
            except (TypeError, ValueError, RecursionError):
                self.kept = None
        assert self._keep is not None
        self._keep(key, value)

    def close(self) -> None:
        if self._keep is not None:
            self._funcargs["record"] = self._keep


class _Checkpoint:
    """What a replay that stops must not leave behind in the sandbox session: printed output, crash
    counts, the used part of the test's time budget and the warnings already shown."""

    def __init__(self, session: Any) -> None:
        from autograder.sandbox import StudentSession

        self._session = session if isinstance(session, StudentSession) else None
        if self._session is not None:
            self._session._collect_output()
            self._output = len(self._session._output)
            self._dropped = self._session._dropped
            self._crashes = self._session._crashes.copy()

    def restore(self) -> None:
        s = self._session
        if s is None:
            return
        s._collect_output()
        del s._output[self._output :]
        s._dropped = self._dropped
        s._crashes = self._crashes
        if s._worker is not None:
            s._worker.output.limit = max(0, s._limits.output_kb * 1024 - len(s._output))
        if s._deadline is not None:
            s._deadline = time.monotonic() + s._limits.test_timeout  # hypothesis starts with the whole budget
        s.show_warnings_again()  # the replay's warnings were printed to output that is now rewound


def _replay(inner: Callable[..., Any], testargs: dict[str, Any], rec: _Recording) -> bool:
    """True when every recorded input gives its recorded outcome; StudentStop propagates as under hypothesis."""
    for drawn, valid in zip(rec.kwargs, rec.valid):
        try:
            inner(**testargs, **copy.deepcopy(drawn))
        except UnsatisfiedAssumption:
            if valid:
                return False
            continue
        except StudentStop:
            raise
        except Exception:  # noqa: BLE001 - any failure: let hypothesis run and explain it
            return False
        if not valid:
            return False
    return True
