"""The data_cache fixture (autograder.grading.datacache): slow test data made once, never a forged copy."""

from __future__ import annotations

import io

import numpy as np
import pytest

from autograder import load_course
from autograder.grading import calibration
from autograder.grading.datacache import DataCache
from tests.test_batch import make_course


@pytest.fixture
def course(tmp_path):
    DataCache._memory.clear()  # each test starts as a fresh process would
    yield load_course(make_course(tmp_path / "course"))
    DataCache._memory.clear()


def _builder(calls: list[int], value: float = 1.0):
    def build():
        calls.append(1)
        return {"x": np.full((3, 4), value), "labels": np.arange(3, dtype=np.int64)}

    return build


def _files(course):
    return sorted((course.root / calibration.CACHE_FOLDER).glob("data-*.npz"))


def test_the_first_process_builds_and_later_ones_read_it_back(course):
    calls: list[int] = []
    first = DataCache(course).arrays("pictures", {"seed": 1}, _builder(calls))
    DataCache._memory.clear()  # another process
    again = DataCache(course).arrays("pictures", {"seed": 1}, _builder(calls))
    assert len(calls) == 1 and len(_files(course)) == 1
    assert set(again) == {"x", "labels"} and all(np.array_equal(first[k], again[k]) for k in first)
    assert again["labels"].dtype == np.int64


def test_another_key_is_another_file(course):
    calls: list[int] = []
    DataCache(course).arrays("pictures", {"seed": 1}, _builder(calls))
    other = DataCache(course).arrays("pictures", {"seed": 2}, _builder(calls, 2.0))
    assert len(calls) == 2 and len(_files(course)) == 2 and other["x"][0, 0] == 2.0


def test_each_call_gets_its_own_copies(course):
    cache = DataCache(course)
    a = cache.arrays("pictures", {}, _builder([]))
    a["x"][:] = -1
    assert cache.arrays("pictures", {}, _builder([]))["x"][0, 0] == 1.0


def _doctor(path, change):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["x"].__setitem__((0, 0), 99.0),  # doctored pictures, the old MAC kept
        lambda a: a.pop("__mac__"),  # no MAC at all
        lambda a: a.__setitem__("extra", np.zeros(2)),  # an array the builder never made
    ],
)
def test_a_doctored_file_is_ignored_and_the_data_made_again(course, change):
    calls: list[int] = []
    DataCache(course).arrays("pictures", {}, _builder(calls))
    (path,) = _files(course)
    _doctor(path, change)
    DataCache._memory.clear()
    got = DataCache(course).arrays("pictures", {}, _builder(calls))
    assert len(calls) == 2 and got["x"][0, 0] == 1.0 and set(got) == {"x", "labels"}


def test_a_file_made_for_other_hidden_tests_is_ignored(course):
    calls: list[int] = []
    DataCache(course).arrays("pictures", {}, _builder(calls, 5.0))
    (course.tests_dir / "test_mini.py").write_text((course.tests_dir / "test_mini.py").read_text() + "\n# changed\n")
    DataCache._memory.clear()
    assert DataCache(course).arrays("pictures", {}, _builder(calls, 5.0))["x"][0, 0] == 5.0
    assert len(calls) == 2  # the MAC key changed with the hidden tests: the old file is not trusted


def test_junk_is_ignored(course):
    calls: list[int] = []
    DataCache(course).arrays("pictures", {}, _builder(calls))
    (path,) = _files(course)
    path.write_bytes(b"not a zip file")
    DataCache._memory.clear()
    assert DataCache(course).arrays("pictures", {}, _builder(calls))["x"].shape == (3, 4) and len(calls) == 2


def test_build_must_return_numeric_arrays(course):
    with pytest.raises(TypeError, match="numeric numpy array"):
        DataCache(course).arrays("bad", {}, lambda: {"x": np.array(["a", "b"])})
    with pytest.raises(TypeError, match="dict of numpy arrays"):
        DataCache(course).arrays("bad", {}, lambda: [1, 2])


def test_nothing_is_written_when_artefacts_are_off(course, monkeypatch):
    monkeypatch.setenv(calibration.ENV, "0")
    calls: list[int] = []
    DataCache(course).arrays("pictures", {}, _builder(calls))
    assert not _files(course) and calls == [1]
