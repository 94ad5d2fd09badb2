#!/usr/bin/env bash
# The README's test command: install the project with its test extras, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
python -m pip install --quiet -e '.[dev]'
# One test file per worker process (module-scoped fixtures grade whole batches once per file).
# --fast: every unit and writer test, without the end-to-end runs marked slow (the catalogue, the
# attacks at every level, notebooks through Jupyter and nbgrader, fresh virtual environments).
if [ "${1:-}" = "--fast" ]; then
  shift
  set -- -m "not slow" "$@"
fi
python -m pytest tests -n auto --dist loadfile "$@"
