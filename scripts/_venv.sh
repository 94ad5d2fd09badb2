# Sourced by the set-up scripts: use the active virtual environment, or create and enter ./.venv.
if [ -z "${VIRTUAL_ENV:-}" ]; then
  PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
