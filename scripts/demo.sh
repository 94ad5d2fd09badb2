#!/usr/bin/env bash
# The README's first command: install the project and grade the bundled sample submissions.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
python -m pip install --quiet -e .
mkdir -p out
for sub in examples/submissions/*/; do
  autograder grade "$sub" --json "out/$(basename "$sub").json"
  echo
done
echo "JSON reports are in out/"
