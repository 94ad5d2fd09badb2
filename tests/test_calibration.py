"""The calibration artefact (autograder.grading.calibration): faster single submissions, never another grade.

Fast tests use the small course of test_batch in a temporary folder; the slow one grades part of the
real unit's catalogue (all of it with AUTOGRADER_TEST_WHOLE_CATALOGUE=1) with and without the artefact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder import grade, load_course
from autograder.grading import calibration
from autograder.grading.calibration import load_book, write_artefact
from tests.test_batch import SUBMISSIONS, make_course


@pytest.fixture
def mini(tmp_path):
    course = load_course(make_course(tmp_path / "course"))
    for name in ("alice", "bob", "carol", "dave_syntax"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mini.py").write_text(SUBMISSIONS[name])
    return course, tmp_path


def _artefact(course) -> Path:
    files = sorted((course.root / calibration.CACHE_FOLDER).glob("calibration-*.json"))
    assert len(files) == 1, files
    return files[0]


def test_the_artefact_round_trips_the_recorded_inputs_exactly(mini):
    course, _ = mini
    book = calibration.calibrate(course)
    path = calibration.save_book(course, book, course.root / calibration.CACHE_FOLDER / "c.json")
    loaded = load_book(course, path)
    assert loaded is not None
    replayable = {k: r for k, r in book.tests.items() if r.replayable}
    assert set(loaded.tests) == set(replayable) and replayable
    for key, rec in replayable.items():
        assert calibration._identical(rec.kwargs, loaded.tests[key].kwargs)
        assert rec.valid == loaded.tests[key].valid
    assert b"pickle" not in path.read_bytes() and json.loads(path.read_bytes())["mac"]


def test_grades_with_the_artefact_equal_grades_without_it(mini):
    course, folder = mini
    write_artefact(course)
    assert load_book(course) is not None
    for name in ("alice", "bob", "carol", "dave_syntax"):
        with_it = grade(folder / name, course)
        without = grade(folder / name, course, replay=False)
        assert with_it.without_timing() == without.without_timing(), name
    assert "Smallest failing input" in grade(folder / "bob", course).exercise("mini").tests[0].message


CHATTY = (
    "def double(x):\n    print('double', x)\n    return 3.0 * x if abs(x) > 5 else 2.0 * x\n\n\n"
    "def half(x):\n    print('half', x)\n    return x / 2.0\n"
)
WARNS = (  # Python prints a warning once per place: the replay printed it, and its output was rewound
    "import numpy as np\n\n\n"
    "def double(x):\n    np.exp(np.float64(1000.0))\n    return 3.0 * x if abs(x) > 5 else 2.0 * x\n\n\n"
    "def half(x):\n    return x / 2.0\n"
)


@pytest.mark.parametrize(("source", "printed"), [(CHATTY, "double 0"), (WARNS, "overflow encountered in exp")])
def test_a_fallback_keeps_no_trace_of_the_replay_before_it(mini, source, printed):
    """Output printed while a replay ran (and then stopped at a failing input) is not in the report, and
    does not keep hypothesis's run from printing it again (warnings: found in the catalogue,
    perceptron_uses_raw_output)."""
    course, folder = mini
    (folder / "sub").mkdir()
    (folder / "sub" / "mini.py").write_text(source)
    write_artefact(course)
    with_it, without = grade(folder / "sub", course), grade(folder / "sub", course, replay=False)
    assert printed in without.output and with_it.score < with_it.max_score
    assert with_it.without_timing() == without.without_timing()


def test_first_use_writes_the_artefact_for_later_processes(mini):
    course, folder = mini
    grade(folder / "alice", course)
    assert load_book(course, _artefact(course)) is not None
    assert (course.root / calibration.CACHE_FOLDER / ".gitignore").read_text() == "*\n"


def test_a_one_shot_run_replays_an_artefact_but_never_makes_one(mini):
    """Gradescope and Classroom 50 grade one submission per container: calibrating there would cost more than
    it saves, so they replay the artefact the bundle carries, else run hypothesis, with the same report."""
    course, folder = mini
    report = grade(folder / "bob", course, calibrate=False)
    assert not list((course.root / calibration.CACHE_FOLDER).glob("calibration-*.json"))
    assert report.without_timing() == grade(folder / "bob", course, replay=False).without_timing()
    write_artefact(course)
    assert grade(folder / "bob", course, calibrate=False).without_timing() == report.without_timing()


def test_a_stale_artefact_is_ignored(mini, monkeypatch):
    course, _ = mini
    path = write_artefact(course)
    assert load_book(course) is not None
    import hypothesis

    monkeypatch.setattr(hypothesis, "__version__", "0.0.1")
    assert load_book(course) is None and load_book(course, path) is None  # another hypothesis
    monkeypatch.undo()
    assert load_book(course) is not None
    test_file = course.tests_dir / "test_mini.py"
    test_file.write_text(test_file.read_text() + "\n# edited\n")
    course = load_course(course.path)
    assert load_book(course) is None and load_book(course, path) is None  # another suite


def _forge(path: Path, weaken) -> None:
    """Rewrite the recorded inputs (each test gets only its simplest one) and keep the old MAC."""
    doc = json.loads(path.read_bytes())
    for entry in doc["tests"].values():
        weaken(entry)
    path.write_text(json.dumps(doc))


def test_a_tampered_artefact_cannot_raise_a_grade(mini):
    course, folder = mini
    path = write_artefact(course)
    bob_plain = grade(folder / "bob", course, replay=False)
    assert bob_plain.score < bob_plain.max_score

    from autograder.sandbox import wire

    def zero_only(entry):  # double(0) == 0 for bob's 3*x too: these inputs would let him pass
        header, buffers = wire.encode([{"x": 0.0}])
        entry.update(valid=[True], header=header.decode(), sizes=[], payload="")

    _forge(path, zero_only)
    assert load_book(course) is None
    assert grade(folder / "bob", course).without_timing() == bob_plain.without_timing()

    # A MAC recomputed with anything a student can know (the suite hash is in every report) fails too.
    import hashlib
    import hmac

    doc = json.loads(path.read_bytes())
    body = {part: doc[part] for part in ("key", "tests", "reference", "scripts", "memo")}
    doc["mac"] = hmac.new(course.suite_hash().encode(), calibration._canonical(body), hashlib.sha256).hexdigest()
    path.write_text(json.dumps(doc))
    assert load_book(course) is None
    assert grade(folder / "bob", course).without_timing() == bob_plain.without_timing()


def test_the_artefact_keeps_the_references_answers_and_a_replay_does_not_run_the_reference(mini, tmp_path):
    from autograder.grading.grade import grade_many
    from autograder.grading.reference import ReferenceModules
    from autograder.grading.replay import ReplayPlugin
    from autograder.submission import load_submission

    course, folder = mini
    book = calibration.calibrate(course)
    assert book.memo.get("mini"), "the calibration memoised the reference's answers"
    path = calibration.save_book(course, book, course.root / calibration.CACHE_FOLDER / "c.json")
    loaded = load_book(course, path)
    assert loaded is not None and loaded.memo == book.memo
    reference = ReferenceModules(course.reference_dir)
    reference.preload(loaded.memo)
    alice = load_submission(folder / "alice")
    report = grade_many([alice], course, reference=reference, plugins=[ReplayPlugin(loaded, recording=False)])
    assert report[alice.label].score == report[alice.label].max_score
    assert reference.misses == reference.hits == 0  # her answers are the reference's: her tests passed by verification
    # Right values as numpy floats, not the reference's Python floats: not verified, so the tests run.
    (tmp_path / "numpy_floats").mkdir()
    (tmp_path / "numpy_floats" / "mini.py").write_text(
        "import numpy as np\n\n\ndef double(x):\n    return np.float64(2.0 * x)\n\n\n"
        "def half(x):\n    return np.float64(x / 2.0)\n"
    )
    sub = load_submission(tmp_path / "numpy_floats")
    report = grade_many([sub], course, reference=reference, plugins=[ReplayPlugin(loaded, recording=False)])
    assert report[sub.label].score == report[sub.label].max_score
    assert reference.misses == 0 and reference.hits > 0  # every answer came from the artefact


def test_answers_for_large_inputs_are_memoised_by_digest(tmp_path):
    """A training set of pictures is megabytes: its answer is kept under a digest of the input, so the
    artefact stays small and a process that preloads it does not train the reference again."""
    import numpy as np

    from autograder.grading.reference import ReferenceModules

    (tmp_path / "bigref.py").write_text(
        "import numpy as np\nCALLS = []\ndef train(X):\n    CALLS.append(1)\n    return np.asarray(X).sum(axis=0)\n"
    )
    X = np.arange(20_000, dtype=float).reshape(1000, 20)  # 160 kB of input
    first = ReferenceModules(tmp_path)
    assert np.array_equal(first.bigref.train(X), X.sum(axis=0))
    assert np.array_equal(first.bigref.train(X.copy()), X.sum(axis=0))
    assert (first.misses, first.hits) == (1, 1)
    (key,) = first.memo()["bigref"]
    assert key.startswith(b"#") and len(key) < 64  # a digest, not the 160 kB input

    later = ReferenceModules(tmp_path)
    later.preload(first.memo())
    assert np.array_equal(later.bigref.train(X), X.sum(axis=0)) and (later.misses, later.hits) == (0, 1)
    other = X.copy()
    other[500, 7] += 1.0  # one number differs: another input, computed afresh
    assert np.array_equal(later.bigref.train(other), other.sum(axis=0)) and later.misses == 1
    assert later.module("bigref").CALLS == [1, 1]  # run for the first input, and for the other one only


def test_a_forged_reference_answer_is_never_used(mini):
    """An answer changed in the file (bob's 3x made "right") fails the MAC: the file is ignored."""
    from autograder.sandbox import wire

    course, folder = mini
    path = write_artefact(course)
    bob_plain = grade(folder / "bob", course, replay=False)
    doc = json.loads(path.read_bytes())
    header, buffers = wire.encode(3.0)
    for entries in doc["memo"].values():
        for entry in entries:
            entry[1:] = [header.decode(), [], ""]
    path.write_text(json.dumps(doc))
    assert load_book(course) is None
    assert grade(folder / "bob", course).without_timing() == bob_plain.without_timing()


def _batch(course, folder: Path, out: Path):
    import io

    from autograder.classes.batch import grade_class

    klass = folder / "class"
    for name in ("alice", "bob"):
        if not (klass / name).exists():
            (klass / name).mkdir(parents=True)
            (klass / name / "mini.py").write_text((folder / name / "mini.py").read_text())
    return grade_class(klass, out, course, jobs=1, stream=io.StringIO())


def test_a_batch_replays_the_artefact_instead_of_calibrating(mini, monkeypatch):
    """Jobs take the inputs (and the reference's outcome) from the artefact, even for a class too small
    to calibrate for, and grade exactly as a batch without artefacts."""
    from autograder.writers.canonical import read_report

    course, folder = mini
    write_artefact(course)
    fast = _batch(course, folder, folder / "fast")
    assert [c.get("artefact") for c in fast.calibration] == [True]
    assert fast.calibration[0]["not_passed"] == [] and fast.calibration[0]["reference_score"] == course.max_score
    monkeypatch.setenv(calibration.ENV, "0")
    plain = _batch(course, folder, folder / "plain")
    assert [c.get("artefact") for c in plain.calibration] == [None]  # two submissions, no artefact: no replay
    for name in ("alice", "bob"):
        a, b = read_report(folder / "fast" / f"{name}.json"), read_report(folder / "plain" / f"{name}.json")
        assert a.without_timing() == b.without_timing(), name


def test_a_job_that_calibrates_leaves_the_artefact_for_the_next_run(mini):
    course, folder = mini
    assert load_book(course) is None
    for name in ("carol", "dave_syntax"):  # four submissions: enough for one job to calibrate
        (folder / "class" / name).mkdir(parents=True)
        (folder / "class" / name / "mini.py").write_text((folder / name / "mini.py").read_text())
    first = _batch(course, folder, folder / "out")
    assert [c.get("artefact") for c in first.calibration] == [False]
    book = load_book(course)
    assert book is not None and book.reference is not None and book.reference["not_passed"] == []


@pytest.mark.parametrize("junk", [b"", b"{", b"[]", b'{"key": {}, "tests": {}, "mac": "00"}', b"\x80\x04pickle"])
def test_garbage_is_ignored(mini, junk):
    course, _ = mini
    path = write_artefact(course)
    path.write_bytes(junk)
    assert load_book(course) is None


def test_artefacts_can_be_turned_off(mini, monkeypatch):
    course, folder = mini
    monkeypatch.setenv(calibration.ENV, "0")
    grade(folder / "alice", course)
    assert not (course.root / calibration.CACHE_FOLDER).exists()


@pytest.mark.slow
def test_catalogue_entries_grade_the_same_with_and_without_the_artefact(tmp_path, course):
    """Part of the real unit's catalogue, graded as a batch job grades it (one pytest session, one worker
    per submission, the artefact's inputs, scripts and reference answers) and again with hypothesis alone.

    ``AUTOGRADER_TEST_WHOLE_CATALOGUE=1`` grades all 131 entries (about 12 minutes on 2 cores: too long
    for CI; run it after a change to replay, scripts, the worker or the artefact)."""
    import os

    from autograder.classes.jobs import Grader
    from autograder.submission import load_submission
    from tests.catalogue import all_mistakes, all_variants, build

    write_artefact(course)
    variants, mistakes = list(all_variants()), list(all_mistakes())
    if os.environ.get("AUTOGRADER_TEST_WHOLE_CATALOGUE") != "1":
        variants, mistakes = variants[::15], mistakes[::24]
    subs = [load_submission(build(tmp_path / e.id, e), label=e.id) for e in [*variants, *mistakes]]
    grader = Grader(course)
    assert grader.use_artefact() and grader.book is not None and len(grader.book.tests) >= 10
    replayed = grader.grade(subs)
    plain = Grader(course, replay=False).grade(subs)
    assert grader.book.replayed > 0 and grader.book.fallbacks > 0
    differ = [label for label in plain if replayed[label].without_timing() != plain[label].without_timing()]
    assert not differ


def test_the_gradescope_zip_carries_a_valid_artefact(mini, tmp_path):
    import zipfile

    from autograder.platforms.gradescope import make_zip

    course, _ = mini
    make_zip(course, tmp_path / "ag.zip")
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        names = [n for n in zf.namelist() if n.startswith(calibration.CACHE_FOLDER)]
        assert len(names) == 1 and names[0].endswith(".json")
        zf.extractall(tmp_path / "source")
    assert load_book(load_course(tmp_path / "source" / "course.yaml")) is not None


def test_autograder_build_writes_the_artefact(mini, capsys):
    from autograder.cli import main

    course, _ = mini
    assert main(["build", "--course", str(course.path)]) == 0
    assert load_book(course, _artefact(course)) is not None


def test_a_conftest_above_the_hidden_tests_is_part_of_the_key(mini):
    course, _ = mini
    write_artefact(course)
    assert load_book(course) is not None
    (course.root / "tests" / "conftest.py").write_text("# shapes the hidden tests too\n")
    assert load_book(course) is None
