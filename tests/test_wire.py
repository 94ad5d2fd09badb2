"""The wire format: plain data round-trips exactly; anything else is refused, never unpickled."""

from __future__ import annotations

import json
import math
import os
import struct
import time

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
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    arrays,
    arrays.map(lambda a: a[()] if a.ndim == 0 else a),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_plain_data_round_trips_exactly(value):
    assert same(roundtrip(value), value)


@settings(max_examples=200, deadline=None)
@given(values)
def test_a_decoded_answer_encodes_to_the_same_fingerprint(value):
    """A script's stop rule (autograder.sandbox.scripts) compares the worker's fingerprint of an answer
    with the grader's fingerprint of the same answer after decoding: they must agree for every value."""
    encoded = wire.encode({"ok": value}, convert=True)
    assert wire.digest(wire.encode({"ok": roundtrip(value, convert=True)})) == wire.digest(encoded)


@given(values, st.text(max_size=20), st.integers(0, 10**6), st.booleans())
def test_tagging_an_encoded_answer_is_encoding_it_with_the_tags(value, request_id, n, more):
    tagged = wire.tagged(wire.encode({"ok": value}), id=request_id, n=n, more=more)
    assert tagged == wire.encode({"ok": value, "id": request_id, "n": n, "more": more})


@settings(max_examples=100, deadline=None)
@given(values)
def test_a_frame_in_memory_decodes_as_it_does_from_a_pipe(value):
    """A script carries its calls as whole frames (wire.frame_bytes); the worker decodes each in memory."""
    assert same(wire.decode_frame(wire.frame_bytes(wire.encode(value))), value)


@pytest.mark.parametrize("cut", [lambda f: f[:10], lambda f: f[:-1], lambda f: f + b"x", lambda f: b""])
def test_a_frame_in_memory_must_be_exactly_one_frame(cut):
    frame = wire.frame_bytes(wire.encode({"ok": np.arange(3.0)}))
    with pytest.raises(wire.WireError):
        wire.decode_frame(cut(frame))


def test_fingerprints_tell_types_dtypes_and_shapes_apart():
    answers = [1, 1.0, True, np.float64(1.0), np.array(1.0), np.array([1.0]), np.array([1.0], dtype="<f4"),
               np.array([[1.0]]), [1.0], (1.0,), {"a": 1.0}, -0.0, 0.0]  # fmt: skip
    digests = {wire.digest(wire.encode({"ok": a})) for a in answers}
    assert len(digests) == len(answers)


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


# ----------------------------------------------------------------------------- the decoder under attack


def frame_bytes(
    header: bytes, buffers: list[bytes], *, sizes: list[int] | None = None, count: int | None = None
) -> bytes:
    sizes = [len(b) for b in buffers] if sizes is None else sizes
    count = len(sizes) if count is None else count
    head = struct.pack("!IIQ", len(header), count, sum(len(b) for b in buffers))
    return head + struct.pack(f"!{len(sizes)}Q", *sizes) + header + b"".join(buffers)


def test_two_arrays_may_not_share_a_buffer():
    node = {"$a": 0, "dtype": "<f8", "shape": [1]}
    with pytest.raises(wire.WireError, match="same buffer"):
        wire.decode(json.dumps([node, node]).encode(), [8], bytes(8))


def test_every_buffer_must_belong_to_an_array():
    with pytest.raises(wire.WireError, match="no array uses"):
        wire.decode(b"1", [0, 0], b"")


def test_sixty_four_arrays_on_one_8_mib_buffer_are_refused_before_any_copy():
    import tracemalloc

    node = json.dumps({"$a": 0, "dtype": "<f8", "shape": [1 << 20]})
    header = ("[" + ",".join([node] * 64) + "]").encode()
    payload = bytes(8 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError, match="same buffer"):
            wire.decode(header, [len(payload)], payload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(payload)  # at most the one array, never 64 copies


def test_a_million_empty_buffers_are_refused_from_the_frame_head():
    r, w = os.pipe()
    try:
        os.write(w, struct.pack("!IIQ", 2, 1_000_000, 0))  # the rest never needs to arrive
        with pytest.raises(wire.WireError, match="size limits"):
            wire.Reader(r).read_frame(deadline=time.monotonic() + 30)
    finally:
        os.close(r)
        os.close(w)


def test_values_are_counted_before_the_header_is_parsed(monkeypatch):
    monkeypatch.setattr(wire.Limits, "max_nodes", 1000)
    with pytest.raises(wire.WireError, match="more than 1000 values"):
        wire.decode(b"[" + b",".join([b"[]"] * 2000) + b"]", [], b"")
    with pytest.raises(wire.WireError, match="more than 1000 parts"):
        wire.encode([[]] * 2000)  # what the encoder accepts, the decoder accepts


def test_memory_error_while_decoding_is_a_wire_error(monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(json, "loads", out_of_memory)
    with pytest.raises(wire.WireError, match="too large"):
        wire.decode(b"1", [], b"")


def test_extra_bytes_after_a_frame_are_pending():
    r, w = os.pipe()
    try:
        reader = wire.Reader(r)
        wire.write_frame(w, {"ok": 1})
        assert reader.read_frame() == {"ok": 1} and not reader.pending()
        wire.write_frame(w, {"ok": 2})
        os.write(w, b"x")
        assert reader.read_frame() == {"ok": 2} and reader.pending()
    finally:
        os.close(r)
        os.close(w)


def test_a_large_frame_crosses_with_a_deadline_while_the_peer_reads():
    import threading

    r, w = os.pipe()
    value = {"ok": np.arange(1 << 20, dtype=np.float64)}  # 8 MiB: many times what a pipe holds
    got: dict = {}
    reader = threading.Thread(target=lambda: got.update(v=wire.Reader(r).read_frame()))
    reader.start()
    try:
        wire.write_frame(w, value, deadline=time.monotonic() + 60)
        reader.join(60)
        assert same(got["v"], value)
    finally:
        os.close(r)
        os.close(w)


def test_a_write_nobody_reads_times_out():
    r, w = os.pipe()
    try:
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            wire.write_frame(w, {"ok": np.zeros(1 << 20)}, deadline=time.monotonic() + 0.2)  # 8 MiB > a pipe
        assert time.monotonic() - start < 30
    finally:
        os.close(r)
        os.close(w)


# A fuzzer of the decoder: whatever bytes arrive, read_frame decodes them within the limits or
# raises WireError / EOFError; it never hangs (a pipe closed after the bytes, and a deadline) and
# never allocates beyond the limits (small limits here, so the bound is tight and the test fast).
SMALL = dict(max_bytes=4096, max_header=4096, max_nodes=300, max_buffers=16, max_str=256)
ALLOWED_PEAK = 256 * 1024  # tracemalloc peak while reading one frame under SMALL

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.builds(
        lambda i, d, s, sc: {"$a": i, "dtype": d, "shape": s, **({"scalar": True} if sc else {})},
        st.integers(-1, 4),
        st.sampled_from(["<f8", "<i4", "|u1", "|O", "V8", "<U1", "x", "<f8,<f8"]),
        st.lists(st.integers(-1, 9), max_size=3),
        st.booleans(),
    ),
)
json_trees = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.builds(lambda x: {"$t": x}, st.lists(inner, max_size=3)),
        st.builds(lambda kv: {"$d": kv}, st.lists(st.tuples(st.text(max_size=3), inner).map(list), max_size=3)),
        st.dictionaries(st.sampled_from(["$a", "$t", "$d", "x", "shape"]), inner, max_size=3),
    ),
    max_leaves=20,
)


@st.composite
def frames(draw) -> bytes:
    """Frames near the format: plausible trees and buffers, with sizes, counts and bytes perturbed."""
    header = json.dumps(draw(json_trees)).encode()
    buffers = draw(st.lists(st.binary(max_size=64), max_size=4))
    sizes = [len(b) for b in buffers]
    if draw(st.booleans()):
        sizes = draw(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 80), max_size=5))
    data = frame_bytes(header, buffers, sizes=sizes, count=draw(st.none() | st.integers(0, 2**32 - 1)))
    cut = draw(st.none() | st.integers(0, len(data)))
    return data if cut is None else data[:cut]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.one_of(frames(), st.binary(max_size=512)))
def test_fuzzed_frames_decode_within_the_limits_or_fail_cleanly(data):
    import tracemalloc

    saved = {k: getattr(wire.Limits, k) for k in SMALL}
    r, w = os.pipe()
    try:
        for k, v in SMALL.items():
            setattr(wire.Limits, k, v)
        os.write(w, data)
        os.close(w)
        w = -1
        tracemalloc.start()
        try:
            value = wire.Reader(r).read_frame(deadline=time.monotonic() + 30)
        except (wire.WireError, EOFError):
            value = None
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    finally:
        for k, v in saved.items():
            setattr(wire.Limits, k, v)
        os.close(r)
        if w != -1:
            os.close(w)
    assert peak < ALLOWED_PEAK, f"{peak} bytes allocated for a {len(data)}-byte frame"
    if value is not None:
        assert arrays_bytes(value) <= SMALL["max_bytes"]


def arrays_bytes(value) -> int:
    if isinstance(value, (np.ndarray, np.generic)):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(arrays_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(arrays_bytes(v) for v in value.values())
    return 0


@given(
    st.dictionaries(
        st.text(max_size=8).filter(lambda k: k != "ok") | st.sampled_from(["id", "n", "more"]),
        st.text(max_size=20) | st.integers() | st.booleans() | st.text("0123456789abcdef", min_size=16, max_size=16),
        max_size=4,
    )
)
def test_a_frames_tags_are_written_exactly_as_json_writes_them(fields):
    """The tags of a script's answers skip json for the usual kinds (a hex id, a count, a flag):
    byte for byte what ``encode`` gives, or ``tagged_digest`` would not recognise the frame."""
    encoded = wire.encode({"ok": 1.5})
    assert wire.tagged(encoded, **fields) == wire.encode({"ok": 1.5, **fields})
    frame = wire.frame_bytes(wire.tagged(encoded, **fields))
    assert wire.tagged_digest(frame, **fields) == wire.digest(encoded)
