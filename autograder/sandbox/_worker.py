"""The untrusted side: a process that imports a submission and answers calls.

This file is copied, with ``wire.py``, into a private runtime folder and run
with a scrubbed environment. It imports nothing from the ``autograder``
package, because in the namespace sandbox that package is not visible.

Start-up order matters: limits and the uid drop happen before any student
code is imported, and numpy is imported before the submission folder is put
on ``sys.path`` so a student file called ``numpy.py`` cannot replace it.

Protocol (one frame each way per request, see ``wire.py``; every reply
carries the request's ``id``, a fresh random value, so the grader tells the
answer to this request from a stale or forged frame)::

    <- {"ok": "ready"}
    -> {"op": "import", "module": m, "id": i}
    <- {"ok": [public callable names], "id": i} | {"raised": {...}, "id": i}
    -> {"op": "call", "module": m, "func": f, "args": [...], "kwargs": {...}, "id": i}
    <- {"ok": value, "id": i} | {"raised": {...}, "id": i} | {"bad_value": message, "id": i}

A *script* is a run of calls the grader predicts a hidden test will make (the
calls the reference got when the test was calibrated). The calls run in order,
each answered in its own frame as soon as it returns. After each answer but the
message's last, the worker waits for one byte from the grader: ``+`` runs the
next call, ``-`` ends the script (the answer differed from the reference's, so
the test's next call may be another one). Only the grader compares answers with
the reference's: the worker is never told what they should be, so student code
cannot learn them here::

    -> {"op": "script", "calls": [call frame, ...], "id": i}
    <- {"ok": value, "id": i, "n": 0, "more": true}   -> b"+"
    <- {..., "id": i, "n": 1, "more": true}           -> b"-"   (or on to the last, "more": false)

where each call frame is a ``call`` request (without id) encoded as a wire
frame, sent as a uint8 array.
"""

import os
import sys
import traceback


def _apply_limits(spec):
    import resource

    for name, value in spec.get("rlimits", {}).items():
        limit = getattr(resource, name)
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(limit)
            if hard == resource.RLIM_INFINITY or value <= hard:
                resource.setrlimit(limit, (value, hard))
    uid = spec.get("uid")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def _student_frames(tb, root):
    """The student's own traceback lines, so the message can point at their code."""
    lines = []
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(root):
            name = os.path.relpath(frame.filename, root)
            lines.append(f"{name}, line {frame.lineno}, in {frame.name}: {frame.line or ''}".rstrip(": "))
    return lines[-5:]


def _raised(exc, root):
    try:
        message = str(exc)
    except BaseException:  # an exception whose __str__ itself raises
        message = "<message could not be shown>"
    return {
        "raised": {
            "type": type(exc).__name__,
            "message": message[:2000],
            "where": _student_frames(exc.__traceback__, root),
        }
    }


def main():
    import json

    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    spec = json.loads(sys.argv[3])
    _apply_limits(spec)

    import numpy  # noqa: F401  (imported before student files are on the path)

    serve(fd_in, fd_out, spec["submission"])


def serve(fd_in, fd_out, submission):
    """Answer requests until the grader closes the request pipe; never returns."""
    import _ag_wire as wire

    root = os.path.realpath(submission)
    os.chdir(root)
    sys.path.insert(0, root)
    sys.argv = [os.path.join(root, "submission")]
    modules = {}

    reader = wire.Reader(fd_in)
    _reply(wire, fd_out, {"ok": "ready"}, None)
    while True:
        try:
            request = reader.read_frame()
        except EOFError:
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001 - a request that cannot be read: end, never guess
            _die(f"the worker could not read a request ({type(exc).__name__}: {exc})")
        if request.get("op") == "script":
            _script(wire, reader, fd_out, request, modules, root)
        else:
            _reply(wire, fd_out, _serve(request, modules, root), request.get("id"))


def _script(wire, reader, fd_out, request, modules, root):
    """Run a script's calls in order, one answer frame each, while the grader says go on."""
    calls, request_id = request["calls"], request.get("id")
    for n, call in enumerate(calls):
        frame = _encode(wire, _serve(wire.decode_frame(call.tobytes()), modules, root))
        more = n + 1 < len(calls)
        _write(wire, fd_out, wire.tagged(frame, id=request_id, n=n, more=more))
        if not more or _word(reader) != b"+":
            return


def _word(reader):
    """The grader's go (``+``) or stop (``-``) after an answer of a script."""
    try:
        return reader.read_word()
    except EOFError:
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - as for a request that cannot be read
        _die(f"the worker could not read the grader's word ({type(exc).__name__}: {exc})")


def _reply(wire, fd_out, reply, request_id):
    """Write exactly one frame for one request, or end the process."""
    frame = _encode(wire, reply)
    _write(wire, fd_out, frame if request_id is None else wire.tagged(frame, id=request_id))


def _encode(wire, reply):
    """The frame of an answer, encoded completely before its first byte is written, so a value that
    cannot be sent becomes a ``bad_value`` answer."""
    try:
        return wire.encode(reply, convert=True)
    except wire.WireError as exc:
        return wire.encode({"bad_value": str(exc)})
    except MemoryError:
        return wire.encode({"raised": {"type": "MemoryError", "message": "while sending the answer", "where": []}})
    except BaseException as exc:  # noqa: BLE001 - e.g. an array-like whose conversion raises
        return wire.encode({"bad_value": f"it could not be converted ({type(exc).__name__})"})


def _write(wire, fd_out, frame):
    """A failure in the middle of a write (the grader gone, an interrupt) would leave half a frame on
    the pipe, so the process ends instead of writing another."""
    try:
        wire.write_encoded(fd_out, frame)
    except BaseException:  # noqa: BLE001
        os._exit(3)


def _die(message):
    try:
        os.write(2, (message + "\n").encode())
    finally:
        os._exit(3)


def _show_warnings_again():
    import warnings

    with warnings.catch_warnings():  # entering and leaving resets every "shown once here" record
        pass
    warnings.onceregistry.clear()


def _serve(request, modules, root):
    import importlib

    if request.get("fresh"):  # a new test: warnings shown before are shown again (session.show_warnings_again)
        _show_warnings_again()  # first, so a call that fails (a missing function) still spends the flag here
    name = request["module"]
    try:
        if name not in modules:
            modules[name] = importlib.import_module(name)
        module = modules[name]
        if request["op"] == "import":
            return {"ok": sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))}
        func = getattr(module, request["func"], None)
        if func is None or not callable(func):
            return {"missing": request["func"]}
        args, kwargs = request["args"], request["kwargs"]
        extras = request.get("extras") or ()
        if not extras:
            return {"ok": func(*args, **kwargs)}
        # Extras ride along with the value: the warnings the call emitted (numpy overflow and
        # the like) and the arguments as they are after the call (to catch in-place mutation).
        import warnings

        import numpy as np

        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"),
        ):
            warnings.simplefilter("always")
            value = func(*args, **kwargs)
        out = {"value": value}
        if "warnings" in extras:
            out["warnings"] = [f"{w.category.__name__}: {w.message}"[:300] for w in caught[:20]]
        if "args" in extras:
            out["args"] = list(args)
        return {"ok": out}
    except BaseException as exc:  # noqa: BLE001 - everything the student raises is reported, even SystemExit
        return _raised(exc, root)


if __name__ == "__main__":
    main()
