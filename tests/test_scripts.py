"""Scripts (autograder.sandbox.scripts): a test's predicted calls sent together, and no grade changed.

The property: with a script, the student's code sees exactly the calls it sees
without one, in the same order, and nothing else; every answer, failure and
message is the same. The attacks: a submission that keeps state between calls,
answers that differ from the reference's in the middle of a script, a call that
hangs inside a script, and frames forged on the reply pipe while a script runs.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder import grade, load_course
from autograder.errors import StudentCodeError, StudentCrashed, StudentStop, StudentTimeout
from autograder.grading import calibration
from autograder.sandbox import SandboxLimits, StudentSession, available_levels, wire
from autograder.sandbox.scripts import Script
from tests.test_batch import SUBMISSIONS, make_course
from tests.test_boundary import FIND_REPLY_PIPE

LEVEL = "namespace" if "namespace" in available_levels() else "process"
LIMITS = SandboxLimits(call_timeout=2, test_timeout=60)

REFERENCE = "def f(x):\n    return 2 * x\n"
# Keeps every argument it gets, and answers like the reference except for x == 3.
STUDENT = """
SEEN = []


def f(x):
    SEEN.append(x)
    return 99 if x == 3 else 2 * x


def seen():
    return list(SEEN)
"""


def body(student) -> list:
    """A test body whose later calls depend on earlier answers (as many hidden tests do)."""
    out = []
    for x in range(6):
        y = student.m.f(x)
        out.append(y)
        out.append(student.m.f(y + 1000))
    return out


VERIFIED = "passed by verification: the test did not run"


def _recorded(files: dict[str, bytes], run, *, verifiable: bool = True) -> Script:
    """The script a calibration would record: every call ``run`` makes into ``files``, and its answer."""
    session = StudentSession(files, level=LEVEL, limits=LIMITS)
    try:
        session.tap = []
        session.begin_test()
        run(session)
        session.end_test()
        script = Script.of(session.tap, verifiable=verifiable)
    finally:
        session.close()
    assert script is not None
    return script


def _follow(files: dict[str, bytes], script: Script | None, run, *, verify: bool = False):
    """Run ``run`` against ``files`` following ``script``; (what it returned or raised, the calls the code saw).
    ``verify``: first ``verify_script``, as the replay plugin does; the result is VERIFIED when it held."""
    session = StudentSession(files, level=LEVEL, limits=LIMITS)
    try:
        session.begin_test()
        session.use_script(script)
        try:
            result: object = VERIFIED if verify and session.verify_script() else run(session)
        except (StudentCodeError, StudentStop) as raised:
            err = raised.error if isinstance(raised, StudentStop) else raised
            result = (type(err).__name__, err.message)
        session.end_test()
        seen = session.m.seen() if "seen" in files["m.py"].decode() else None
        stats = dict(script.stats) if script is not None else None
    finally:
        session.close()
    return result, seen, stats


def test_the_code_sees_exactly_the_calls_it_sees_without_a_script():
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    student = {"m.py": STUDENT.encode()}
    scripted, seen_scripted, stats = _follow(student, script, body)
    plain, seen_plain, _ = _follow(student, None, body)
    assert scripted == plain == [0, 2000, 2, 2004, 4, 2008, 99, 2198, 8, 2016, 10, 2020]
    assert seen_scripted == seen_plain == [0, 1000, 1, 1002, 2, 1004, 3, 1099, 4, 1008, 5, 1010]
    assert stats["batches"] >= 1 and stats["calls"] == 7  # scripted up to the differing answer (3 -> 99)


def test_a_correct_submission_is_answered_in_one_message():
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    same = STUDENT.replace("99 if x == 3 else ", "")
    result, seen, stats = _follow({"m.py": same.encode()}, script, body)
    assert result == [0, 2000, 2, 2004, 4, 2008, 6, 2012, 8, 2016, 10, 2020]
    assert len(seen) == 12 and stats == {"batches": 1, "calls": 12}


def test_a_call_that_hangs_inside_a_script_times_out_with_the_usual_message():
    hangs = STUDENT.replace(
        "    SEEN.append(x)\n", "    SEEN.append(x)\n    if x == 2:\n        while True:\n            pass\n"
    )
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    scripted, _, _ = _follow({"m.py": hangs.encode()}, script, body)
    plain, _, _ = _follow({"m.py": hangs.encode()}, None, body)
    assert scripted == plain
    assert scripted[0] == StudentTimeout.__name__ and "did not return within 2 s (called as f(2))" in scripted[1]


FORGER = (
    FIND_REPLY_PIPE
    + """
SEEN = []


def _script_id():
    f = sys._getframe()
    while f is not None:
        request = f.f_locals.get("request")
        if isinstance(request, dict) and request.get("op") == "script":
            return request["id"]
        f = f.f_back
    return None


def f(x):
    SEEN.append(x)
    if x == 1:
        forge(frame(('{"$d":[["ok",7777],["id","%s"],["n",%d],["more",true]]}' % (_script_id(), %(n)s)).encode()))
    return 2 * x
"""
)


def test_a_frame_forged_for_a_later_call_of_the_script_is_a_crash_never_its_answer():
    """f(1) (call 2 of the script) writes an answer for call 3: the grader sees a crash, never 7777."""
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    result, _, _ = _follow({"m.py": FORGER.replace("%(n)s", "3").encode()}, script, body)
    assert isinstance(result, tuple) and result[0] == StudentCrashed.__name__, result
    assert "f() in your m.py crashed" in result[1] and "7777" not in result[1]


def _until_failure(student) -> list:
    """``body``'s calls, with the name of the first failure in place of the rest."""
    out: list = []
    try:
        for x in range(6):
            y = student.m.f(x)
            out.append(y)
            out.append(student.m.f(y + 1000))
    except (StudentCodeError, StudentStop) as raised:
        out.append(type(raised.error if isinstance(raised, StudentStop) else raised).__name__)
    return out


@pytest.mark.parametrize("verify", [False, True])
def test_an_answer_forged_for_its_own_call_is_at_most_that_calls_answer(verify):
    """Student code can read the script's id and answer its own call (f(1) is call 2): as good as
    returning 7777 from f(1). The real answer behind it is never passed on to another call: it is
    found on the pipe before the next request, and f is failed for good as a crash."""
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    result, _, _ = _follow({"m.py": FORGER.replace("%(n)s", "2").encode()}, script, _until_failure, verify=verify)
    assert result == [0, 2000, 7777, StudentCrashed.__name__], result


# ----------------------------------------------------------------------------- verification


def test_answers_that_are_the_references_pass_the_test_without_running_it():
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    same = STUDENT.replace("99 if x == 3 else ", "")
    result, seen, stats = _follow({"m.py": same.encode()}, script, body, verify=True)
    assert result == VERIFIED and stats["verified"] == 1
    assert seen == [0, 1000, 1, 1002, 2, 1004, 3, 1006, 4, 1008, 5, 1010]  # every call, once, in order


def test_a_verification_that_meets_another_answer_leaves_the_answers_to_the_test():
    """The test then runs on the answers already given: no call runs twice, and it sees what it sees
    without a script (the stateful code would notice a second call)."""
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    verified, seen_verified, stats = _follow({"m.py": STUDENT.encode()}, script, body, verify=True)
    plain, seen_plain, _ = _follow({"m.py": STUDENT.encode()}, None, body)
    assert verified == plain and seen_verified == seen_plain
    assert "verified" not in stats


def test_only_a_verifiable_script_is_verified():
    script = _recorded({"m.py": REFERENCE.encode()}, body, verifiable=False)
    same = STUDENT.replace("99 if x == 3 else ", "")
    result, seen, _ = _follow({"m.py": same.encode()}, script, body, verify=True)
    assert result == [0, 2000, 2, 2004, 4, 2008, 6, 2012, 8, 2016, 10, 2020] and len(seen) == 12


def test_a_call_that_hangs_during_a_verification_times_out_once_with_the_usual_message():
    hangs = STUDENT.replace(
        "    SEEN.append(x)\n", "    SEEN.append(x)\n    if x == 2:\n        while True:\n            pass\n"
    )
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    verified, _, _ = _follow({"m.py": hangs.encode()}, script, body, verify=True)
    plain, _, _ = _follow({"m.py": hangs.encode()}, None, body)
    assert verified == plain
    assert verified[0] == StudentTimeout.__name__ and "did not return within 2 s (called as f(2))" in verified[1]


@pytest.mark.parametrize("n", [2, 3])
def test_frames_forged_during_a_verification_end_as_without_one(n):
    """The forger answers its own call (2) or a later one (3) with 7777, which is not the reference's
    answer: verification stops there and the test meets the forgery exactly as without a script."""
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    forger = FORGER.replace("%(n)s", str(n)).encode()
    verified, _, _ = _follow({"m.py": forger}, script, body, verify=True)
    scripted, _, _ = _follow({"m.py": forger}, script, body)
    assert verified == scripted and verified != VERIFIED


def test_a_frame_is_matched_to_its_expected_answer_without_decoding_it():
    value = {"ok": np.arange(5.0), "extra": [1, "two"]}
    encoded = wire.encode(value)
    frame = wire.frame_bytes(wire.tagged(encoded, id="ab12", n=3, more=True))
    assert wire.tagged_digest(frame, id="ab12", n=3, more=True) == wire.digest(encoded)
    assert wire.tagged_digest(frame, id="ab12", n=3, more=False) is None  # other fields: not that frame
    assert wire.tagged_digest(frame, id="ab12", n=4, more=True) is None
    changed = bytearray(frame)
    changed[-1] ^= 1  # one bit of the array
    assert wire.tagged_digest(bytes(changed), id="ab12", n=3, more=True) != wire.digest(encoded)
    assert wire.tagged_digest(frame[:-1], id="ab12", n=3, more=True) is None  # truncated


# Looks through the worker's memory for anything that could be a fingerprint of the reference's
# answers (32 hex digits in a list of a dict, as a script message would carry them), and returns the
# candidate answer whose encoding has one: the oracle attack on a function with few answers.
ORACLE = """
import sys


def _fingerprints():
    found = set()
    f = sys._getframe()
    while f is not None:
        for v in list(f.f_locals.values()):
            if isinstance(v, dict):
                for w in v.values():
                    if isinstance(w, list):
                        found.update(d for d in w if isinstance(d, str) and len(d) == 32)
        f = f.f_back
    return found


def f(x):
    import _ag_wire as wire

    prints = _fingerprints()
    for c in range(-10, 2100):
        if wire.digest(wire.encode({"ok": c})) in prints:
            return c
    return -1
"""


@pytest.mark.parametrize("verify", [False, True])
def test_the_worker_is_never_told_the_references_answers(verify):
    """The grader alone compares answers with the reference's: code in the worker finds no fingerprint
    to test candidate answers against, so the oracle gets what it gets without a script."""
    script = _recorded({"m.py": REFERENCE.encode()}, body)
    scripted, _, _ = _follow({"m.py": ORACLE.encode()}, script, _until_failure, verify=verify)
    plain, _, _ = _follow({"m.py": ORACLE.encode()}, None, _until_failure)
    assert scripted == plain and scripted[:2] == [-1, -1], scripted


# ----------------------------------------------------------------------------- whole grades

STATEFUL = (
    "SEEN = []\n\n\ndef double(x):\n    SEEN.append(x)\n    return 2.0 * x if len(SEEN) < 9 else 0.0\n\n\n"
    "def half(x, cache={}):\n    cache[x] = cache.get(x, 0) + 1\n    return x / 2.0 if cache[x] < 2 else x\n"
)


def test_grades_with_scripts_equal_grades_without(tmp_path, monkeypatch):
    course = load_course(make_course(tmp_path / "course"))
    calibration.write_artefact(course)
    book = calibration.load_book(course)
    assert book is not None and book.scripts, "the artefact carries the calibration's scripts"
    sources = {**{k: SUBMISSIONS[k] for k in ("alice", "bob", "carol", "dave_syntax")}, "stateful": STATEFUL}
    verified = []
    verify = StudentSession.verify_script
    monkeypatch.setattr(StudentSession, "verify_script", lambda self: verified.append(verify(self)) or verified[-1])
    for name, source in sources.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "mini.py").write_text(source)
        monkeypatch.setenv("AUTOGRADER_SCRIPTS", "1")
        scripted = grade(tmp_path / name, course)
        monkeypatch.setenv("AUTOGRADER_SCRIPTS", "0")
        plain = grade(tmp_path / name, course)
        assert scripted.without_timing() == plain.without_timing(), name
    assert 0 < scripted.score < scripted.max_score  # the stateful submission goes wrong part way
    assert True in verified and False in verified  # alice's tests passed by verification; bob's did not


PEEKING_TESTS = """\
import pytest
from autograder.testing import expect_close


@pytest.fixture
def doubled(student):
    return student.mini.double(2.0)


def test_calls_only(student, reference):
    expect_close(student.mini.double(1.0), reference.mini.double(1.0), call="double(1.0)")


@pytest.fixture
def keeps(record):
    record("fixture", [1.0])


def test_keeps_values_for_the_report(student, record):
    record("curve", {"student": [student.mini.double(1.0)]})


def test_uses_a_fixture_that_keeps_values(student, keeps):
    assert student.mini.double(1.0) == 2.0


@pytest.mark.always_run
def test_times_the_submission(student):
    assert student.mini.double(1.0) == 2.0


def test_reads_the_output(student):
    student.mini.double(1.0)
    assert "secret" not in student.output


def test_reads_the_files(student):
    assert student.has_module("mini") and student.mini.double(1.0) == 2.0


def test_uses_a_fixture_that_calls_the_submission(student, doubled):
    assert student.mini.double(1.0) == 2.0 and doubled == 4.0
"""


def test_a_test_is_verifiable_only_when_its_answers_are_all_it_sees(tmp_path):
    """Only a test whose outcome depends on nothing but its calls' answers may pass by verification:
    not one that reads the output or the files, or uses a fixture that calls the submission (its calls
    are not in the test's script) or keeps values for the report. What the test itself keeps with
    ``record`` is kept with its script, and kept again when it passes by verification."""
    course_path = make_course(tmp_path / "course")
    (course_path.parent / "tests" / "grading" / "test_mini.py").write_text(PEEKING_TESTS)
    names = re.findall(r"^def (test_\w+)", PEEKING_TESTS, flags=re.M)
    yaml = course_path.read_text().split("    tests:\n")[0] + "    tests:\n"
    course_path.write_text(yaml + "".join(f"      {name}: 1\n" for name in names))
    book = calibration.calibrate(load_course(course_path))
    verifiable = {key.rsplit("::", 1)[1]: script.verifiable for key, script in book.scripts.items()}
    assert verifiable == {
        "test_calls_only": True,
        "test_keeps_values_for_the_report": True,
        "test_uses_a_fixture_that_keeps_values": False,
        "test_times_the_submission": False,
        "test_reads_the_output": False,
        "test_reads_the_files": False,
        "test_uses_a_fixture_that_calls_the_submission": False,
    }
    records = {key.rsplit("::", 1)[1]: script.records for key, script in book.scripts.items()}
    assert records["test_keeps_values_for_the_report"] == (("curve", '{"student": [2.0]}'),)


RECORDING_TESTS = """\
from hypothesis import given
from hypothesis import strategies as st
from autograder.testing import expect_close


@given(x=st.floats(-10, 10))
def test_double_curve(student, reference, record, x):
    got = student.mini.double(x)
    record("curve", {"student": {repr(x): got}, "reference": {repr(x): reference.mini.double(x)}})
    expect_close(got, reference.mini.double(x), call=f"double({x!r})")


def test_half_trace(student, record):
    record("trace", [student.mini.half(v) for v in (1.0, 3.0)])
"""


def test_a_verified_test_keeps_for_the_report_what_it_keeps_when_it_runs(tmp_path, monkeypatch):
    course_path = make_course(tmp_path / "course")
    (course_path.parent / "tests" / "grading" / "test_mini.py").write_text(RECORDING_TESTS)
    yaml = course_path.read_text().split("    tests:\n")[0] + "    tests:\n"
    course_path.write_text(yaml + "      test_double_curve: 1\n      test_half_trace: 1\n")
    course = load_course(course_path)
    calibration.write_artefact(course)
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "mini.py").write_text(SUBMISSIONS["alice"])
    verified = []
    verify = StudentSession.verify_script
    monkeypatch.setattr(StudentSession, "verify_script", lambda self: verified.append(verify(self)) or verified[-1])
    monkeypatch.setenv("AUTOGRADER_SCRIPTS", "1")
    scripted = grade(tmp_path / "alice", course)
    assert verified == [True, True]  # both tests passed by verification
    monkeypatch.setenv("AUTOGRADER_SCRIPTS", "0")
    plain = grade(tmp_path / "alice", course)
    assert scripted.without_timing() == plain.without_timing()
    kept = scripted.artifacts["mini"]
    assert kept["trace"] == [0.5, 1.5] and len(kept["curve"]["student"]) > 5


def test_the_artefact_round_trips_the_scripts(tmp_path):
    course = load_course(make_course(tmp_path / "course"))
    book = calibration.calibrate(course)
    assert book.scripts
    path = calibration.save_book(course, book, tmp_path / "c.json")
    loaded = calibration.load_book(course, path)
    assert loaded is not None and set(loaded.scripts) == set(book.scripts)
    for key, script in book.scripts.items():
        assert loaded.scripts[key].calls == script.calls  # frames, modules, fingerprints
        assert loaded.scripts[key].verifiable == script.verifiable
        assert loaded.scripts[key].records == script.records
