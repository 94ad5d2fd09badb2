"""Hostile submissions: one attack each, against the grader rather than the exercise.

An attack is the reference submission with one function replaced (or code
added at the top of one module). The function's honest content is "not
implemented": whatever the attack does, the attacked exercise must score no
more than the same submission with that function simply raising
NotImplementedError, every exercise that does not import the attacked module
must keep full marks, the grader must survive, and nothing outside the
worker's temporary folder may change.

Sources are templates: ``{root}``, ``{out}``, ``{port}``, ``{secret}`` and
``{marker}`` are filled in by the test with real paths and values, so an
attack aims at the real files of this checkout.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Attack", "ATTACKS", "FUNCTION", "NOT_IMPLEMENTED", "WRONG_VALUE"]

# The function attacks replace: graded by a few activations tests and used by few other lessons.
FUNCTION = "relu_grad"
NOT_IMPLEMENTED = f"""
def {FUNCTION}(z):
    raise NotImplementedError
"""
# The honest version of an attack that returns a value: a plainly wrong answer of the right shape.
# It earns no more than NOT_IMPLEMENTED: a hygiene point such as "does not modify its input" needs a
# correct answer first (autograder.testing.expect_correct_first), so garbage never beats "not implemented"
# (tests/test_adversarial.py checks the two baselines score the same).
WRONG_VALUE = f"""
def {FUNCTION}(z):
    import numpy as np
    return np.full(np.shape(z), 7.0)
"""


@dataclass(frozen=True)
class Attack:
    id: str
    what: str
    source: str  # a replacement for FUNCTION (function=True) or code put at the top of the module
    function: bool = True
    needs: str = "process"  # the weakest isolation level at which the grader defends this
    status: tuple[str, ...] = ()  # statuses the attacked tests may end with (empty: any non-passing)
    honest: str = "not_implemented"  # the baseline it must not beat: "not_implemented" or "wrong_value"


def _f(body: str, head: str = "") -> str:
    """A replacement for FUNCTION with ``body`` (indented 4) after optional imports."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"{head}\ndef {FUNCTION}(z):\n{lines}\n"


def _forger(write: str) -> str:
    """A replacement for FUNCTION that finds the grader's reply pipe and writes ``write`` (bytes) on it itself.

    The reply pipe is the one write-only pipe in /proc/self/fd besides stdout
    and stderr. Then it returns 16 MB, more than a pipe holds, so its real
    answer blocks the worker until the grader reads it.
    """
    body = f"""import os, struct
import numpy as np
def frame(header, buffers=(), count=None):
    count = len(buffers) if count is None else count
    sizes = b''.join(struct.pack('!Q', len(b)) for b in buffers) or bytes(8 * count)
    return struct.pack('!IIQ', len(header), count, sum(map(len, buffers))) + sizes + header + b''.join(buffers)
for name in os.listdir('/proc/self/fd'):
    fd = int(name)
    try:
        target = os.readlink('/proc/self/fd/%d' % fd)
        flags = int(open('/proc/self/fdinfo/%d' % fd).read().split('flags:')[1].split()[0], 8)
    except (OSError, ValueError, IndexError):
        continue
    if fd > 2 and target.startswith('pipe:') and flags & 3 == 1:
        os.write(fd, {write})
return np.zeros(2_000_000)"""
    return _f(body.replace("{", "{{").replace("}", "}}"))


OK_FRAME = """frame(b'{"$d":[["ok",1.0]]}')"""  # the well-formed answer {"ok": 1.0}
SHARED_BUFFER_FRAME = (
    """frame(b'{"$d":[["ok",[' + b','.join([b'{"$a":0,"dtype":"<f8","shape":[1048576]}'] * 64) + b']]]}', """
    """[bytes(8 << 20)])"""
)

ATTACKS = [
    Attack("sys_exit_in_call", "sys.exit(0) while being tested", _f("import sys\nsys.exit(0)"), status=("error",)),
    Attack("os_exit_in_call", "os._exit(0) while being tested", _f("import os\nos._exit(0)"), status=("crashed",)),
    Attack(
        "atexit_os_exit",
        "registers os._exit(0) to run at interpreter exit",
        _f("import atexit, os\natexit.register(os._exit, 0)\nraise NotImplementedError"),
    ),
    Attack(
        "exit_during_import", "sys.exit(0) while the module is imported", "import sys\nsys.exit(0)\n", function=False
    ),
    Attack("os_exit_during_import", "os._exit(0) during import", "import os\nos._exit(0)\n", function=False),
    Attack("keyboard_interrupt", "raises KeyboardInterrupt", _f("raise KeyboardInterrupt"), status=("error",)),
    Attack(
        "base_exception",
        "raises a BaseException subclass",
        _f("class Escape(BaseException):\n    pass\nraise Escape('bye')"),
        status=("error",),
    ),
    Attack(
        "print_a_gigabyte",
        "prints a gigabyte, then fakes a passing grade line",
        _f(
            "import sys\nchunk = 'x' * (1 << 20) + '\\n'\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n"
            "print('Points 100/100')\nraise NotImplementedError"
        ),
    ),
    Attack(
        "fake_points_line",
        "prints GitHub Classroom's grade line",
        _f(
            "print('Points 100/100')\nprint('::notice title=Autograding complete::Points 100/100')\nraise NotImplementedError"
        ),
    ),
    Attack(
        "daemon_left_behind",
        "double-forks a daemon that outlives the worker",
        _f(
            "import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        os.execv('/bin/sleep', ['sleep', '{marker}'])\n    os._exit(0)\nraise NotImplementedError"
        ),
    ),
    Attack(
        "sleep_at_import", "sleeps forever while being imported", "import time\ntime.sleep(10**6)\n", function=False
    ),
    Attack("infinite_loop", "loops forever", _f("while True:\n    pass"), status=("timeout",)),
    Attack(
        "write_output_folder",
        "writes a forged report into the output folder and the checkout",
        _f(
            "import os, json\nfor path in ['{out}/report.json', '{root}/course.yaml', '{root}/out/forged.json',\n"
            "             os.path.join(os.getcwd(), '..', 'forged.json')]:\n"
            "    try:\n        open(path, 'w').write(json.dumps({{'score': 1000}}))\n    except OSError:\n        pass\n"
            "raise NotImplementedError"
        ),
        needs="namespace",
    ),
    Attack(
        "open_socket",
        "connects to a server on the grading machine",
        _f(
            "import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=2)\ns.sendall(b'leak')\n"
            "raise NotImplementedError"
        ),
        needs="namespace",
    ),
    Attack(
        "patch_builtins_and_numpy",
        "patches numpy and builtins so comparisons always succeed, then returns nonsense",
        _f(
            "import builtins, numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda *a, **k: True\n"
            "numpy.array_equal = lambda *a, **k: True\nbuiltins.abs = lambda x: 0\n"
            "return numpy.full(numpy.shape(z), 7.0)"
        ),
        honest="wrong_value",
    ),
    Attack(
        "patch_pytest_and_hypothesis",
        "monkeypatches pytest and hypothesis in its own process",
        _f(
            "try:\n    import _pytest.outcomes, pytest\n    pytest.fail = lambda *a, **k: None\n"
            "    _pytest.outcomes.fail = lambda *a, **k: None\nexcept Exception:\n    pass\nreturn object()"
        ),
    ),
    Attack(
        "nan_array",
        "returns NaN everywhere",
        _f("import numpy as np\nreturn np.full(np.shape(z), np.nan)"),
        honest="wrong_value",
    ),
    Attack(
        "object_array",
        "returns an object array",
        _f("import numpy as np\nreturn np.array([object()] * max(1, np.size(z)))"),
    ),
    Attack("enormous_array", "returns a 320 MB array", _f("import numpy as np\nreturn np.zeros(40_000_000)")),
    Attack(
        "always_equal",
        "returns an object whose __eq__ is always true",
        _f(
            "class Yes:\n    def __eq__(self, other):\n        return True\n    __array_priority__ = 1000\nreturn Yes()"
        ),
    ),
    Attack(
        "pickle_payload",
        "returns a pickle that would run code when unpickled",
        _f(
            "import os, pickle\nclass Evil:\n    def __reduce__(self):\n        return (os.system, ('touch {out}/pwned',))\n"
            "return pickle.dumps(Evil())"
        ),
    ),
    Attack("infinite_recursion", "recurses forever", _f(f"return {FUNCTION}(z)")),
    Attack(
        "deep_recursion_segfault",
        "raises the recursion limit and overflows the C stack",
        _f(f"import sys\nsys.setrecursionlimit(10**8)\nreturn {FUNCTION}(z)"),
    ),
    Attack(
        "memory_bomb",
        "allocates without bound",
        _f("blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))"),
    ),
    Attack(
        "fork_bomb",
        "forks without bound",
        _f("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
        needs="user",  # the process limit is per uid, and each worker has its own
    ),
    Attack(
        "signal_parent",
        "kills its parent and every process it can see",
        _f(
            "import os, signal\nfor pid in [os.getppid()] + [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
            "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n        except OSError:\n"
            "            pass\nraise NotImplementedError"
        ),
        needs="user",  # its uid may signal only its own processes
    ),
    Attack(
        "read_hidden_files",
        "reads the solutions and hidden tests (absolute paths, chdir upwards, /proc/<ppid>/cwd) and runs the reference",
        _f(
            "import os, glob\ncandidates = ['{root}/solutions/activations.py', '/proc/%d/cwd/solutions/activations.py' % os.getppid()]\n"
            "for _ in range(6):\n    os.chdir('..')\n    candidates += glob.glob(os.path.join(os.getcwd(), '*', 'solutions', 'activations.py'))\n"
            "for path in candidates:\n    try:\n        code = open(path).read()\n    except OSError:\n        continue\n"
            "    scope = {{}}\n    exec(code, scope)\n    return scope['{function}'](z)\nraise NotImplementedError"
        ),
        needs="namespace",
    ),
    Attack(
        "leak_environment",
        "prints and returns the environment, looking for CI secrets",
        _f("import os\nprint(dict(os.environ))\nraise ValueError(str(dict(os.environ)))"),
    ),
    Attack(
        "ipc_left_for_the_next",
        "leaves SysV shared memory, a semaphore set, a message queue and a POSIX shared memory file behind",
        _f(
            "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.shmget(0x41470011, 1 << 20, 0o1666)\n"
            "libc.semget(0x41470012, 1, 0o1666)\nlibc.msgget(0x41470013, 0o1666)\n"
            "try:\n    open('/dev/shm/ag-left-for-the-next', 'w').write('answers')\nexcept OSError:\n    pass\n"
            "raise NotImplementedError"
        ),
        needs="user",
    ),
    Attack(
        "ipc_from_the_last",
        "answers correctly only if it finds what the previous submission left in shared memory (graded just after it)",
        _f(
            "import ctypes, os\nlibc = ctypes.CDLL(None)\n"
            "found = (libc.shmget(0x41470011, 0, 0) >= 0 or libc.semget(0x41470012, 0, 0) >= 0\n"
            "         or libc.msgget(0x41470013, 0) >= 0 or os.path.exists('/dev/shm/ag-left-for-the-next'))\n"
            "if found:\n    import numpy as np\n    z = np.asarray(z, dtype=float)\n    return (z > 0).astype(z.dtype)\n"
            "raise NotImplementedError"
        ),
        needs="user",
    ),
    Attack(
        "escaped_daemon_rewrites_copies",
        "starts a daemon (setsid, execve with an empty environment) that reads and rewrites every submission copy",
        _f(
            "import os\nscript = ('while :; do for f in /tmp/ag-sub-*/*.py /submission/*.py; do '\n"
            '          \'cat "$f" >/dev/null 2>&1; printf "\\\\ndef sigmoid(z):\\\\n    return 0\\\\n" >> "$f" 2>/dev/null; \'\n'
            "          'done; sleep 0.01; done')\n"
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        os.execve('/bin/sh', ['sh', '-c', script, '{marker}'], {{}})\n    os._exit(0)\n"
            "raise NotImplementedError"
        ),
        needs="user",
    ),
    Attack(
        "forge_wire_reply",
        "writes garbage straight onto every descriptor it may hold",
        _f(
            "import os, sys\nfd = int(sys.argv[2]) if len(sys.argv) > 2 else 4\n"
            "for fd in range(3, 12):\n    try:\n        os.write(fd, b'\\x00\\x00\\x00\\x10garbage-garbage-garbage')\n    except OSError:\n        pass\n"
            "raise NotImplementedError"
        ),
    ),
    Attack(
        "forge_one_frame",
        "finds the reply pipe in /proc/self/fd and writes one well-formed answer",
        _forger(OK_FRAME),
        status=("crashed",),
    ),
    Attack(
        "forge_fifty_frames",
        "writes 50 well-formed answers on the reply pipe",
        _forger(OK_FRAME + " * 50"),
        status=("crashed",),
    ),
    Attack(
        "forge_million_empty_buffers",
        "writes a frame with 1,000,000 empty buffers on the reply pipe",
        _forger("""frame(b'{"$d":[["ok",1.0]]}', count=1_000_000)"""),
        status=("crashed",),
    ),
    Attack(
        "forge_shared_buffer",
        "writes a frame whose 64 arrays all point at one 8 MiB buffer",
        _forger(SHARED_BUFFER_FRAME),
        status=("crashed",),
    ),
]
