"""``autograder check``: the public tests, run on the student's own machine, in about a second.

Grading runs the hidden tests with the student's code in a sandbox. Checking
is different: it is the student's own machine and their own code, so the
public tests run in this process (fast: one pytest session, no workers) and
the aim is a friendly answer to "am I on the right track?": a table per
lesson, the first problem in each, a hint, and ``Points X/Y`` (public tests
passed) for GitHub Classroom's legacy reader. The exit status is non-zero
while a test fails, so a student's CI or pre-commit hook can use it.

The public tests live in ``<exercises_dir>/tests/test_<lesson>.py`` and
``import <lesson>``. How the lessons are imported and pytest is run is in
``autograder.checking.session``; the result model in ``autograder.checking.model``.

From a notebook, ``from autograder import check; check()`` runs the public
tests on the notebook's current definitions: the names in ``__main__`` are
injected as the lesson module, so there is nothing to save or export first.

Formatting (text, Markdown, HTML, Classroom's runner result) is in
``autograder.checking.format``.
"""

from __future__ import annotations

import ast
import os
import sys
import time
import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from autograder.checking.format import format_html, format_text
from autograder.checking.model import CheckReport, CheckStatus, LessonCheck, PublicTest
from autograder.errors import AutograderError

__all__ = [
    "DEFAULT_TIMEOUT",
    "CheckReport",
    "CheckStatus",
    "LessonCheck",
    "PublicTest",
    "check",
    "find_work_dir",
    "lesson_functions",
    "public_test_files",
    "run_checks",
]

DEFAULT_TIMEOUT = 10.0  # seconds per public test; they take milliseconds when the code is right


# --------------------------------------------------------------------------- where things are


def find_work_dir(path: Path | str | None = None) -> tuple[Path, Any]:
    """(folder with the lesson modules, PublicCourse or None).

    ``path`` given: that folder. Otherwise the nearest course.yaml's
    ``exercises_dir`` (``exercises/`` in the instructor's repository, the
    repository itself in a student's), or the current folder when it has a
    ``tests/`` folder of public tests.
    """
    from autograder.checking.public_course import find_course_file, read_public_course

    if path is not None:
        folder = Path(path).resolve()
        if not folder.is_dir():
            raise AutograderError(f"{folder}: no such folder; pass the folder that holds your lesson modules")
        course_file = find_course_file(folder)
        course = read_public_course(course_file) if course_file else None
        return folder, course
    here = Path.cwd()
    course_file = find_course_file(here)
    if course_file is not None:
        course = read_public_course(course_file)
        return course.exercises_dir, course
    if (here / "tests").is_dir():
        return here.resolve(), None
    raise AutograderError(
        f"no course.yaml in {here} or above it, and no tests/ folder here; "
        "run autograder check inside your exercise repository, or pass the folder: autograder check --path DIR"
    )


def public_test_files(work_dir: Path, tests_dir: Path | None = None) -> dict[str, Path]:
    """lesson id -> its public test file (``tests/test_<lesson>.py``), sorted by lesson."""
    tests = tests_dir if tests_dir is not None else work_dir / "tests"
    if not tests.is_dir():
        return {}
    return {p.stem[len("test_") :]: p for p in sorted(tests.glob("test_*.py")) if p.is_file()}


def _test_names(file: Path) -> list[str]:
    """The test functions a public test file defines (read without importing it)."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (OSError, SyntaxError, ValueError):
        return []
    return [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
    ]


def lesson_functions(module_file: Path) -> list[str]:
    """The public function names a lesson module (stub or solution) defines, read without running it."""
    try:
        tree = ast.parse(module_file.read_text(encoding="utf-8"), str(module_file))
    except (OSError, SyntaxError, ValueError):
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


# --------------------------------------------------------------------------- running


def run_checks(
    work_dir: Path | str,
    *,
    lessons: Iterable[str] | None = None,
    modules: Mapping[str, types.ModuleType] | None = None,
    course: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
    tests_dir: Path | str | None = None,
) -> CheckReport:
    """Run the public tests in ``work_dir/tests`` (or ``tests_dir``) on the lesson modules in ``work_dir``.

    ``modules``: lesson modules to use instead of importing ``<lesson>.py``
    (the notebook API injects the notebook's names this way). Everything
    this puts in ``sys.modules`` or ``sys.path`` is taken out again, so
    checks can run again and again in one process (a notebook kernel).
    """
    from autograder.checking.session import import_lesson, lives_under, notebook_sources, run_pytest

    start = time.perf_counter()
    work_dir = Path(work_dir).resolve()
    tests_dir = Path(tests_dir).resolve() if tests_dir is not None else work_dir / "tests"
    files = public_test_files(work_dir, tests_dir)
    order = [e.id for e in course.exercises] if course is not None else []
    if lessons is not None:
        wanted = list(dict.fromkeys(lessons))
        unknown = [x for x in wanted if x not in files]
        if unknown:
            known = ", ".join(files) or "none"
            raise AutograderError(
                f"no public tests for {', '.join(unknown)} in {tests_dir} (lessons with public tests: {known})"
            )
        files = {x: files[x] for x in wanted}
    if not files:
        raise AutograderError(
            f"{tests_dir}: no public tests (test_<lesson>.py) found; "
            "run autograder check in your exercise repository, or pass the folder: autograder check --path DIR"
        )
    ordered = sorted(files, key=lambda x: (order.index(x) if x in order else len(order), x))
    modules = dict(modules or {})
    saved_modules = {name: sys.modules.get(name) for name in ordered}
    saved_path = list(sys.path)
    before = set(sys.modules)
    problems: dict[str, tuple[str, str]] = {}
    outcomes: dict[str, list[PublicTest]] = {}
    nb_notes: list[str] = []
    try:
        sys.path.insert(0, str(work_dir))
        for lesson in ordered:
            sys.modules.pop(lesson, None)
        from_notebooks, nb_notes = ({}, []) if modules else notebook_sources(work_dir, ordered)
        for lesson in ordered:
            if lesson in modules:
                sys.modules[lesson] = modules[lesson]
            else:
                problem = import_lesson(work_dir, lesson, from_notebooks.get(lesson))
                if problem:
                    problems[lesson] = problem
        runnable = [files[x] for x in ordered if x not in problems]
        if runnable:
            outcomes = run_pytest(work_dir, runnable, set(ordered), timeout, notebook=bool(modules))
    finally:
        for name in set(sys.modules) - before:
            mod = sys.modules.get(name)
            if name in saved_modules or lives_under(mod, work_dir):
                sys.modules.pop(name, None)
        for name, mod in saved_modules.items():
            if mod is not None:
                sys.modules[name] = mod
            else:
                sys.modules.pop(name, None)
        sys.path[:] = saved_path
    checks = []
    for lesson in ordered:
        title = course.title(lesson) if course is not None else lesson
        if lesson in problems:
            message, hint = problems[lesson]
            tests = tuple(PublicTest(lesson, n, "error", message, hint) for n in _test_names(files[lesson]))
            checks.append(LessonCheck(lesson, title, tests, problem=message))
            continue
        got = outcomes.get(lesson, [])
        ran = {t.name.split("[")[0] for t in got}
        # a test file that failed to load (it imports something missing) still counts its tests
        not_run = [n for n in _test_names(files[lesson]) if n not in ran]
        collect = outcomes.get(f"{lesson}::collect")
        message = collect[0].message if collect else "this test did not run"
        hint = collect[0].hint if collect else ""
        got = [*got, *(PublicTest(lesson, n, "error", message, hint) for n in not_run)]
        checks.append(LessonCheck(lesson, title, tuple(got), problem=message if collect else ""))
    notes: list[str] = list(nb_notes) if not modules else []
    if course is not None:
        no_public = [e.id for e in course.exercises if e.id not in files and lessons is None]
        if no_public:
            notes.append(f"no public tests for {', '.join(no_public)}: the hidden tests still grade them")
    return CheckReport(
        course=course.name if course is not None else "",
        work_dir=str(work_dir),
        lessons=tuple(checks),
        duration=time.perf_counter() - start,
        source="notebook" if modules else "files",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- the notebook API


def _namespace_lessons(work_dir: Path, names: Mapping[str, Any], candidates: list[str]) -> list[str]:
    """The lessons a namespace works on: those with the largest share of their functions defined there."""
    best, chosen = 0.0, []
    for lesson in candidates:
        funcs = lesson_functions(work_dir / f"{lesson}.py")
        if not funcs:
            continue
        share = sum(callable(names.get(f)) for f in funcs) / len(funcs)
        if share > best:
            best, chosen = share, [lesson]
        elif share == best and share > 0:
            chosen.append(lesson)
    return chosen


def _module_from_namespace(lesson: str, names: Mapping[str, Any]) -> types.ModuleType:
    module = types.ModuleType(lesson, f"{lesson}, as defined in your notebook")
    module.__dict__.update({k: v for k, v in names.items() if not (k.startswith("__") and k.endswith("__"))})
    return module


def _notebook_folder(path: Path | str | None, tests: Path | str | None) -> tuple[Path, Any, Path]:
    """(folder with the lesson modules, PublicCourse or None, public tests folder) for ``check()``.

    Its errors give notebook advice: where the tests must be, or ``check(tests=...)``.
    """
    from autograder.checking.public_course import find_course_file, read_public_course

    if tests is not None:
        tests_dir = Path(tests).resolve()
        if not tests_dir.is_dir():
            raise AutograderError(f"check(tests={str(tests)!r}): {tests_dir} is not a folder; "
                                  "pass the folder that holds the public tests (test_<lesson>.py)")  # fmt: skip
        folder = Path(path).resolve() if path is not None else Path.cwd().resolve()
        course_file = find_course_file(folder)
        return folder, (read_public_course(course_file) if course_file else None), tests_dir
    try:
        folder, course = find_work_dir(path)
    except AutograderError:
        folder, course = (Path(path) if path is not None else Path.cwd()).resolve(), None
    tests_dir = folder / "tests"
    if not public_test_files(folder, tests_dir):
        raise AutograderError(
            f"check(): no public tests next to this notebook: {tests_dir} has no test_<lesson>.py. "
            "Open the notebook from the folder it came in (your exercise repository, or the assignment "
            "folder nbgrader gave you), which has the tests/ folder beside it; or say where the tests are: "
            "check('activations', tests='path/to/tests')"
        )
    return folder, course, tests_dir


def _failures(report: CheckReport) -> str:
    """The failing public tests, one line each, for the AssertionError of a strict check()."""
    lines = [f"{report.total - report.passed} of {report.total} public tests fail:"]
    for lesson in report.lessons:
        lines += [f"  {lesson.id}: {t.name}: {(t.message.strip().splitlines() or [t.status])[0]}"
                  for t in lesson.tests if not t.passed]  # fmt: skip
    return "\n".join(lines)


def check(
    lesson: str | Iterable[str] | None = None,
    *,
    path: Path | str | None = None,
    tests: Path | str | None = None,
    namespace: Mapping[str, Any] | None = None,
    display: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    strict: bool | None = None,
) -> CheckReport:
    """Run the public tests on the calling notebook's (or script's) current definitions.

    ``check()`` works out the lesson from the functions you defined;
    ``check("activations")`` names it. The table shows as HTML in Jupyter and
    as text elsewhere. Nothing needs saving first: the functions as they are
    in memory right now are what gets tested.

    The public tests are in ``tests/`` beside the notebook; ``tests="path"`` names
    another folder. ``strict``: raise ``AssertionError`` (listing the failing tests)
    after showing the table while a public test fails; by default only under
    nbgrader's Validate (``NBGRADER_VALIDATING=1``), so Validate fails on unfinished work.
    """
    names = namespace if namespace is not None else vars(sys.modules["__main__"])
    work_dir, course, tests_dir = _notebook_folder(path, tests)
    files = public_test_files(work_dir, tests_dir)
    if lesson is None:
        lessons = _namespace_lessons(work_dir, names, list(files))
        if not lessons:
            raise AutograderError(
                "check(): none of the lesson functions are defined here yet; run the cells that define them, "
                f"or name the lesson, e.g. check({next(iter(files), 'activations')!r})"
            )
    else:
        lessons = [lesson] if isinstance(lesson, str) else list(lesson)
    modules = {x: _module_from_namespace(x, names) for x in lessons}
    report = run_checks(work_dir, lessons=lessons, modules=modules, course=course, timeout=timeout, tests_dir=tests_dir)
    if display:
        _show(report)
    if strict is None:
        strict = os.environ.get("NBGRADER_VALIDATING") == "1"
    if strict and not report.ok:
        raise AssertionError(_failures(report))
    return report


def _show(report: CheckReport) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        shell = get_ipython()
    except Exception:  # noqa: BLE001 - no IPython: plain text
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(HTML(format_html(report)))
    else:
        print(format_text(report))
