"""The cat / not-cat pictures: the generator's contract and learnability, the HDF5 and folder loaders,
the PNG encoder for reports, and course.yaml's data source as the grader uses it."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "solutions"))

import cat  # noqa: E402  (the reference lesson, for the learnability check)
import catdata  # noqa: E402

h5py = pytest.importorskip("h5py")
Image = pytest.importorskip("PIL.Image")


# ----------------------------------------------------------------------------- the generator


def test_generated_set_has_the_classic_shape():
    X_train, y_train, X_test, y_test = catdata.generate(0)
    assert X_train.shape == (209, 64, 64, 3) and X_train.dtype == np.uint8
    assert X_test.shape == (50, 64, 64, 3) and X_test.dtype == np.uint8
    assert y_train.shape == (209,) and y_test.shape == (50,)
    assert set(np.unique(y_train)) == {0, 1} and set(np.unique(y_test)) == {0, 1}
    assert int(y_train.sum()) == 72 and int(y_test.sum()) == 33  # the classic set's class balance
    assert X_train.std() > 30  # real pictures, not blank ones


def test_generation_is_deterministic_and_seeded():
    a, b = catdata.generate(0), catdata.generate(0)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    other = catdata.generate(1)
    assert not np.array_equal(a[0], other[0])
    # What the caller gets is a copy: changing it does not change the next call's pictures.
    a[0][:] = 0
    assert np.array_equal(catdata.generate(0)[0], b[0])


def test_every_picture_is_different():
    X_train, _, X_test, _ = catdata.generate(0)
    flat = np.concatenate([X_train, X_test]).reshape(259, -1)
    assert len({row.tobytes() for row in flat}) == 259


def _logistic_by_kernel(X, y, lr, epochs):
    """Gradient descent from w = 0 on the logistic cost, done in the span of the rows: w = X.T @ alpha.

    Every step adds X.T @ (something) to w, so w stays X.T @ alpha and z = (X X^T) alpha + b:
    the same iterates as cat.train_logistic, with a 209 x 209 matrix instead of 209 x 12288.
    """
    K = X @ X.T
    m = len(y)
    alpha, b = np.zeros(m), 0.0
    for _ in range(epochs):
        dz = 1 / (1 + np.exp(-(K @ alpha + b))) - y
        alpha -= lr * dz / m
        b -= lr * dz.mean()
    return X.T @ alpha, b


def test_kernel_shortcut_gives_the_reference_trainers_weights():
    X_train, y_train, _, _ = catdata.generate(0)
    X, y = cat.flatten(X_train), y_train.astype(float)
    w_ref, b_ref, _ = cat.train_logistic(X, y, lr=0.005, epochs=30)
    w, b = _logistic_by_kernel(X, y, lr=0.005, epochs=30)
    assert np.allclose(w, w_ref, rtol=1e-9, atol=1e-12) and np.isclose(b, b_ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_one_neuron_learns_the_training_set_and_generalises_imperfectly(seed):
    """The lesson's setting (lr 0.005, 2000 epochs, 12288 inputs): >= 95% train, about 70-90% on new pictures."""
    X_train, y_train, X_test, y_test = catdata.generate(seed)
    _, _, X_new, y_new = catdata.generate(seed + 1_000_003, n_train=0, n_test=100)
    w, b = _logistic_by_kernel(cat.flatten(X_train), y_train.astype(float), lr=0.005, epochs=2000)
    train = cat.accuracy(cat.predict(cat.flatten(X_train), w, b), y_train)
    test = cat.accuracy(cat.predict(cat.flatten(X_test), w, b), y_test)
    new = cat.accuracy(cat.predict(cat.flatten(X_new), w, b), y_new)
    assert train >= 0.95, train
    assert 0.70 <= test <= 0.90, test
    assert 0.65 <= new <= 0.92, new


# ----------------------------------------------------------------------------- HDF5


def _write_h5(path: Path, **datasets) -> Path:
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)
    return path


def _classic(folder: Path, n_train=12, n_test=6) -> Path:
    """The two-file layout of the deeplearning.ai course (labels stored as (m,) int64)."""
    X_train, y_train, X_test, y_test = catdata.generate(5, n_train=n_train, n_test=n_test)
    classes = np.array([b"non-cat", b"cat"])
    folder.mkdir(parents=True, exist_ok=True)
    _write_h5(folder / "train_catvnoncat.h5", train_set_x=X_train, train_set_y=y_train, list_classes=classes)
    _write_h5(folder / "test_catvnoncat.h5", test_set_x=X_test, test_set_y=y_test, list_classes=classes)
    return folder


def test_hdf5_classic_two_file_layout(tmp_path):
    folder = _classic(tmp_path / "data")
    X_train, y_train, X_test, y_test = catdata.load("hdf5", folder)
    want = catdata.generate(5, n_train=12, n_test=6)
    for got, expected in zip((X_train, y_train, X_test, y_test), want):
        assert np.array_equal(got, expected)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64


def test_hdf5_single_file_with_row_labels(tmp_path):
    X_train, y_train, X_test, y_test = catdata.generate(5, n_train=8, n_test=4)
    path = _write_h5(tmp_path / "cats.h5", train_set_x=X_train, train_set_y=y_train.reshape(1, -1),
                     test_set_x=X_test, test_set_y=y_test.reshape(1, -1))  # fmt: skip
    got = catdata.load_hdf5(path)
    assert np.array_equal(got[1], y_train) and got[1].shape == (8,) and np.array_equal(got[2], X_test)


def test_hdf5_errors_name_the_file_and_the_fix(tmp_path):
    X_train, y_train, _, _ = catdata.generate(5, n_train=4, n_test=0)
    path = _write_h5(tmp_path / "half.h5", train_set_x=X_train, train_set_y=y_train)
    with pytest.raises(catdata.DataError, match=r"half\.h5: no dataset test_set_x, test_set_y; the classic layout"):
        catdata.load_hdf5(path)
    bad = _write_h5(tmp_path / "gray.h5", train_set_x=np.zeros((3, 64, 64), np.uint8), train_set_y=np.zeros(3),
                    test_set_x=np.zeros((2, 64, 64, 3), np.uint8), test_set_y=np.zeros(2))  # fmt: skip
    with pytest.raises(catdata.DataError, match=r"gray\.h5: training images have shape \(3, 64, 64\)"):
        catdata.load_hdf5(bad)
    labels = _write_h5(tmp_path / "labels.h5", train_set_x=X_train, train_set_y=np.array([0, 1, 2, 1]),
                       test_set_x=X_train, test_set_y=y_train)  # fmt: skip
    with pytest.raises(catdata.DataError, match=r"labels must be 0 \(not cat\) or 1 \(cat\)"):
        catdata.load_hdf5(labels)
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(catdata.DataError, match=r"text\.h5: not a readable HDF5 file"):
        catdata.load_hdf5(tmp_path / "text.h5")
    (tmp_path / "empty").mkdir()
    with pytest.raises(catdata.DataError, match="no .h5 files here"):
        catdata.load_hdf5(tmp_path / "empty")


# ----------------------------------------------------------------------------- image folders


def _save(path: Path, array: np.ndarray, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).convert(mode).save(path)


def test_folder_with_train_and_test_subfolders(tmp_path):
    X, y, _, _ = catdata.generate(7, n_train=10, n_test=0)
    for split, rows in (("train", range(0, 6)), ("test", range(6, 10))):
        for k in rows:
            _save(tmp_path / split / ("cat" if y[k] else "not_cat") / f"{k:02d}.png", X[k])
    assert 0 < y[:6].sum() < 6 and 0 < y[6:].sum() < 4  # both classes on both sides (seed 7 is chosen so)
    X_train, y_train, X_test, y_test = catdata.load("folder", tmp_path)
    assert X_train.shape == (6, 64, 64, 3) and X_test.shape == (4, 64, 64, 3)
    assert sorted(y_train.tolist()) == sorted(y[:6].tolist()) and sorted(y_test.tolist()) == sorted(y[6:].tolist())
    # Lossless PNG: every picture comes back exactly (cats first, each folder in name order).
    order = [k for k in range(6) if y[k]] + [k for k in range(6) if not y[k]]
    assert np.array_equal(X_train, X[order])


def test_folder_without_a_split_keeps_a_fixed_test_share_and_resizes(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(6):
        _save(tmp_path / "cat" / f"c{k}.png", rng.integers(0, 256, (80, 100, 3), dtype=np.uint8))
        _save(tmp_path / "not_cat" / f"n{k}.jpg", rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    _save(tmp_path / "cat" / "rgba.png", rng.integers(0, 256, (64, 64, 4), dtype=np.uint8), mode="RGBA")
    (tmp_path / "cat" / "notes.txt").write_text("not a picture, ignored")
    first = catdata.load_folder(tmp_path, seed=3)
    again = catdata.load_folder(tmp_path, seed=3)
    X_train, y_train, X_test, y_test = first
    assert X_train.shape[1:] == (64, 64, 3) and X_train.dtype == np.uint8
    assert len(y_train) + len(y_test) == 13 and len(y_test) == round(13 * 50 / 259)
    assert int(y_train.sum() + y_test.sum()) == 7
    for a, b in zip(first, again):
        assert np.array_equal(a, b)


def test_folder_errors_name_the_folder_and_the_fix(tmp_path):
    _save(tmp_path / "cat" / "a.png", np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(catdata.DataError, match=r"no not_cat/ folder; put cat pictures in cat/"):
        catdata.load_folder(tmp_path)
    (tmp_path / "not_cat").mkdir()
    with pytest.raises(catdata.DataError, match=r"not_cat: no pictures"):
        catdata.load_folder(tmp_path)
    (tmp_path / "not_cat" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(catdata.DataError, match=r"broken\.png: not a readable image"):
        catdata.load_folder(tmp_path)
    with pytest.raises(catdata.DataError, match="no such folder"):
        catdata.load_folder(tmp_path / "missing")
    with pytest.raises(catdata.DataError, match="unknown data source 'zip'"):
        catdata.load("zip", tmp_path)
    with pytest.raises(catdata.DataError, match="needs a path"):
        catdata.load("folder")


# ----------------------------------------------------------------------------- PNG for reports


def test_png_bytes_round_trip():
    X, _, _, _ = catdata.generate(0, n_train=2, n_test=0)
    data = catdata.png_bytes(X[1])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as im:
        assert im.mode == "RGB" and np.array_equal(np.asarray(im), X[1])


# ----------------------------------------------------------------------------- course.yaml's data section


def _cat_only_course(tmp_path: Path, data: str) -> Path:
    """A course with only the cat exercise (its hidden tests copied), reading pictures as ``data`` says."""
    tests = tmp_path / "grading"
    tests.mkdir()
    for name in ("conftest.py", "test_cat.py"):
        shutil.copy(ROOT / "tests" / "grading" / name, tests / name)
    import yaml

    full = yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))
    points = "\n".join(f"      {name}: {pts}" for name, pts in full["exercises"]["cat"]["tests"].items())
    (tmp_path / "course.yaml").write_text(
        f"course: cat only\nreference: {ROOT / 'solutions'}\ntests: grading\n{data}\n"
        f"exercises:\n  cat:\n    tests:\n{points}\n",
        encoding="utf-8",
    )
    return tmp_path / "course.yaml"


def test_grading_reads_the_classic_hdf5_files_named_in_course_yaml(tmp_path):
    from autograder import grade

    _classic(tmp_path / "data", n_train=40, n_test=20)
    course = _cat_only_course(tmp_path, "data:\n  source: hdf5\n  path: data")
    report = grade(ROOT / "solutions", course)
    assert report.score == report.max_score, [(t.name, t.message) for t in report.tests if not t.passed]
    art = report.artifacts["cat"]
    assert (
        set(art["accuracy"]) == {"student", "reference"} and art["accuracy"]["student"] == art["accuracy"]["reference"]
    )
    assert len(art["costs"]["student"]) == 10
    for item in art["wrong"]:
        assert set(item) == {"png_base64", "label", "predicted"} and item["label"] != item["predicted"]


def test_a_broken_data_source_stops_grading_with_the_file_and_the_fix(tmp_path):
    from autograder import grade
    from autograder.errors import AutograderError

    X_train, y_train, _, _ = catdata.generate(5, n_train=4, n_test=0)
    (tmp_path / "data").mkdir()
    _write_h5(tmp_path / "data" / "train_catvnoncat.h5", train_set_x=X_train, train_set_y=y_train)
    course = _cat_only_course(tmp_path, "data:\n  source: hdf5\n  path: data")
    with pytest.raises(AutograderError) as info:
        grade(ROOT / "solutions", course)
    text = str(info.value)
    assert "train_catvnoncat.h5: no dataset test_set_x, test_set_y" in text and "course.yaml" in text
