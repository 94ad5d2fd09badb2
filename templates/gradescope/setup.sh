#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built.
#
# The autograder zip holds this repository (course.yaml, solutions/, tests/grading/,
# autograder/, pyproject.toml) with setup.sh and run_autograder at its top level;
# Gradescope unpacks it into /autograder/source. See docs/reports.md ("Gradescope").
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
# The strongest sandbox level needs bubblewrap; without it grading runs at a weaker level,
# named in every report (course.yaml's sandbox.minimum_isolation decides whether that is allowed).
apt-get install -y -q bubblewrap || echo "warning: bubblewrap is not available"

python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet "$ROOT/source"
# No chmod of source/ is needed: student code runs in the grader's sandbox, which never
# shows it the hidden tests or the solutions (docs/sandbox.md).
