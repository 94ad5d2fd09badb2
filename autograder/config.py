"""course.yaml, validated once into a typed ``Course``.

Everything the grader needs to know about a unit lives in course.yaml: where
the reference solutions and hidden tests are, the exercises and the points
of each hidden test, the sandbox limits, the deadline and late policy. It is
read once, checked completely, and turned into frozen dataclasses; nothing
downstream looks at raw YAML again.

Errors are ``ConfigError`` and name the file, the line, the key and the fix.
An unknown key gets a did-you-mean. A bad course.yaml never gets as far as
grading, so it can never produce a partial grade.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from autograder.errors import ConfigError
from autograder.sandbox import isolation as _isolation
from autograder.sandbox.isolation import LEVELS
from autograder.sandbox.limits import SandboxLimits

__all__ = [
    "Course",
    "resolve_course",
    "Exercise",
    "TestSpec",
    "LatePolicy",
    "HypothesisSettings",
    "DataSource",
    "GradebookColumns",
    "Visibility",
    "load_course",
    "find_course",
    "COURSE_FILE",
]

COURSE_FILE = "course.yaml"
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
VISIBILITIES: tuple[str, ...] = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class TestSpec:
    """One hidden test: its function name in ``tests/grading/test_<exercise>.py`` and its points."""

    exercise: str
    name: str
    points: float
    visibility: Visibility = "visible"
    hint: str = ""
    max_examples: int | None = None


@dataclass(frozen=True)
class Exercise:
    id: str  # the lesson's module name, e.g. "activations"
    title: str
    tests: tuple[TestSpec, ...]

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)


@dataclass(frozen=True)
class LatePolicy:
    """Percent of the score taken off per started day late, after a grace period, up to a cap."""

    grace_minutes: float = 0.0
    penalty_per_day: float = 0.0
    max_penalty: float = 100.0

    def penalty(self, submitted: dt.datetime | None, deadline: dt.datetime | None) -> float:
        """The penalty in percent (0..max_penalty) for a submission time."""
        if submitted is None or deadline is None:
            return 0.0
        late = (submitted - deadline).total_seconds() - self.grace_minutes * 60
        if late <= 0:
            return 0.0
        days = int(-(-late // 86400))  # every started day counts
        return min(self.max_penalty, days * self.penalty_per_day)


@dataclass(frozen=True)
class HypothesisSettings:
    max_examples: int = 50
    seed_profile: str = "autograder-grading"


@dataclass(frozen=True)
class DataSource:
    """Where the cat / not-cat images come from."""

    source: Literal["generated", "hdf5", "folder"] = "generated"
    path: Path | None = None
    seed: int = 0


@dataclass(frozen=True)
class GradebookColumns:
    """Column names of the class gradebook CSV (so LMS imports match)."""

    student: str = "student"
    total: str = "total"
    late_penalty: str = "late_penalty_percent"
    final: str = "final"
    exercise_prefix: str = ""


@dataclass(frozen=True)
class Course:
    path: Path  # the course.yaml file
    name: str
    unit: str
    reference_dir: Path
    tests_dir: Path
    exercises_dir: Path
    exercises: tuple[Exercise, ...]
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    isolation: str = "auto"
    minimum_isolation: str = "namespace"
    trusted_code: bool = False  # sandbox.trusted_code: the only way to grade at "process"
    deadline: dt.datetime | None = None
    late: LatePolicy = field(default_factory=LatePolicy)
    hypothesis: HypothesisSettings = field(default_factory=HypothesisSettings)
    data: DataSource = field(default_factory=DataSource)
    gradebook: GradebookColumns = field(default_factory=GradebookColumns)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def isolation_level(
        self, override: str | None = None, trusted_code: bool = False, *, hide: tuple[Path, ...] = ()
    ) -> _isolation.Level:
        """The level to grade this course at: the one place that decides it.

        ``override`` (``--isolation``) replaces ``sandbox.isolation``; ``trusted_code`` (``--trusted-code``)
        or ``sandbox.trusted_code`` is the only way below the sandbox (``process``) or below
        ``sandbox.minimum_isolation``. At ``namespace`` the course (and ``hide``: an output folder) is kept
        out of every sandbox view, and a sandbox proves it cannot read course.yaml, the hidden tests and
        the reference (once per process). Raises IsolationError saying what the machine lacks.
        """
        trusted = trusted_code or self.trusted_code
        level = _isolation.resolve_level(override or self.isolation, self.minimum_isolation, trusted_code=trusted)
        if level == "namespace":
            _isolation.protect(self.root, self.tests_dir, self.reference_dir, self.exercises_dir, *hide)
            _isolation.protect(tempfile.gettempdir())  # other submissions' copies, if TMPDIR is under a bound folder
            _isolation.check_hidden(*self.hidden_paths(hide))
        return level

    def hidden_paths(self, hide: tuple[Path, ...] = ()) -> tuple[Path, ...]:
        """What a sandbox must prove it cannot read (``isolation.check_hidden``) at the namespace level."""
        return (self.path, self.tests_dir, self.reference_dir, *hide)

    def exercise(self, exercise_id: str) -> Exercise:
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        raise KeyError(exercise_id)

    def test(self, exercise_id: str, name: str) -> TestSpec | None:
        for e in self.exercises:
            if e.id == exercise_id:
                for t in e.tests:
                    if t.name == name:
                        return t
        return None

    def suite_hash(self) -> str:
        """A hash of course.yaml and every hidden test file: reports graded by a different suite differ."""
        h = hashlib.sha256()
        h.update(self.path.read_bytes())
        for f in sorted(self.tests_dir.rglob("*.py")):
            h.update(str(f.relative_to(self.tests_dir)).encode())
            h.update(f.read_bytes())
        for f in sorted(self.reference_dir.rglob("*.py")):
            h.update(str(f.relative_to(self.reference_dir)).encode())
            h.update(f.read_bytes())
        return h.hexdigest()[:16]


# --------------------------------------------------------------------------- loading


def find_course(start: Path | str | None = None) -> Path:
    """The course.yaml in ``start`` or the nearest folder above it."""
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        return here
    for folder in (here, *here.parents):
        candidate = folder / COURSE_FILE
        if candidate.is_file():
            return candidate
    raise ConfigError(f"no {COURSE_FILE} found in {here} or any folder above it; pass --course PATH")


def resolve_course(course: Course | Path | str | None) -> Course:
    """A ``Course`` as given, or read from a course.yaml path (``None``: the nearest one)."""
    return course if isinstance(course, Course) else load_course(course)


def load_course(path: Path | str | None = None) -> Course:
    """Read, validate and type course.yaml. Raises ``ConfigError`` naming file, line, key and fix."""
    file = find_course(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot be read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{file}{where}: not valid YAML ({problem}); check the indentation and colons there"
        ) from None
    if node is None:
        raise ConfigError(f"{file}: the file is empty; see docs/course-yaml.md for a complete example")
    return _Reader(file).course(node)


_CONSTRUCTOR = yaml.SafeLoader("")
# libyaml where PyYAML was built with it (the wheels are): ~10x faster than the pure-Python parser,
# and every grading process starts by reading course.yaml.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Reader:
    """Walks the YAML node tree, so every error can name the line it came from."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, node: yaml.Node | None, key: str, message: str) -> ConfigError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return ConfigError(f"{self.file}{line}: {key}: {message}")

    # -- node helpers --------------------------------------------------
    def mapping(self, node: yaml.Node, key: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key or "(top level)", "must be a mapping of keys to values")
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else None
            if not isinstance(name, str):
                raise self.fail(k, key, "keys must be plain names")
            full = f"{key}.{name}" if key else name
            if allowed and name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                fix = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
                raise self.fail(k, full, f"unknown key; {fix}")
            if name in out:
                raise self.fail(k, full, "appears twice")
            out[name] = v
        return out

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, key, "must be a single value, not a list or mapping")
        return _CONSTRUCTOR.construct_object(node)

    def string(self, node: yaml.Node, key: str) -> str:
        value = self.scalar(node, key)
        if value is None:
            raise self.fail(node, key, "must not be empty")
        return str(value)

    def number(self, node: yaml.Node, key: str, *, minimum: float = 0.0, integer: bool = False) -> float:
        value = self.scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a whole number" if integer else "a number"
            raise self.fail(node, key, f"must be {kind}, got {node.value!r}")
        if integer and not float(value).is_integer():
            raise self.fail(node, key, f"must be a whole number, got {value}")
        if value < minimum:
            raise self.fail(node, key, f"must be at least {minimum:g}, got {value}")
        return int(value) if integer else float(value)

    def choice(self, node: yaml.Node, key: str, options: tuple[str, ...]) -> str:
        value = self.string(node, key)
        if value not in options:
            close = difflib.get_close_matches(value, options, n=1)
            fix = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(options)}"
            raise self.fail(node, key, f"{value!r} is not allowed; {fix}")
        return value

    def folder(self, node: yaml.Node, key: str) -> Path:
        folder = (self.file.parent / self.string(node, key)).resolve()
        if not folder.is_dir():
            raise self.fail(node, key, f"folder {folder} does not exist; fix the path (relative to {self.file.name})")
        return folder

    def when(self, node: yaml.Node, key: str) -> dt.datetime:
        value = self.scalar(node, key)
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                value = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time(23, 59, 59))
        if not isinstance(value, dt.datetime):
            raise self.fail(node, key, "must be a date and time such as 2026-12-18T23:59:00+01:00")
        if value.tzinfo is None:
            raise self.fail(node, key, "needs a time zone, e.g. 2026-12-18T23:59:00+01:00 or ...Z for UTC")
        return value

    # -- sections --------------------------------------------------------
    TOP = ("schema_version", "course", "unit", "reference", "tests", "exercises_dir", "deadline", "late",
           "sandbox", "hypothesis", "data", "gradebook", "exercises")  # fmt: skip

    def course(self, node: yaml.Node) -> Course:
        top = self.mapping(node, "", self.TOP)
        for required in ("course", "reference", "tests", "exercises"):
            if required not in top:
                raise self.fail(node, required, "is required; see docs/course-yaml.md for a complete example")
        if "schema_version" in top and self.number(top["schema_version"], "schema_version", integer=True) != 1:
            raise self.fail(top["schema_version"], "schema_version", "this grader reads schema_version 1")
        limits, level, minimum, trusted = self.sandbox(top.get("sandbox"))
        exercises_dir = self.file.parent / "exercises"
        if "exercises_dir" in top:
            exercises_dir = (self.file.parent / self.string(top["exercises_dir"], "exercises_dir")).resolve()
        return Course(
            path=self.file.resolve(),
            name=self.string(top["course"], "course"),
            unit=self.string(top["unit"], "unit") if "unit" in top else "",
            reference_dir=self.folder(top["reference"], "reference"),
            tests_dir=self.folder(top["tests"], "tests"),
            exercises_dir=exercises_dir,
            exercises=self.exercises(top["exercises"]),
            limits=limits,
            isolation=level,
            minimum_isolation=minimum,
            trusted_code=trusted,
            deadline=self.when(top["deadline"], "deadline") if "deadline" in top else None,
            late=self.late(top.get("late")),
            hypothesis=self.hypothesis(top.get("hypothesis")),
            data=self.data(top.get("data")),
            gradebook=self.gradebook(top.get("gradebook")),
        )

    def sandbox(self, node: yaml.Node | None) -> tuple[SandboxLimits, str, str, bool]:
        if node is None:
            return SandboxLimits(), "auto", "namespace", False
        seconds = ("call_timeout", "test_timeout", "submission_timeout")
        numbers = (*seconds, "memory_mb", "cpu_seconds", "output_kb", "max_processes",
                   "max_open_files", "max_file_mb")  # fmt: skip
        m = self.mapping(node, "sandbox", (*numbers, "isolation", "minimum_isolation", "trusted_code"))
        values: dict[str, Any] = {}
        for name in numbers:
            if name in m:
                integer = name not in seconds
                values[name] = self.number(m[name], f"sandbox.{name}", minimum=1, integer=integer)
        level = self.choice(m["isolation"], "sandbox.isolation", ("auto", *LEVELS)) if "isolation" in m else "auto"
        minimum = "namespace"
        if "minimum_isolation" in m:
            if self.scalar(m["minimum_isolation"], "sandbox.minimum_isolation") == "process":
                raise self.fail(
                    m["minimum_isolation"], "sandbox.minimum_isolation",
                    "'process' is no sandbox: the student's code would run as your user. Use 'user' or "
                    "'namespace'; to grade code you trust at 'process', set sandbox.trusted_code: true instead",
                )  # fmt: skip
            minimum = self.choice(m["minimum_isolation"], "sandbox.minimum_isolation", LEVELS[1:])
        trusted = False
        if "trusted_code" in m:
            trusted = self.scalar(m["trusted_code"], "sandbox.trusted_code")
            if not isinstance(trusted, bool):
                raise self.fail(
                    m["trusted_code"], "sandbox.trusted_code", f"must be true or false, got {m['trusted_code'].value!r}"
                )
        return SandboxLimits(**values), level, minimum, trusted

    def late(self, node: yaml.Node | None) -> LatePolicy:
        if node is None:
            return LatePolicy()
        m = self.mapping(node, "late", ("grace_minutes", "penalty_per_day", "max_penalty"))
        return LatePolicy(
            **{k: self.number(v, f"late.{k}") for k, v in m.items()},
        )

    def hypothesis(self, node: yaml.Node | None) -> HypothesisSettings:
        if node is None:
            return HypothesisSettings()
        m = self.mapping(node, "hypothesis", ("max_examples",))
        return HypothesisSettings(
            **{k: self.number(v, f"hypothesis.{k}", minimum=1, integer=True) for k, v in m.items()}  # type: ignore[arg-type]
        )

    def data(self, node: yaml.Node | None) -> DataSource:
        if node is None:
            return DataSource()
        m = self.mapping(node, "data", ("source", "path", "seed"))
        source = (
            self.choice(m["source"], "data.source", ("generated", "hdf5", "folder")) if "source" in m else "generated"
        )
        path = None
        if "path" in m:
            path = (self.file.parent / self.string(m["path"], "data.path")).resolve()
            if not path.exists():
                raise self.fail(m["path"], "data.path", f"{path} does not exist; fix the path or use source: generated")
        elif source != "generated":
            raise self.fail(node, "data.path", f"is required when data.source is {source!r}")
        seed = int(self.number(m["seed"], "data.seed", integer=True)) if "seed" in m else 0
        return DataSource(source=source, path=path, seed=seed)  # type: ignore[arg-type]

    def gradebook(self, node: yaml.Node | None) -> GradebookColumns:
        if node is None:
            return GradebookColumns()
        names = tuple(GradebookColumns.__dataclass_fields__)
        m = self.mapping(node, "gradebook", names)
        return GradebookColumns(**{k: self.string(v, f"gradebook.{k}") for k, v in m.items()})

    def exercises(self, node: yaml.Node) -> tuple[Exercise, ...]:
        m = self.mapping(node, "exercises", ())
        if not m:
            raise self.fail(node, "exercises", "lists no exercises")
        out = []
        for ex_id, ex_node in m.items():
            key = f"exercises.{ex_id}"
            if not ex_id.isidentifier():
                raise self.fail(ex_node, key, "exercise ids are module names (letters, digits, underscores)")
            em = self.mapping(ex_node, key, ("title", "tests"))
            if "tests" not in em:
                raise self.fail(ex_node, f"{key}.tests", "is required: map each hidden test name to its points")
            tests = []
            for name, t_node in self.mapping(em["tests"], f"{key}.tests", ()).items():
                tests.append(self.test(ex_id, name, t_node, f"{key}.tests.{name}"))
            if not tests:
                raise self.fail(em["tests"], f"{key}.tests", "lists no tests")
            title = self.string(em["title"], f"{key}.title") if "title" in em else ex_id
            out.append(Exercise(id=ex_id, title=title, tests=tuple(tests)))
        return tuple(out)

    def test(self, ex_id: str, name: str, node: yaml.Node, key: str) -> TestSpec:
        if not name.startswith("test_"):
            raise self.fail(node, key, "hidden test names start with test_ (the pytest function name)")
        if isinstance(node, yaml.ScalarNode):
            return TestSpec(ex_id, name, self.number(node, key))
        m = self.mapping(node, key, ("points", "visibility", "hint", "max_examples"))
        if "points" not in m:
            raise self.fail(node, f"{key}.points", "is required")
        return TestSpec(
            exercise=ex_id,
            name=name,
            points=self.number(m["points"], f"{key}.points"),
            visibility=self.choice(m["visibility"], f"{key}.visibility", VISIBILITIES)
            if "visibility" in m
            else "visible",  # type: ignore[arg-type]
            hint=self.string(m["hint"], f"{key}.hint") if "hint" in m else "",
            max_examples=int(self.number(m["max_examples"], f"{key}.max_examples", minimum=1, integer=True))
            if "max_examples" in m
            else None,
        )
