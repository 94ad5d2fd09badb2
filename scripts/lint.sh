#!/usr/bin/env bash
# The project's own habits, checked before the tests (CI runs this first): lint, format, types.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
python -m pip install --quiet -e '.[dev]'
python -m ruff check autograder tests bench scripts
python -m ruff format --check autograder tests bench scripts
python -m mypy
