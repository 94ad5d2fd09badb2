"""Grade the catalogue of mistakes and print docs/unit.md's deduction table (Markdown).

    python scripts/deduction_table.py                 # every mistake (several minutes)
    python scripts/deduction_table.py gates spiking   # only these exercises' mistakes

The same table comes out of the catalogue's own proof, without grading twice:
AG_DEDUCTION_TABLE=table.md python -m pytest tests/test_catalogue.py -p no:xdist -q
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import grade_many  # noqa: E402
from autograder.config import load_course  # noqa: E402
from autograder.submission import load_submission  # noqa: E402
from tests.catalogue import all_mistakes, build, deduction_table  # noqa: E402


def main(argv: list[str]) -> int:
    course = load_course(ROOT / "course.yaml")
    mistakes = [m for m in all_mistakes() if not argv or m.module in argv]
    with tempfile.TemporaryDirectory() as tmp:
        subs = [load_submission(build(Path(tmp) / m.id, m), label=m.id) for m in mistakes]
        print(deduction_table(mistakes, grade_many(subs, course)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
