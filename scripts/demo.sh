#!/usr/bin/env bash
# The README's first command: install the project and grade the bundled sample submissions.
#   examples/submissions/{alice,bob,carol,dave,erin}: correct, three classic mistakes, untouched
#   stubs, hostile, and notebooks. Reports go to out/ (JSON per student, gradebook.csv,
#   summary.md/html, and each student's feedback as HTML and Markdown in out/feedback/).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
python -m pip install --quiet -e '.[notebooks]'
autograder grade examples/submissions --out out
autograder report out --out out --feedback out/feedback
echo
echo "== What bob (three classic mistakes) is told =="
autograder grade examples/submissions/bob --html out/bob.html
echo
echo "Reports: out/<student>.json, out/gradebook.csv, out/summary.md, out/feedback/, out/bob.html"
