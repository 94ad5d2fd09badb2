"""The adversarial suite: every attack in tests/adversarial is worthless.

For each attack: the attacked exercise earns no more than an honest "not
implemented" would; every exercise that does not import the attacked module
is graded normally (full marks); the grader survives and keeps grading; no
file outside the worker's temporary folder changes; no process is left
behind; no secret from the grader's environment reaches a report; and no
connection reaches a server on the machine.

All attacks are graded in one session (with short timeouts so loops and
sleeps cost little), once at each level offered for untrusted code
(``user`` and ``namespace``) that this machine provides; a level it cannot
provide is skipped with the reason. Attacks whose defence needs a stronger
level are skipped at the weaker one. CI runs as root with bubblewrap and an
interpreter other uids can run (.ci/run), so there both levels run.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import socket
import threading
from pathlib import Path

import pytest

from autograder.classes.jobs import Grader
from autograder.commands.grade import format_table
from autograder.sandbox import LEVELS, available_levels
from autograder.sandbox import users as sandbox_users
from autograder.submission import load_submission
from tests.adversarial import ATTACKS, FUNCTION, NOT_IMPLEMENTED, WRONG_VALUE, Attack
from tests.catalogue import SOLUTIONS, replace_functions, strip_markers

pytestmark = pytest.mark.slow  # grades every attack at every level

SECRET = "ag-secret-7f3a91c2"
MARKER = "31337.424242"  # sleep's argument: how the test finds a daemon left behind
ATTACKED = "activations"  # the module holding FUNCTION


def leaf_module() -> str:
    """A lesson module no other lesson imports: module-level attacks go there."""
    modules = {p.stem for p in SOLUTIONS.glob("*.py")}
    imported = set()
    for p in SOLUTIONS.glob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    leaves = sorted(modules - imported - {"catdata"}, key=lambda m: (m != "spiking", m))
    return leaves[0] if leaves else ATTACKED


def dependents(module: str) -> set[str]:
    """Lessons that import ``module``, directly or through another lesson."""
    graph: dict[str, set[str]] = {}
    for p in SOLUTIONS.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Import):
                deps |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module.split(".")[0])
        graph[p.stem] = deps
    out, changed = {module}, True
    while changed:
        changed = False
        for name, deps in graph.items():
            if name not in out and deps & out:
                out.add(name)
                changed = True
    return out


def write_submission(folder: Path, module: str, *, function_source: str | None = None, prelude: str = "") -> Path:
    folder.mkdir(parents=True)
    for src in sorted(SOLUTIONS.glob("*.py")):
        text = strip_markers(src.read_text())
        if src.stem == module:
            if function_source is not None:
                text = replace_functions(text, {FUNCTION: function_source})
            text = prelude + text
        (folder / src.name).write_text(text)
    return folder


def snapshot(root: Path, *, deep: bool = True) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file under ``root`` (``deep=False``: the top level only)."""
    skip = {".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache"}
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip] if deep else []
        for name in filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            state[p] = (st.st_size, st.st_mtime_ns)
    return state


def checkout_state(root: Path) -> dict[str, tuple[int, int]]:
    """What the attacks aim at in the checkout: its top level (course.yaml, forged files), out/,
    the solutions and the hidden tests. (Not the whole tree: developers may be editing other files.)"""
    state = snapshot(root, deep=False)
    for sub in ("out", "solutions", "tests/grading"):
        if (root / sub).is_dir():
            state.update(snapshot(root / sub))
    return state


class Listener:
    """A TCP server on loopback that records whether anyone connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


UNTRUSTED = ("user", "namespace")  # the levels offered for untrusted code
_WHY = {
    "user": "the user level needs root and an interpreter other uids can run (not one under /root)",
    "namespace": "the namespace level needs bubblewrap (bwrap) that works here",
}
LEVELS_UNDER_TEST = [
    pytest.param(lv, marks=pytest.mark.skipif(lv not in available_levels(), reason=_WHY[lv])) for lv in UNTRUSTED
]
VICTIM = "victim-after-the-attacks"  # an honest submission graded after every attack


def runnable(attack: Attack, level: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(attack.needs)


@pytest.fixture(scope="module", params=LEVELS_UNDER_TEST)
def attacked(request, course, tmp_path_factory, root):
    """Grade every runnable attack plus the honest baselines in one session; record what happened around it."""
    level = request.param
    work = tmp_path_factory.mktemp(f"adversarial-{level}")
    out = work / "out"
    out.mkdir()
    (out / "existing.json").write_text("{}")
    listener = Listener()
    values = dict(root=str(root), out=str(out), port=listener.port, secret=SECRET, marker=MARKER, function=FUNCTION)
    leaf = leaf_module()
    subs = [
        load_submission(
            write_submission(work / "baseline-not_implemented", ATTACKED, function_source=NOT_IMPLEMENTED),
            label="baseline-not_implemented",
        ),
        load_submission(
            write_submission(work / "baseline-wrong_value", ATTACKED, function_source=WRONG_VALUE),
            label="baseline-wrong_value",
        ),
        load_submission(write_submission(work / "reference", ATTACKED), label="reference"),
    ]
    targets = {}
    for attack in ATTACKS:
        if not runnable(attack, level):
            continue
        source = attack.source.format(**values)
        if attack.function:
            folder = write_submission(work / attack.id, ATTACKED, function_source=source)
            targets[attack.id] = ATTACKED
        else:
            folder = write_submission(work / attack.id, leaf, prelude=source + "\n")
            targets[attack.id] = leaf
        subs.append(load_submission(folder, label=attack.id))
    subs.append(load_submission(write_submission(work / VICTIM, ATTACKED), label=VICTIM))
    limits = dataclasses.replace(course.limits, call_timeout=2.0, test_timeout=6.0)
    # A course that accepts the user level (as one graded on Gradescope's containers must).
    minimum = min(level, course.minimum_isolation, key=LEVELS.index)
    fast = dataclasses.replace(course, limits=limits, minimum_isolation=minimum)
    os.environ["AG_TEST_SECRET"] = SECRET
    before_repo, before_out = checkout_state(root), snapshot(out)
    # The uids this grading leases (the user level): other tests running beside this one use others.
    leased: set[int] = set()
    lease = sandbox_users.SandboxUser.__init__

    def recording_lease(self: sandbox_users.SandboxUser) -> None:
        lease(self)
        leased.add(self.uid)

    sandbox_users.SandboxUser.__init__ = recording_lease  # type: ignore[method-assign]
    try:
        # As a batch job grades: the reference first (calibration, in the sandbox like any submission),
        # then every submission with its inputs replayed, which spares generating them again for each.
        reports = Grader(fast, isolation=level).grade(subs)
    finally:
        sandbox_users.SandboxUser.__init__ = lease  # type: ignore[method-assign]
        os.environ.pop("AG_TEST_SECRET", None)
        listener.close()
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if MARKER.encode() in cmd:
            leftovers.append(int(pid))
            os.kill(int(pid), 9)
    return dict(
        level=level,
        reports=reports,
        targets=targets,
        sandbox_processes=_sandbox_processes(leased),
        listener=listener,
        leftovers=leftovers,
        out=out,
        repo_changed=sorted(set(checkout_state(root).items()) ^ set(before_repo.items())),
        out_changed=sorted(set(snapshot(out).items()) ^ set(before_out.items())),
    )


def test_suite_has_at_least_twenty_attacks():
    assert len(ATTACKS) >= 20
    assert len({a.id for a in ATTACKS}) == len(ATTACKS)


def test_reference_in_the_same_session_keeps_full_marks(attacked):
    report = attacked["reports"]["reference"]
    assert report.score == report.max_score


def test_an_honest_submission_graded_after_every_attack_keeps_full_marks(attacked):
    """Nothing an attack left behind (files, shared memory, a daemon rewriting copies) reaches it."""
    report = attacked["reports"][VICTIM]
    assert report.score == report.max_score, [t.message for e in report.exercises for t in e.tests if not t.passed]


def test_a_wrong_answer_earns_no_more_than_not_implemented(attacked):
    """Hygiene points (the input is left unchanged) need a correct answer: a constant earns what a raise earns."""
    wrong = attacked["reports"]["baseline-wrong_value"].exercise(ATTACKED)
    honest = attacked["reports"]["baseline-not_implemented"].exercise(ATTACKED)
    assert wrong.score == honest.score, [(t.name, t.passed) for t in wrong.tests]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.id)
def test_attack_earns_nothing_and_harms_nothing_else(attacked, attack):
    level = attacked["level"]
    if not runnable(attack, level):
        pytest.skip(f"defending {attack.id!r} needs isolation {attack.needs!r}; this run is at {level!r}")
    report = attacked["reports"][attack.id]
    target = attacked["targets"][attack.id]
    baseline = attacked["reports"][f"baseline-{attack.honest}"]
    ex = report.exercise(target)
    if attack.function:
        assert ex.score <= baseline.exercise(target).score, f"{attack.id} earned points it did not honestly earn"
        relevant = [t for t in ex.tests if not t.passed]
        assert relevant, "the attacked function's tests should not pass"
        if attack.status:
            hit = [t for t in relevant if t.status in attack.status]
            assert hit, [(t.name, t.status, t.message) for t in relevant]
    else:
        assert ex.score == 0, f"{attack.id} earned {ex.score} in {target}"
    spared = [e for e in report.exercises if e.id not in dependents(target)]
    for e in spared:
        assert e.score == e.max_score, (
            f"{attack.id} cost points in {e.id}: {[t.message for t in e.tests if not t.passed]}"
        )
    assert report.isolation == level
    text = json.dumps(report.to_dict())
    assert SECRET not in text, "a secret from the grader's environment reached the report"
    assert len(report.output) < 70 * 1024, "captured output is not truncated"
    assert "Points 100/100" not in format_table(report)


def test_nothing_outside_the_sandbox_changed(attacked):
    assert attacked["repo_changed"] == []
    assert attacked["out_changed"] == []
    assert not (attacked["out"] / "pwned").exists()


def test_no_process_is_left_behind(attacked):
    assert attacked["leftovers"] == []
    assert attacked["sandbox_processes"] == [], "a process of a sandbox uid outlived the grading"


def _sandbox_processes(uids: set[int]) -> list[str]:
    """Processes of these sandbox uids still running (zombies aside), as "pid: command"."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as fh:
                fields = {k: v.strip() for k, _, v in (line.partition(":") for line in fh)}
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
        except OSError:
            continue
        if not fields.get("State", "").startswith("Z") and any(int(u) in uids for u in fields.get("Uid", "").split()):
            found.append(f"{pid}: {cmd.decode(errors='replace')}")
    return found


def test_no_connection_reached_the_machine(attacked):
    if "open_socket" not in attacked["reports"]:
        pytest.skip("the network attack needs the namespace level")
    assert attacked["listener"].connections == 0


def test_messages_say_what_happened(attacked):
    reports = attacked["reports"]

    def messages(attack_id: str) -> str:
        return "\n".join(t.message for t in reports[attack_id].tests if not t.passed)

    assert "did not return within 2 s" in messages("infinite_loop")
    assert "importing your" in messages("sleep_at_import") and "did not finish" in messages("sleep_at_import")
    # Under heavy load the bomb may hit the clock before the memory limit; either way it is stopped.
    assert any(w in messages("memory_bomb") for w in ("memory", "crashed", "did not return"))
    assert "not plain data" in messages("object_array")
    assert "not plain data" in messages("pickle_payload")
    assert "exit" in messages("sys_exit_in_call").lower()
    assert "ended the process" in messages("os_exit_in_call")
    for forger in ("forge_one_frame", "forge_fifty_frames"):
        assert "reply channel" in messages(forger)
    assert "not a valid answer" in messages("forge_million_empty_buffers")
    assert "same buffer" in messages("forge_shared_buffer")
