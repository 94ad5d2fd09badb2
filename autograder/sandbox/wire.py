"""The wire format between the grader and the untrusted worker.

Only plain data crosses: ``None``, bools, ints, floats (NaN and infinities
included), strings, numeric numpy arrays and scalars, and lists, tuples and
dicts (string keys) of these. Nothing is ever unpickled: a frame is a JSON
header that describes the value tree plus the raw bytes of each array, and
the decoder checks every dtype, shape and byte count before it touches a
buffer. Sizes and nesting are bounded so a hostile peer cannot make the
grader allocate without limit: each buffer belongs to exactly one array (no
two arrays may share one, so a small frame cannot decode into many copies),
the number of buffers and of values is capped before anything is parsed, and
any failure while decoding is a ``WireError``. Writes take a deadline, like
reads, so a peer that stops reading cannot block the writer.

This module is copied next to the worker and imported there on its own, so
it must depend on nothing but the standard library and numpy.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time

import numpy as np

__all__ = [
    "WireError",
    "PeerSpoke",
    "encode",
    "decode",
    "decode_frame",
    "tagged_digest",
    "frame_bytes",
    "Reader",
    "write_frame",
    "write_encoded",
    "Limits",
]

# A frame: header length, number of buffers, total buffer bytes; then one
# uint64 size per buffer, the JSON header, and the buffers back to back.
_HEAD = struct.Struct("!IIQ")
_NUMERIC_KINDS = frozenset("biuf")


class WireError(ValueError):
    """A value cannot be sent, or a frame is malformed or too large."""


class PeerSpoke(Exception):
    """The watched descriptor became readable before a frame was written (see ``write_frame``)."""


class Limits:
    """Bounds that every frame must respect (both directions)."""

    max_bytes = 256 * 1024 * 1024  # raw array bytes in one frame
    max_header = 16 * 1024 * 1024  # JSON header bytes
    max_depth = 32  # nesting of lists/tuples/dicts
    max_nodes = 1_000_000  # values in one tree
    max_str = 1024 * 1024  # characters in one string
    max_buffers = 100_000  # arrays (and numpy scalars) in one frame: each has its own buffer


def _describe(value: object) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__


_SCALARS = (type(None), bool, int, float)


def encode(value: object, *, convert: bool = False) -> tuple[bytes, list[bytes]]:
    """Turn ``value`` into (header bytes, array buffers).

    With ``convert`` (the worker side), values numpy understands (a torch
    tensor, a ``memoryview``, an array subclass) are converted with
    ``np.asarray`` first; anything else is refused with a message that names
    the type. NaN and infinities travel as JSON's ``NaN``/``Infinity``.
    """
    buffers: list[bytes] = []
    count = 0

    def enc(v: object, depth: int) -> object:
        nonlocal count
        count += 1
        t = type(v)
        if t in _SCALARS:
            return v
        if count > Limits.max_nodes:
            raise WireError(f"the value has more than {Limits.max_nodes} parts")
        if depth > Limits.max_depth:
            raise WireError(f"the value is nested more than {Limits.max_depth} levels deep")
        if t is str:
            if len(v) > Limits.max_str:  # type: ignore[arg-type]
                raise WireError("a string in the value is longer than 1 MiB")
            return v
        if t is list:
            return [enc(x, depth + 1) for x in v]  # type: ignore[attr-defined]
        if t is np.ndarray or isinstance(v, np.generic):
            return enc_array(v)  # type: ignore[arg-type]
        if t is tuple:
            return {"$t": [enc(x, depth + 1) for x in v]}  # type: ignore[attr-defined]
        if t is dict:
            items = []
            for k, x in v.items():  # type: ignore[attr-defined]
                if type(k) is not str:
                    raise WireError(f"dict keys must be strings, got {_describe(k)}")
                items.append([k, enc(x, depth + 1)])
            return {"$d": items}
        if isinstance(v, np.ndarray) or convert:
            try:
                arr = np.asarray(v)
            except Exception:
                arr = None
            if arr is not None and arr.dtype.kind in _NUMERIC_KINDS:
                return enc_array(arr)
        raise WireError(
            f"a value of type {_describe(v)} cannot be sent; use numbers, strings, lists, dicts or numpy arrays"
        )

    def enc_array(v: np.ndarray | np.generic) -> object:
        scalar = not isinstance(v, np.ndarray)
        arr = np.asarray(v)
        if type(arr) is not np.ndarray:
            arr = np.array(arr)  # drop subclasses (matrix, masked arrays) to plain data
        if arr.dtype.kind not in _NUMERIC_KINDS:
            what = "Python objects" if arr.dtype.kind == "O" else f"dtype {arr.dtype}"
            raise WireError(f"an array of {what} cannot be sent; return a numeric array")
        buffers.append(arr.tobytes())
        node: dict[str, object] = {"$a": len(buffers) - 1, "dtype": arr.dtype.str, "shape": arr.shape}
        if scalar:
            node["scalar"] = True
        return node

    tree = enc(value, 0)
    if len(buffers) > Limits.max_buffers:
        raise WireError(
            f"the value holds more than {Limits.max_buffers} arrays and numpy numbers; send fewer, larger arrays"
        )
    total = sum(len(b) for b in buffers)
    if total > Limits.max_bytes:
        raise WireError(f"the value holds {total} bytes of arrays, more than the limit of {Limits.max_bytes}")
    header = _dumps(tree).encode()
    if len(header) > Limits.max_header:
        raise WireError("the value is too large to send")
    if _count_values(header) > Limits.max_nodes:
        raise WireError(f"the value has more than {Limits.max_nodes} parts")
    return header, buffers


_dumps = json.JSONEncoder(separators=(",", ":")).encode


def digest(encoded: tuple[bytes, list[bytes]]) -> str:
    """A fingerprint of an encoded value: equal for two values exactly when their encodings are equal
    (same types, dtypes, shapes and bytes). Both sides compute it the same way (``hashlib`` only)."""
    return _digest(*encoded)


def _digest(header: bytes, buffers: list[bytes] | list[memoryview]) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    h.update(struct.pack("!IQ", len(header), len(buffers)))
    h.update(header)
    for b in buffers:
        h.update(struct.pack("!Q", len(b)))
        h.update(b)
    return h.hexdigest()


def tagged_digest(frame: bytes, **fields: str | int | bool) -> str | None:
    """The ``digest`` of the value whose ``tagged(..., **fields)`` encoding is exactly ``frame``
    (``frame_bytes``), or None when ``frame`` is not such a frame. Nothing is decoded: the head,
    the header's last bytes and a hash, so a frame can be compared with an expected value cheaply."""
    try:
        start, hlen, sizes = _layout(frame)
    except WireError:
        return None
    header = frame[start : start + hlen]
    suffix = _fields(fields) + b"]}"
    if not (header.startswith(b'{"$d":[') and header.endswith(suffix)) or len(header) < 7 + len(suffix):
        return None
    if sum(sizes) != len(frame) - start - hlen:
        return None
    buffers, at = [], start + hlen
    with memoryview(frame) as view:
        for size in sizes:
            buffers.append(view[at : at + size])
            at += size
        return _digest(header[: -len(suffix)] + b"]}", buffers)


def tagged(encoded: tuple[bytes, list[bytes]], **fields: str | int | bool) -> tuple[bytes, list[bytes]]:
    """An encoded dict with ``fields`` (plain strings, ints or bools) added after its own keys,
    without encoding its values again: what ``encode({**value, **fields})`` gives."""
    header, buffers = encoded
    if not (header.startswith(b'{"$d":[') and header.endswith(b"]]}")):
        raise WireError("only an encoded dict can be tagged")
    extra = _fields(fields)
    return header[:-2] + extra + b"]}", buffers


def _fields(fields: dict[str, str | int | bool]) -> bytes:
    """``,[key,value]`` for each field, exactly as ``_dumps`` writes it: a frame's tags, written and
    checked once per answer of a script, so the usual kinds (a hex id, a count, a flag) skip json."""
    out = b""
    for key, value in fields.items():
        text = _plain_json(value) if key.isascii() and key.isalnum() else None
        out += b"," + (_dumps([key, value]).encode() if text is None else b'["' + key.encode() + b'",' + text + b"]")
    return out


def _plain_json(value: str | int | bool) -> bytes | None:
    """``_dumps(value)`` for a bool, an int or a string of ASCII letters and digits; None for others."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if type(value) is int:
        return str(value).encode()
    if type(value) is str and value.isascii() and value.isalnum():
        return b'"' + value.encode() + b'"'
    return None


def _count_values(header: bytes) -> int:
    """An upper bound on the values a JSON header holds, counted without parsing it.

    Every value but the first follows a ``[``, ``,`` or ``:`` (strings may hold
    these too, which only makes the bound larger). Counting first bounds the
    memory ``json.loads`` may take: 16 MiB of ``[[],[],...`` would otherwise
    become five million lists. ``encode`` checks the same bound, so every
    value it accepts decodes.
    """
    return 1 + header.count(b"[") + header.count(b",") + header.count(b":")


def decode(header: bytes, sizes: list[int], payload: bytes | memoryview) -> object:
    """Rebuild a value from a header, the buffer sizes and the concatenated buffers, checking everything.

    Each buffer is used by exactly one array node, so the arrays decoded
    together are never larger than the payload. Any failure (MemoryError
    included) is a ``WireError``.
    """
    try:
        return _decode(header, sizes, payload)
    except WireError:
        raise
    except MemoryError:
        raise WireError("the frame is too large to decode") from None
    except (KeyError, TypeError, ValueError, IndexError, RecursionError, AttributeError, OverflowError) as exc:
        raise WireError(f"malformed frame: {exc}") from None


def _decode(header: bytes, sizes: list[int], payload: bytes | memoryview) -> object:
    if len(sizes) > Limits.max_buffers:
        raise WireError(f"the frame holds more than {Limits.max_buffers} buffers")
    if len(header) > Limits.max_header or len(payload) > Limits.max_bytes:
        raise WireError("frame exceeds the size limits")
    if any(n < 0 for n in sizes) or sum(sizes) != len(payload):
        raise WireError("buffer sizes do not match the payload")
    if _count_values(header) > Limits.max_nodes:
        raise WireError(f"the frame holds more than {Limits.max_nodes} values")
    offsets = [0]
    for n in sizes:
        offsets.append(offsets[-1] + n)
    used = bytearray(len(sizes))  # 1 once an array node has taken the buffer

    def hook(node: dict) -> object:
        if "$a" in node:
            return dec_array(node)
        if "$t" in node:
            return tuple(node["$t"])
        if "$d" in node:
            return {str(k): x for k, x in node["$d"]}
        raise WireError("malformed value")

    def dec_array(node: dict) -> object:
        index, shape = node["$a"], node["shape"]
        if type(index) is not int or not 0 <= index < len(sizes):
            raise WireError("bad buffer index")
        if used[index]:
            raise WireError("two arrays use the same buffer")
        used[index] = 1
        dtype = np.dtype(str(node["dtype"]))
        if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
            raise WireError(f"refused dtype {dtype}")
        if not isinstance(shape, list) or len(shape) > 32 or not all(type(d) is int and d >= 0 for d in shape):
            raise WireError("bad array shape")
        size = dtype.itemsize
        for d in shape:
            size *= d
        start, end = offsets[index], offsets[index + 1]
        if size != end - start:
            raise WireError("array bytes do not match its shape")
        arr = np.frombuffer(payload, dtype=dtype, count=size // dtype.itemsize if dtype.itemsize else 0, offset=start)
        arr = arr.reshape(shape).copy()
        return arr[()] if node.get("scalar") else arr

    value = json.loads(header, object_hook=hook)
    if sum(used) != len(sizes):
        raise WireError("the frame holds buffers no array uses")
    return value


def write_frame(
    fd: int, value: object, *, convert: bool = False, deadline: float | None = None, watch: int | None = None
) -> None:
    """Encode ``value`` and write it as one frame to the file descriptor (one write for small frames).

    With a ``deadline`` (a ``time.monotonic()`` value) the descriptor is made
    non-blocking and ``TimeoutError`` is raised when the peer has not taken
    the whole frame by then; the frame may then be partly written, so the
    peer must be abandoned. ``watch``: while waiting for room, raise
    ``PeerSpoke`` as soon as this descriptor is readable (the peer's reply
    pipe: a peer that answers before it has read the request is not
    answering it). The value is encoded completely before the first byte is
    written: a value that cannot be sent leaves the stream intact.
    """
    write_encoded(fd, encode(value, convert=convert), deadline=deadline, watch=watch)


def write_encoded(
    fd: int, encoded: tuple[bytes, list[bytes]], *, deadline: float | None = None, watch: int | None = None
) -> None:
    """Write what ``encode`` returned as one frame (see ``write_frame``)."""
    parts = _frame_parts(encoded)
    if deadline is not None and os.get_blocking(fd):
        os.set_blocking(fd, False)
    if sum(len(b) for b in encoded[1]) < (1 << 20):
        _write_all(fd, b"".join(parts), deadline, watch)
    else:
        for part in parts:
            _write_all(fd, part, deadline, watch)


def write_word(fd: int, word: bytes, *, deadline: float | None = None) -> None:
    """Write a one-byte word (a script's go or stop) within ``deadline``."""
    if deadline is not None and os.get_blocking(fd):
        os.set_blocking(fd, False)
    _write_all(fd, word, deadline)


def _frame_parts(encoded: tuple[bytes, list[bytes]]) -> list[bytes]:
    """A frame's parts in order: the head, the buffer sizes, the header, the buffers."""
    header, buffers = encoded
    sizes = struct.pack(f"!{len(buffers)}Q", *(len(b) for b in buffers))
    return [_HEAD.pack(len(header), len(buffers), sum(len(b) for b in buffers)), sizes, header, *buffers]


def frame_bytes(encoded: tuple[bytes, list[bytes]]) -> bytes:
    """What ``encode`` returned as the bytes of one frame (what ``write_encoded`` writes)."""
    return b"".join(_frame_parts(encoded))


def decode_frame(data: bytes) -> object:
    """Decode one whole frame held in memory (``frame_bytes``), checked like one read from a pipe."""
    start, hlen, sizes = _layout(data)
    with memoryview(data) as view:
        return decode(bytes(view[start : start + hlen]), sizes, view[start + hlen :])


def _head(buf: bytes | bytearray) -> tuple[int, int, int]:
    """A frame's header length, number of buffers and buffer bytes, from its head, within the limits."""
    hlen, nbuf, total = _HEAD.unpack_from(buf)
    if hlen > Limits.max_header or total > Limits.max_bytes or nbuf > Limits.max_buffers:
        raise WireError("frame exceeds the size limits")
    return hlen, nbuf, total


def _layout(data: bytes) -> tuple[int, int, list[int]]:
    """Where a whole frame's header starts, its length and the buffer sizes; checked like a frame read
    from a pipe (``WireError``)."""
    if len(data) < _HEAD.size:
        raise WireError("truncated frame")
    hlen, nbuf, total = _head(data)
    start = _HEAD.size + 8 * nbuf
    if len(data) != start + hlen + total:
        raise WireError("the frame's length does not match its head")
    return start, hlen, list(struct.unpack_from(f"!{nbuf}Q", data, _HEAD.size))


class Reader:
    """Reads frames from a file descriptor, buffering what arrives early.

    A frame usually arrives in one ``read``; the buffer keeps the system
    calls per frame at one or two. ``pending`` tells whether anything
    arrived beyond the frames read: a peer that answers once per request
    never leaves anything behind.
    """

    _CHUNK = 4 << 20  # at most this much per read (a pipe gives 64 KiB at a time anyway)

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buf = bytearray()

    def read_frame(self, deadline: float | None = None) -> object:
        """Read and decode one frame.

        Raises EOFError when the peer has gone, TimeoutError when ``deadline``
        (a ``time.monotonic()`` value) passes first, and WireError for a frame
        that breaks the limits or the format (checked before its body is read,
        where the head allows).
        """
        frame, nbuf, hlen, end = self._take(deadline)
        start = _HEAD.size + 8 * nbuf
        sizes = list(struct.unpack_from(f"!{nbuf}Q", frame, _HEAD.size))
        header = bytes(frame[start : start + hlen])
        with memoryview(frame) as view:
            return decode(header, sizes, view[start + hlen : end])

    def read_raw(self, deadline: float | None = None) -> bytes:
        """Read one frame without decoding it: its bytes (``decode_frame`` checks and decodes them later).
        Fails as ``read_frame`` does, and what fails stays unread: reading again fails the same way."""
        frame, _, _, end = self._take(deadline)
        with memoryview(frame) as view:
            return bytes(view[:end])

    def _take(self, deadline: float | None) -> tuple[bytearray, int, int, int]:
        """The next frame, its head checked (``_head``) before its body is read: the buffer that starts
        with it, its number of buffers, its header length and where it ends in that buffer."""
        self._fill(_HEAD.size, deadline)
        hlen, nbuf, total = _head(self._buf)
        end = _HEAD.size + 8 * nbuf + hlen + total
        self._fill(end, deadline)
        frame, self._buf = self._buf, self._buf[end:]
        return frame, nbuf, hlen, end

    def read_word(self, deadline: float | None = None) -> bytes:
        """Read one byte: a word of a script's go/stop exchange (``_worker.py``)."""
        self._fill(1, deadline)
        word, self._buf = bytes(self._buf[:1]), self._buf[1:]
        return word

    def pending(self) -> bool:
        """True when bytes beyond the frames read are buffered or can be read at once (EOF is not data)."""
        if self._buf:
            return True
        try:
            if not select.select([self.fd], [], [], 0)[0]:
                return False
            return bool(os.read(self.fd, 1 << 16))
        except (OSError, ValueError):
            return False

    def _fill(self, n: int, deadline: float | None) -> None:
        while len(self._buf) < n:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                    raise TimeoutError("no answer before the deadline")
            chunk = os.read(self.fd, min(self._CHUNK, max(1 << 16, n - len(self._buf))))
            if not chunk:
                raise EOFError("the peer closed the connection")
            self._buf += chunk


def _write_all(fd: int, data: bytes, deadline: float | None = None, watch: int | None = None) -> None:
    """Write all of ``data``; on a non-blocking descriptor wait for room until ``deadline`` (see ``write_frame``)."""
    view = memoryview(data)
    readers = [] if watch is None else [watch]
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError("the peer did not read before the deadline") from None
            readable, writable, _ = select.select(readers, [fd], [], remaining)
            if readable:
                raise PeerSpoke() from None
            if not writable:
                raise TimeoutError("the peer did not read before the deadline") from None
            continue
        view = view[n:]
