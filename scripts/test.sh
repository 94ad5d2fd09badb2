#!/usr/bin/env bash
# The README's test command: install the project with its test extras, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
python -m pip install --quiet -e '.[dev]'
python -m pytest tests "$@"
