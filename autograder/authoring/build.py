"""From ``solutions/`` (the single source of truth) to the student stubs in ``exercises/``.

Each region between nbgrader's ``### BEGIN SOLUTION`` and ``### END
SOLUTION`` markers becomes ``raise NotImplementedError(<hint>)``, indented
like the region. The hint is the region's ``# hint: ...`` comment if it has
one, otherwise the first line of the enclosing function's docstring.
Everything outside the markers (the lesson docstring, signatures, helpers,
given functions) is copied as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import AutograderError

__all__ = ["stub_source", "solution_regions", "build_exercises", "Region", "BEGIN", "END", "check_exercises"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(")
_HINT = re.compile(r"#\s*hint:\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Region:
    """One solution region: where it is and the code a student must write."""

    file: str
    function: str
    start: int  # line number of the BEGIN marker (1-based)
    end: int
    code: str


def solution_regions(source: str, file: str = "<source>") -> list[Region]:
    regions, lines = [], source.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == BEGIN:
            j = i + 1
            while j < len(lines) and lines[j].strip() != END:
                if lines[j].strip() == BEGIN:
                    raise AutograderError(
                        f"{file}:{j + 1}: {BEGIN} inside another solution region; close the first with {END}"
                    )
                j += 1
            if j == len(lines):
                raise AutograderError(f"{file}:{i + 1}: {BEGIN} has no matching {END}")
            regions.append(Region(file, _enclosing_function(lines, i), i + 1, j + 1, "\n".join(lines[i + 1 : j])))
            i = j
        elif lines[i].strip() == END:
            raise AutograderError(f"{file}:{i + 1}: {END} without a {BEGIN} before it")
        i += 1
    return regions


def _enclosing_function(lines: list[str], index: int) -> str:
    for k in range(index, -1, -1):
        m = _DEF.match(lines[k])
        if m:
            return m.group(1)
    return ""


def _docstring_line(lines: list[str], def_index: int) -> str:
    for k in range(def_index + 1, min(def_index + 6, len(lines))):
        text = lines[k].strip()
        if text.startswith(('"""', "'''")):
            return text.strip("\"' ").split(". ")[0].rstrip(".")
    return ""


def stub_source(source: str, file: str = "<source>") -> str:
    """The student stub for one solution module."""
    solution_regions(source, file)  # validates the markers
    lines, out, i = source.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        j = i + 1
        hint = ""
        while lines[j].strip() != END:
            m = _HINT.search(lines[j])
            if m and not hint:
                hint = m.group(1).strip()
            j += 1
        func = _enclosing_function(lines, i)
        if not hint and func:
            def_index = next(k for k in range(i, -1, -1) if _DEF.match(lines[k]))
            hint = _docstring_line(lines, def_index)
        message = f"{func}: {hint}" if func and hint else (hint or func or "your code here")
        out.append(f"{indent}# YOUR CODE HERE")
        out.append(f"{indent}raise NotImplementedError({message!r})")
        i = j + 1
    return "\n".join(out) + "\n"


def _stubs(solutions: Path, exercises: Path):
    """(target file, stub text) for every lesson module in ``solutions``."""
    for src in sorted(solutions.glob("*.py")):
        if not src.name.startswith("_"):
            yield exercises / src.name, stub_source(src.read_text(encoding="utf-8"), str(src))


def _current(target: Path, text: str) -> bool:
    return target.exists() and target.read_text(encoding="utf-8") == text


def build_exercises(solutions: Path, exercises: Path) -> list[Path]:
    """Write a stub for every solution module; returns the files written."""
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    for target, text in _stubs(solutions, exercises):
        if not _current(target, text):
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def check_exercises(solutions: Path, exercises: Path) -> list[str]:
    """Stubs in ``exercises`` that are missing or differ from what ``solutions`` generates."""
    return [str(target) for target, text in _stubs(solutions, exercises) if not _current(target, text)]
