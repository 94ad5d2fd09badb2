"""The wire format: plain data round-trips exactly; anything else is refused, never unpickled."""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.sandbox import wire


def roundtrip(value, convert=False):
    header, buffers = wire.encode(value, convert=convert)
    return wire.decode(header, [len(b) for b in buffers], b"".join(buffers))


def same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, np.generic):
        return type(a) is type(b) and (a == b or (np.isnan(a) and np.isnan(b)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


numeric_dtypes = st.sampled_from(["<f8", "<f4", ">f8", "<i8", "<i4", "<u1", "|b1", "<f2"])
arrays = numeric_dtypes.flatmap(lambda d: hnp.arrays(np.dtype(d), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0)))
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), arrays,
    arrays.map(lambda a: a[()] if a.ndim == 0 else a),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_plain_data_round_trips_exactly(value):
    assert same(roundtrip(value), value)


def test_scalars_and_zero_d_arrays_keep_their_kind():
    assert type(roundtrip(np.float32(1.5))) is np.float32
    back = roundtrip(np.array(2.0))
    assert isinstance(back, np.ndarray) and back.shape == ()
    assert roundtrip((1, [2.0, float("inf")], {"a": None})) == (1, [2.0, float("inf")], {"a": None})


@pytest.mark.parametrize(
    "value, words",
    [
        (np.array([object()]), "Python objects"),
        (np.array(["a"]), "dtype <U1"),
        (object(), "cannot be sent"),
        ({1: 2}, "keys must be strings"),
        (b"\x80\x04pickle", "cannot be sent"),
        (lambda: 0, "cannot be sent"),
    ],
)
def test_non_data_is_refused_with_a_reason(value, words):
    with pytest.raises(wire.WireError, match=words):
        wire.encode(value, convert=True)


def test_objects_with_lying_eq_cannot_cross():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    with pytest.raises(wire.WireError):
        wire.encode(AlwaysEqual(), convert=True)


def test_convertible_values_are_converted_on_the_worker_side_only():
    assert same(roundtrip(memoryview(b"ab"), convert=True), np.array([97, 98], dtype=np.uint8))
    with pytest.raises(wire.WireError):
        wire.encode(memoryview(b"ab"))


def test_nesting_is_bounded():
    deep: list = []
    for _ in range(wire.Limits.max_depth + 5):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested"):
        wire.encode(deep)


def test_total_array_bytes_are_bounded(monkeypatch):
    monkeypatch.setattr(wire.Limits, "max_bytes", 1000)
    with pytest.raises(wire.WireError, match="limit"):
        wire.encode(np.zeros(200))


@pytest.mark.parametrize(
    "header, sizes, payload",
    [
        (b'{"$a": 0, "dtype": "|O", "shape": [1]}', [8], b"\0" * 8),  # object dtype
        (b'{"$a": 0, "dtype": "<f8", "shape": [2]}', [8], b"\0" * 8),  # shape does not match bytes
        (b'{"$a": 3, "dtype": "<f8", "shape": [1]}', [8], b"\0" * 8),  # buffer index out of range
        (b'{"$a": 0, "dtype": "<f8", "shape": [-1]}', [8], b"\0" * 8),  # negative shape
        (b'{"$a": 0, "dtype": "V8", "shape": [1]}', [8], b"\0" * 8),  # void / structured
        (b'{"x": 1}', [], b""),  # unknown node
        (b"not json", [], b""),
        (b"[1]", [4], b""),  # sizes do not match payload
    ],
)
def test_malformed_frames_are_rejected(header, sizes, payload):
    with pytest.raises(wire.WireError):
        wire.decode(header, sizes, payload)


def test_frames_cross_a_pipe_and_a_closed_pipe_is_eof():
    r, w = os.pipe()
    value = {"ok": [np.arange(5.0), "text", (1, 2)]}
    wire.write_frame(w, value)
    reader = wire.Reader(r)
    assert same(reader.read_frame(), value)
    os.close(w)
    with pytest.raises(EOFError):
        reader.read_frame()
    os.close(r)


def test_oversized_frame_headers_are_refused_before_reading():
    r, w = os.pipe()
    os.write(w, struct.pack("!IIQ", 2**31, 0, 0))
    with pytest.raises(wire.WireError, match="size limits"):
        wire.Reader(r).read_frame()
    os.close(r)
    os.close(w)


def test_read_respects_the_deadline():
    import time

    r, w = os.pipe()
    os.write(w, b"\0\0")  # a partial frame, then silence
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        wire.Reader(r).read_frame(deadline=time.monotonic() + 0.2)
    assert time.monotonic() - start < 2
    os.close(r)
    os.close(w)


def test_decoder_never_unpickles(monkeypatch):
    import pickle

    def boom(*a, **k):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(np, "load", boom)
    assert same(roundtrip([np.arange(3), {"a": np.float64(1)}]), [np.arange(3), {"a": np.float64(1)}])
    header = json.dumps({"$a": 0, "dtype": "<f8", "shape": [1]}).encode()
    assert same(wire.decode(header, [8], np.float64(3).tobytes()), np.array([3.0]))
