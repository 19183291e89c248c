# Shared set-up for scripts/*: a local .venv with the pinned dependencies of requirements.lock.
# Needs only Python 3.11+ (set PYTHON to choose the interpreter). Re-runs only when the lock changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11 or newer is needed (tried '$PYTHON'; set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
VENV="$ROOT/.venv"
STAMP="$VENV/.installed-lock"
want="$(cat requirements.lock pyproject.toml | "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setting up $VENV (pinned versions from requirements.lock)" >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  if [ ! -x "$VENV/bin/uv" ]; then
    "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip --upgrade >/dev/null
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
  fi
  # --compile-bytecode: as pip does, so that no command compiles its imports on every start
  "$VENV/bin/uv" pip sync --quiet --compile-bytecode --python "$VENV/bin/python" requirements.lock
  "$VENV/bin/uv" pip install --quiet --compile-bytecode --python "$VENV/bin/python" --no-deps -e .
  echo "$want" > "$STAMP"
fi
# the package's own modules too (an editable install is not compiled; only changed files are)
"$VENV/bin/python" -m compileall -q src >/dev/null
export PATH="$VENV/bin:$PATH"
source "$ROOT/scripts/_setup_web.sh"
