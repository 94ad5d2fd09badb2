"""The hypothesis internals the grader relies on (``autograder.grading._hypothesis.INTERNALS``).

Each test names the internal, and what breaks, so a new hypothesis release that moves one says
exactly which piece of autograder/grading/_hypothesis.py to update.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import hypothesis
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.grading import _hypothesis as internals

VERSION = f"hypothesis {hypothesis.__version__}"


def _moved(name: str) -> str:
    return (
        f"{VERSION} moved {name}, which {internals.INTERNALS[name]} relies on: update autograder/grading/_hypothesis.py"
    )


@given(st.integers())
def _a_test(x: int) -> None:
    pass


def test_every_internal_is_listed():
    assert len(internals.INTERNALS) == 8


def test_the_forced_seed_is_where_the_audit_sets_it():
    from hypothesis import core

    assert hasattr(core, "global_force_seed"), _moved("hypothesis.core.global_force_seed")
    internals.load_profile(5, seed=1234)
    try:
        assert core.global_force_seed == 1234
    finally:
        internals.unset_seed()
    assert core.global_force_seed is None


def test_per_test_settings_are_read_from_the_attribute_hypothesis_attaches():
    name = "test._hypothesis_internal_use_settings"
    assert isinstance(getattr(_a_test, "_hypothesis_internal_use_settings", None), settings), _moved(name)
    internals.register_profile(40)

    @given(st.integers())
    def fresh(x: int) -> None:
        pass

    internals.set_max_examples(fresh, 3)
    assert fresh._hypothesis_internal_use_settings.max_examples == 3, _moved(name)
    calls = []
    internals.set_inner_test(fresh, lambda x: calls.append(x))
    fresh()
    assert 0 < len(calls) <= 3, _moved(name)


def test_the_inner_test_can_be_swapped_and_keeps_its_seed():
    assert internals.is_hypothesis_test(_a_test), _moved("test.hypothesis.inner_test")
    inner = internals.inner_test(_a_test)
    assert callable(inner), _moved("test.hypothesis.inner_test")
    digest = internals.source_digest(inner)
    assert isinstance(digest, bytes) and digest == internals.source_digest(inner), _moved(
        "hypothesis.internal.reflection.function_digest"
    )


def test_the_pytest_plugin_is_handed_the_minimal_failing_call(tmp_path):
    (tmp_path / "test_fails.py").write_text(
        textwrap.dedent("""
        from hypothesis import given, settings, strategies as st

        @settings(derandomize=True, database=None)
        @given(st.integers())
        def test_small(x):
            assert x < 10
    """)
    )
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent("""
        import pytest
        from autograder.grading._hypothesis import failing_examples

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            yield
            if call.when == "call":
                print("FAILING-EXAMPLES", repr(failing_examples(item)))
    """)
    )
    done = subprocess.run([sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("FAILING-EXAMPLES")), "")
    assert "test_small(" in line and "x=10" in line, (
        _moved("item._hypothesis_failing_examples") + "\n" + done.stdout[-2000:]
    )


_PROBE = """
import json, sys
fixed, load = sys.argv[1] == "1", sys.argv[2] == "1"
if load:
    sys.path.insert(0, sys.argv[3])
    import ag_constants  # a module of the grader's process, full of numbers
if fixed:
    from autograder.grading._hypothesis import no_local_constants
    no_local_constants()
from hypothesis import given, settings, strategies as st
seen = []
@settings(derandomize=True, database=None, max_examples=300)
@given(st.floats(-10, 10), st.integers(-(10**9), 10**9))
def probe(x, n):
    seen.append((x, n))
probe()
print(json.dumps(seen))
"""


def _draws(tmp_path, *, fixed: bool, load: bool) -> list:
    """A derandomized test's inputs in a fresh process that has (or has not) loaded a module of constants."""
    import json
    import os

    folder = tmp_path / "modules"
    folder.mkdir(exist_ok=True)
    (folder / "ag_constants.py").write_text(
        "".join(f"C{i} = {7.123456 + i}\nN{i} = {987654321 + i}\n" for i in range(40))
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(int(fixed)), str(int(load)), str(folder)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [tuple(pair) for pair in json.loads(done.stdout)]


def test_grading_inputs_do_not_depend_on_the_modules_the_process_loaded(tmp_path):
    """Hypothesis draws constants from local modules' source: grading turns that off, so the same hidden test
    gets the same inputs whether the autograder is installed editable or as a wheel, in a batch job or alone."""
    from hypothesis.internal.conjecture import providers

    for internal in ("_get_local_constants", "CONSTANTS_CACHE", "Constants"):
        assert hasattr(providers, internal), _moved(f"hypothesis.internal.conjecture.providers.{internal}")
    name = "hypothesis.internal.conjecture.providers._get_local_constants"
    assert _draws(tmp_path, fixed=True, load=False) == _draws(tmp_path, fixed=True, load=True), _moved(name)
    # and the hazard is real: without it, a process that loaded the module draws other inputs
    ours = {7.123456 + i for i in range(40)} | {987654321 + i for i in range(40)}
    plain, loaded = _draws(tmp_path, fixed=False, load=False), _draws(tmp_path, fixed=False, load=True)
    assert plain != loaded and any(x in ours or n in ours for x, n in loaded)


def test_a_grading_session_in_another_thread_registers_the_profile_without_a_deprecation():
    """Dask tasks and watched gradings run in threads of their own; hypothesis deprecates (and will refuse)
    registering a profile while that thread's settings differ from the current profile."""
    import threading
    import warnings

    internals.load_profile(7)
    errors: list[BaseException] = []

    def grading_thread() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                internals.load_profile(9)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=grading_thread)
    thread.start()
    thread.join()
    assert errors == []
