#!/usr/bin/env bash
# The README's test command: install the project with its test extras, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
python -m pip install --quiet -e '.[dev]'
# One test file per worker process (module-scoped fixtures grade whole batches once per file).
python -m pytest tests -n auto --dist loadfile "$@"
