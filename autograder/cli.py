"""The ``autograder`` command. ``main(argv) -> int`` so it is testable without a subprocess.

Each sub-command lives in ``autograder/commands/<name>.py`` with two
functions, ``add_arguments(parser)`` and ``run(args) -> int``, and is listed
in ``COMMANDS``. Exit status: 0 when the command did its job (a low score
is not an error), 1 for ``--fail-under`` and failing checks, 2 when it could
not run (bad course.yaml, missing folder), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from autograder import __version__
from autograder.errors import AutograderError

__all__ = ["main", "COMMANDS"]

COMMANDS: dict[str, str] = {
    "grade": "grade one submission folder, or a class of them, with the hidden tests",
    "build": "generate exercises/ (student stubs and notebooks) from solutions/",
    "report": "summarise a class: gradebook CSV and class summary (Markdown, HTML) from per-student JSON reports",
    "check": "run the public tests on your own work (fast, with hints; exit 1 while any fails)",
    "release": "build the student starter repository (no solutions, no hidden tests) into a folder",
    "bundle": "build what a grading platform runs: a Classroom 50 bundle or a Gradescope autograder zip",
    "audit": "test the hidden tests: mutants they must catch, correct variants they must pass, flakiness",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with ``only``, just that command's module is imported (``autograder check``
    must start fast, and the grading commands pull in matplotlib and the sandbox)."""
    parser = argparse.ArgumentParser(prog="autograder", description="Grade the Neurons unit safely.")
    parser.add_argument("--version", action="version", version=f"autograder {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(f"autograder.commands.{name}")
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Hypothesis runs the "hypothesis" entry points of every installed package when it is imported:
    # other packages must not change grading (as with pytest's plugins, see grading/grade.py), and
    # scanning every installed package's metadata costs a cold process tens of milliseconds.
    os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")
    first = argv[0] if argv else None
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args))
    except AutograderError as exc:
        print(f"autograder {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autograder {args.command}: interrupted; finished reports were kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
