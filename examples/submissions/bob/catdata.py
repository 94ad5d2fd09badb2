"""Pictures of cats, and pictures of everything else (given: nothing to write here).

"We do not have a formula for a cat, but we have many pictures of cats."
This module hands out those pictures, in the shape of the classic course
set: 209 training and 50 test images, each 64 x 64 pixels with 3 colour
channels (red, green, blue) stored as whole numbers 0..255 (uint8), and a
label per image, 1 for "cat" and 0 for "not cat".

Where the pictures come from:

- ``generate(seed)`` draws them: cartoon cat faces (pointy ears, almond
  eyes with slit pupils, a pink nose, whiskers; fur colours, sizes and
  positions vary) among other animals, objects and scenes (dogs, owls,
  birds, houses, cars, flowers, trees, landscapes). Nothing is downloaded;
  the same seed gives the same pictures on every machine.
- ``load_hdf5(path)`` reads the classic ``train_catvnoncat.h5`` /
  ``test_catvnoncat.h5`` files (datasets ``train_set_x``, ``train_set_y``,
  ``test_set_x``, ``test_set_y``, ``list_classes``), or one file with all
  four datasets.
- ``load_folder(path)`` reads image files from ``cat/`` and ``not_cat/``
  sub-folders (optionally under ``train/`` and ``test/``), resized to
  64 x 64.

``load(source, path, seed)`` picks one of the three, as course.yaml's
``data:`` section does for grading.
"""

from __future__ import annotations

import functools
import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = ["SIZE", "generate", "load", "load_hdf5", "load_folder", "png_bytes", "DataError"]

SIZE = 64
N_TRAIN, N_TEST = 209, 50
CATS_TRAIN, CATS_TEST = 72, 33  # the classic set's class balance: about a third of the training pictures are cats
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


class DataError(ValueError):
    """The pictures could not be loaded; the message names the file and the fix."""


# ----------------------------------------------------------------------------- drawing

_Y, _X = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)


def _ellipse(cx, cy, rx, ry, angle=0.0):
    """A boolean mask of the pixels inside an ellipse (rotated by ``angle`` radians)."""
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = _X - cx, _Y - cy
    u, v = (dx * c + dy * s) / rx, (-dx * s + dy * c) / ry
    return u * u + v * v <= 1.0


def _triangle(p, q, r):
    """A boolean mask of the pixels inside the triangle p, q, r (points as (x, y))."""
    def side(a, b):
        return (b[0] - a[0]) * (_Y - a[1]) - (b[1] - a[1]) * (_X - a[0])

    d1, d2, d3 = side(p, q), side(q, r), side(r, p)
    neg = (d1 < 0) | (d2 < 0) | (d3 < 0)
    pos = (d1 > 0) | (d2 > 0) | (d3 > 0)
    return ~(neg & pos)


def _segment(p, q, width):
    """A boolean mask of the pixels within width/2 of the segment p-q."""
    px, py = p
    vx, vy = q[0] - px, q[1] - py
    t = np.clip(((_X - px) * vx + (_Y - py) * vy) / max(vx * vx + vy * vy, 1e-9), 0, 1)
    return (_X - px - t * vx) ** 2 + (_Y - py - t * vy) ** 2 <= (width / 2) ** 2


def _rect(x0, y0, x1, y1):
    return (_X >= x0) & (_X <= x1) & (_Y >= y0) & (_Y <= y1)


def _paint(img, mask, colour):
    img[mask] = colour


def _jitter(rng, colour, amount=20):
    return np.clip(np.asarray(colour, dtype=float) + rng.uniform(-amount, amount, 3), 0, 255)


def _background(rng):
    """A random backdrop: flat, a gradient, a room (wall and floor), or a blotchy texture."""
    kind = rng.integers(4)
    a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    if kind == 0:
        img = np.broadcast_to(a, (SIZE, SIZE, 3)).copy()
    elif kind == 1:
        t = (_Y / (SIZE - 1))[..., None] if rng.random() < 0.5 else (_X / (SIZE - 1))[..., None]
        img = a * (1 - t) + b * t
    elif kind == 2:
        img = np.broadcast_to(a, (SIZE, SIZE, 3)).copy()
        img[int(rng.integers(36, 56)) :] = b
    else:
        coarse = rng.uniform(0, 1, (8, 8, 1))
        t = np.kron(coarse, np.ones((8, 8, 1)))
        img = a * (1 - t) + b * t
    return img


FUR = [(230, 140, 50), (130, 130, 135), (35, 35, 40), (240, 240, 235), (120, 80, 50), (235, 215, 175), (180, 150, 110)]
EYES = [(120, 200, 60), (230, 200, 40), (220, 140, 30), (90, 160, 230)]


def _cat(img, rng):
    """A cat face: round head, two pointy ears, almond eyes with slit pupils, pink nose, whiskers."""
    r = rng.uniform(15, 18)
    cx, cy = rng.uniform(29.5, 34.5), rng.uniform(31, 36)
    fur = _jitter(rng, FUR[rng.integers(len(FUR))], 25)
    if rng.random() < 0.5:  # a body under the head
        _paint(img, _ellipse(cx + rng.uniform(-4, 4), cy + 1.6 * r, 1.3 * r, 1.0 * r), fur * 0.9)
    for side in (-1, 1):
        spread = rng.uniform(0.45, 0.8)
        base_in = (cx + side * 0.15 * r, cy - 0.85 * r)
        base_out = (cx + side * (spread + 0.3) * r, cy - 0.45 * r)
        tip = (cx + side * (spread + rng.uniform(0.0, 0.25)) * r, cy - rng.uniform(1.45, 1.8) * r)
        _paint(img, _triangle(base_in, base_out, tip), fur)
        inner = [(np.array(p) * 0.6 + np.array(tip) * 0.4) for p in (base_in, base_out)]
        _paint(img, _triangle(inner[0], inner[1], (tip[0], tip[1] + 0.2 * r)), (235, 150, 160))
    _paint(img, _ellipse(cx, cy, r, 0.9 * r), fur)
    if rng.random() < 0.4:  # tabby stripes on the forehead
        dark = fur * 0.55
        for k in (-1, 0, 1):
            _paint(img, _segment((cx + k * 0.25 * r, cy - 0.85 * r), (cx + k * 0.2 * r, cy - 0.45 * r), 1.5), dark)
    eye = _jitter(rng, EYES[rng.integers(len(EYES))], 15)
    open_ = rng.uniform(0.12, 0.2)
    for side in (-1, 1):
        ex, ey = cx + side * 0.4 * r, cy - 0.1 * r
        _paint(img, _ellipse(ex, ey, 0.22 * r, open_ * r, angle=-side * 0.25), eye)
        _paint(img, _ellipse(ex, ey, 0.05 * r, open_ * r * 0.95), (10, 10, 10))
    nose = (cx, cy + 0.28 * r)
    _paint(img, _triangle((nose[0] - 0.1 * r, nose[1] - 0.07 * r), (nose[0] + 0.1 * r, nose[1] - 0.07 * r),
                          (nose[0], nose[1] + 0.08 * r)), (240, 130, 150))
    whisker = (250, 250, 250) if fur.mean() < 150 else (40, 40, 40)
    for side in (-1, 1):
        for k in (-1, 0, 1):
            start = (cx + side * 0.2 * r, nose[1] + 0.1 * r)
            end = (cx + side * rng.uniform(1.1, 1.35) * r, nose[1] + k * 0.22 * r + 0.05 * r)
            _paint(img, _segment(start, end, 0.9), whisker)


def _dog(img, rng):
    """A dog face: a wide head, floppy ears at the sides, round dark eyes, a big black nose on a muzzle."""
    r = rng.uniform(12, 19)
    cx, cy = rng.uniform(22, 42), rng.uniform(24, 40)
    fur = _jitter(rng, FUR[rng.integers(len(FUR))], 30)
    ear = fur * rng.uniform(0.4, 0.8)
    for side in (-1, 1):
        _paint(img, _ellipse(cx + side * 0.95 * r, cy + 0.1 * r, 0.3 * r, 0.75 * r, angle=side * 0.3), ear)
    _paint(img, _ellipse(cx, cy, 0.95 * r, r), fur)
    _paint(img, _ellipse(cx, cy + 0.45 * r, 0.5 * r, 0.38 * r), np.clip(fur * 1.25 + 20, 0, 255))
    for side in (-1, 1):
        _paint(img, _ellipse(cx + side * 0.38 * r, cy - 0.2 * r, 0.11 * r, 0.11 * r), (25, 20, 15))
    _paint(img, _ellipse(cx, cy + 0.3 * r, 0.17 * r, 0.12 * r), (15, 15, 15))
    if rng.random() < 0.4:
        _paint(img, _ellipse(cx, cy + 0.75 * r, 0.12 * r, 0.18 * r), (220, 90, 100))


def _owl(img, rng):
    """An owl: a round body, two big round eyes and feather tufts that look a little like ears."""
    r = rng.uniform(12, 18)
    cx, cy = rng.uniform(24, 40), rng.uniform(28, 40)
    body = _jitter(rng, (140, 105, 70), 30)
    for side in (-1, 1):
        _paint(img, _triangle((cx + side * 0.3 * r, cy - 0.8 * r), (cx + side * 0.85 * r, cy - 0.6 * r),
                              (cx + side * 0.75 * r, cy - 1.3 * r)), body * 0.8)
    _paint(img, _ellipse(cx, cy, 0.9 * r, 1.1 * r), body)
    for side in (-1, 1):
        _paint(img, _ellipse(cx + side * 0.38 * r, cy - 0.3 * r, 0.3 * r, 0.3 * r), (245, 235, 200))
        _paint(img, _ellipse(cx + side * 0.38 * r, cy - 0.3 * r, 0.13 * r, 0.13 * r), (20, 20, 20))
    _paint(img, _triangle((cx - 0.1 * r, cy - 0.05 * r), (cx + 0.1 * r, cy - 0.05 * r), (cx, cy + 0.2 * r)), (230, 170, 40))


def _bird(img, rng):
    """A small bird: body, head, beak, wing, tail."""
    cx, cy, r = rng.uniform(20, 44), rng.uniform(22, 44), rng.uniform(7, 13)
    colour = _jitter(rng, [(200, 40, 40), (40, 90, 200), (230, 200, 40), (60, 60, 60)][rng.integers(4)], 30)
    side = rng.choice([-1, 1])
    _paint(img, _triangle((cx - side * 0.8 * r, cy), (cx - side * 1.8 * r, cy - 0.5 * r), (cx - side * 1.7 * r, cy + 0.4 * r)), colour * 0.7)
    _paint(img, _ellipse(cx, cy, 1.1 * r, 0.7 * r), colour)
    hx, hy = cx + side * 0.9 * r, cy - 0.6 * r
    _paint(img, _ellipse(hx, hy, 0.5 * r, 0.5 * r), colour)
    _paint(img, _triangle((hx + side * 0.4 * r, hy - 0.15 * r), (hx + side * 0.4 * r, hy + 0.15 * r), (hx + side * 0.95 * r, hy)), (240, 170, 30))
    _paint(img, _ellipse(hx + side * 0.15 * r, hy - 0.1 * r, 0.1 * r, 0.1 * r), (10, 10, 10))
    _paint(img, _ellipse(cx - side * 0.1 * r, cy + 0.05 * r, 0.6 * r, 0.35 * r, angle=0.3 * side), colour * 0.6)


def _house(img, rng):
    """A house: walls, a pointed roof, a door and windows."""
    x0, w = rng.uniform(8, 24), rng.uniform(24, 38)
    y0, h = rng.uniform(28, 38), rng.uniform(16, 24)
    wall = _jitter(rng, (200, 180, 150), 50)
    _paint(img, _rect(x0, y0, x0 + w, min(y0 + h, 63)), wall)
    _paint(img, _triangle((x0 - 3, y0), (x0 + w + 3, y0), (x0 + w / 2, y0 - rng.uniform(10, 20))), _jitter(rng, (150, 50, 40), 40))
    _paint(img, _rect(x0 + 0.4 * w, y0 + 0.45 * h, x0 + 0.6 * w, y0 + h), (90, 60, 30))
    for fx in (0.12, 0.7):
        _paint(img, _rect(x0 + fx * w, y0 + 0.2 * h, x0 + (fx + 0.18) * w, y0 + 0.45 * h), (170, 210, 240))


def _car(img, rng):
    """A car: a body, a cabin with windows, two wheels."""
    x0, y0 = rng.uniform(4, 16), rng.uniform(30, 42)
    w = rng.uniform(34, 50)
    body = _jitter(rng, [(200, 30, 30), (30, 60, 180), (230, 230, 230), (40, 40, 40), (240, 200, 30)][rng.integers(5)], 20)
    _paint(img, _rect(x0, y0, x0 + w, y0 + 10), body)
    _paint(img, _rect(x0 + 0.25 * w, y0 - 8, x0 + 0.75 * w, y0), body)
    _paint(img, _rect(x0 + 0.3 * w, y0 - 6, x0 + 0.7 * w, y0 - 1), (160, 200, 230))
    for fx in (0.22, 0.78):
        _paint(img, _ellipse(x0 + fx * w, y0 + 10, 5, 5), (20, 20, 20))
        _paint(img, _ellipse(x0 + fx * w, y0 + 10, 2, 2), (150, 150, 150))


def _flower(img, rng):
    """A flower: a stem and petals around a yellow centre."""
    cx, cy, r = rng.uniform(20, 44), rng.uniform(18, 36), rng.uniform(6, 12)
    _paint(img, _segment((cx, cy), (cx + rng.uniform(-5, 5), 63), 2.5), (40, 140, 40))
    petal = _jitter(rng, [(230, 60, 120), (250, 250, 250), (150, 60, 200), (240, 120, 30)][rng.integers(4)], 25)
    n = int(rng.integers(5, 9))
    for k in range(n):
        a = 2 * np.pi * k / n
        _paint(img, _ellipse(cx + r * np.cos(a), cy + r * np.sin(a), 0.6 * r, 0.35 * r, angle=a), petal)
    _paint(img, _ellipse(cx, cy, 0.45 * r, 0.45 * r), (240, 200, 30))


def _tree(img, rng):
    """A tree: a trunk and a round or pointed crown."""
    cx = rng.uniform(16, 48)
    _paint(img, _rect(cx - 3, 36, cx + 3, 63), (100, 70, 40))
    green = _jitter(rng, (50, 140, 50), 30)
    if rng.random() < 0.5:
        _paint(img, _ellipse(cx, rng.uniform(20, 30), rng.uniform(12, 18), rng.uniform(12, 16)), green)
    else:
        _paint(img, _triangle((cx - 16, 44), (cx + 16, 44), (cx, rng.uniform(4, 14))), green)


def _landscape(img, rng):
    """A landscape: sky, pointed mountains, a sun, the ground."""
    horizon = int(rng.integers(34, 50))
    img[:horizon] = _jitter(rng, (120, 180, 235), 30)
    for _ in range(int(rng.integers(1, 4))):
        mx = rng.uniform(0, 64)
        _paint(img, _triangle((mx - 22, horizon), (mx + 22, horizon), (mx + rng.uniform(-5, 5), rng.uniform(8, 28))),
               _jitter(rng, (110, 110, 120), 30))
    if rng.random() < 0.7:
        _paint(img, _ellipse(rng.uniform(8, 56), rng.uniform(6, 18), 5, 5), (250, 230, 90))
    img[horizon:] = _jitter(rng, (70, 150, 60), 40)


def _ball(img, rng):
    """A ball, a mug or a box: everyday objects."""
    cx, cy = rng.uniform(20, 44), rng.uniform(22, 42)
    colour = _jitter(rng, rng.uniform(30, 230, 3), 0)
    kind = rng.integers(3)
    if kind == 0:
        r = rng.uniform(8, 16)
        _paint(img, _ellipse(cx, cy, r, r), colour)
        _paint(img, _segment((cx - r, cy), (cx + r, cy), 2), colour * 0.5)
    elif kind == 1:
        _paint(img, _ellipse(cx + 11, cy, 6, 7), colour)
        _paint(img, _ellipse(cx + 11, cy, 3, 4), img[int(cy), min(int(cx) + 20, 63)])
        _paint(img, _rect(cx - 10, cy - 12, cx + 10, cy + 12), colour)
    else:
        _paint(img, _rect(cx - 14, cy - 10, cx + 14, cy + 10), colour)
        _paint(img, _triangle((cx - 14, cy - 10), (cx + 14, cy - 10), (cx + 5, cy - 16)), colour * 0.8)


OTHERS = (_dog, _dog, _owl, _bird, _house, _car, _flower, _tree, _landscape, _ball)


def _picture(rng, is_cat: bool) -> np.ndarray:
    img = _background(rng)
    if rng.random() < 0.3:  # some clutter behind the subject
        _paint(img, _ellipse(rng.uniform(0, 64), rng.uniform(0, 64), rng.uniform(4, 12), rng.uniform(4, 12)),
               rng.uniform(0, 255, 3))
    (_cat if is_cat else OTHERS[rng.integers(len(OTHERS))])(img, rng)
    # A camera is not a drawing program: light level, contrast and sensor noise vary.
    img = (img - 128) * rng.uniform(0.7, 1.2) + 128 + rng.uniform(-30, 30)
    img += rng.normal(0, rng.uniform(3, 12), img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _split(seed: int, name: str, n: int, n_cats: int) -> tuple[np.ndarray, np.ndarray]:
    if n == 0:
        return np.zeros((0, SIZE, SIZE, 3), dtype=np.uint8), np.zeros(0, dtype=np.int64)
    key = [seed, 0 if name == "train" else 1]
    labels = np.zeros(n, dtype=np.int64)
    labels[:n_cats] = 1
    labels = np.random.default_rng(key).permutation(labels)
    # Each picture has its own random stream (seed, split, index): drawing one never shifts another.
    images = np.stack([_picture(np.random.default_rng([*key, i]), bool(labels[i])) for i in range(n)])
    return images, labels


@functools.lru_cache(maxsize=4)
def _generate(seed: int, n_train: int, n_test: int):
    cats_train = round(n_train * CATS_TRAIN / N_TRAIN)
    cats_test = round(n_test * CATS_TEST / N_TEST)
    X_train, y_train = _split(seed, "train", n_train, cats_train)
    X_test, y_test = _split(seed, "test", n_test, cats_test)
    for a in (X_train, y_train, X_test, y_test):
        a.setflags(write=False)
    return X_train, y_train, X_test, y_test


def generate(seed: int = 0, n_train: int = N_TRAIN, n_test: int = N_TEST):
    """Draw the picture set: ``(X_train, y_train, X_test, y_test)``.

    Images are (m, 64, 64, 3) uint8, labels (m,) int64 in {0, 1}. The same
    seed gives the same pictures every time (they are cached in memory).
    """
    return tuple(a.copy() for a in _generate(int(seed), int(n_train), int(n_test)))


# ----------------------------------------------------------------------------- loading what instructors have


def _check(name: str, X: np.ndarray, y: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 4 or X.shape[1:] != (SIZE, SIZE, 3):
        raise DataError(f"{where}: {name} images have shape {X.shape}, expected (m, {SIZE}, {SIZE}, 3) RGB pictures")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"{where}: {X.shape[0]} {name} images but {y.shape[0]} labels; each picture needs one label")
    if X.shape[0] == 0:
        raise DataError(f"{where}: there are no {name} images")
    if not np.isin(y, (0, 1)).all():
        raise DataError(f"{where}: {name} labels must be 0 (not cat) or 1 (cat), found {sorted(set(y.tolist()))[:5]}")
    if X.dtype != np.uint8:
        if X.min() < 0 or X.max() > 255:
            raise DataError(f"{where}: {name} pixel values must lie in 0..255, found {X.min()}..{X.max()}")
        X = np.rint(X).astype(np.uint8)
    return X, y.astype(np.int64)


def load_hdf5(path):
    """The classic layout: one folder with ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``, or one .h5 file.

    The train file holds ``train_set_x`` (m, 64, 64, 3) and ``train_set_y``
    (m,); the test file ``test_set_x`` and ``test_set_y``; both usually
    ``list_classes`` ([b"non-cat", b"cat"]), which is not needed here.
    """
    try:
        import h5py
    except ImportError:
        raise DataError("reading .h5 files needs h5py: pip install h5py (or the project's [data] extra)") from None
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.h5")) + sorted(path.glob("*.hdf5"))
        if not files:
            raise DataError(f"{path}: no .h5 files here; expected train_catvnoncat.h5 and test_catvnoncat.h5")
    elif path.is_file():
        files = [path]
    else:
        raise DataError(f"{path}: no such file or folder; fix data.path in course.yaml")
    found: dict[str, tuple[np.ndarray, Path]] = {}
    for f in files:
        try:
            with h5py.File(f, "r") as h5:
                for key in ("train_set_x", "train_set_y", "test_set_x", "test_set_y"):
                    if key in h5 and key not in found:
                        found[key] = (np.asarray(h5[key][()]), f)
        except OSError as exc:
            raise DataError(f"{f}: not a readable HDF5 file ({exc})") from None
    missing = [k for k in ("train_set_x", "train_set_y", "test_set_x", "test_set_y") if k not in found]
    if missing:
        where = ", ".join(str(f) for f in files)
        raise DataError(f"{where}: no dataset {', '.join(missing)}; the classic layout has train_set_x, "
                        "train_set_y (in train_catvnoncat.h5) and test_set_x, test_set_y (in test_catvnoncat.h5)")
    X_train, y_train = _check("training", found["train_set_x"][0], found["train_set_y"][0], str(found["train_set_x"][1]))
    X_test, y_test = _check("test", found["test_set_x"][0], found["test_set_y"][0], str(found["test_set_x"][1]))
    return X_train, y_train, X_test, y_test


def _read_images(folder: Path) -> list[np.ndarray]:
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading image folders needs Pillow: pip install Pillow (or the project's [data] extra)") from None
    out = []
    for f in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()):
        try:
            with Image.open(f) as im:
                im = im.convert("RGB")
                if im.size != (SIZE, SIZE):
                    im = im.resize((SIZE, SIZE), Image.BILINEAR)
                out.append(np.asarray(im, dtype=np.uint8))
        except Exception as exc:  # Pillow raises many kinds: name the file either way
            raise DataError(f"{f}: not a readable image ({exc}); remove it or convert it to PNG") from None
    return out


def _labelled(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    parts = []
    for name, label in (("cat", 1), ("not_cat", 0)):
        sub = folder / name
        if not sub.is_dir():
            raise DataError(f"{folder}: no {name}/ folder; put cat pictures in cat/ and the others in not_cat/")
        images = _read_images(sub)
        if not images:
            raise DataError(f"{sub}: no pictures ({', '.join(IMAGE_SUFFIXES)}) in this folder")
        parts.append((images, label))
    X = np.stack([im for images, _ in parts for im in images])
    y = np.array([label for images, label in parts for _ in images], dtype=np.int64)
    return X, y


def load_folder(path, seed: int = 0, test_fraction: float = N_TEST / (N_TRAIN + N_TEST)):
    """Pictures from ``cat/`` and ``not_cat/`` sub-folders, as 64 x 64 RGB uint8.

    With ``train/`` and ``test/`` sub-folders (each holding ``cat/`` and
    ``not_cat/``) that split is used; otherwise a fixed shuffle (``seed``)
    keeps ``test_fraction`` of the pictures for testing.
    """
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"{path}: no such folder; fix data.path in course.yaml")
    if (path / "train").is_dir() and (path / "test").is_dir():
        return (*_labelled(path / "train"), *_labelled(path / "test"))
    X, y = _labelled(path)
    if len(y) < 2:
        raise DataError(f"{path}: need at least two pictures to keep one for testing")
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = min(max(1, round(len(y) * test_fraction)), len(y) - 1)
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def load(source: str = "generated", path=None, seed: int = 0):
    """``(X_train, y_train, X_test, y_test)`` from ``source``: "generated", "hdf5" or "folder"."""
    if source == "generated":
        return generate(seed)
    if path is None:
        raise DataError(f"data source {source!r} needs a path (data.path in course.yaml)")
    if source == "hdf5":
        return load_hdf5(path)
    if source == "folder":
        return load_folder(path, seed=seed)
    raise DataError(f"unknown data source {source!r}; use generated, hdf5 or folder")


# ----------------------------------------------------------------------------- pictures for reports


def png_bytes(image) -> bytes:
    """A (h, w, 3) uint8 picture as PNG file bytes (zlib only, no imaging library needed)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(h))  # filter type 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits per channel, RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
