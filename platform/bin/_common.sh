# Sourced by the scripts beside it: find the repo, make sure uv and the dev virtualenv exist,
# then hand over to the Python package platform/shopkit_platform.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${SHOPKIT_VENV:-$ROOT/.venv}"
export PATH="$HOME/.local/bin:$PATH"

ensure_uv() {
  command -v uv >/dev/null 2>&1 && return 0
  echo "==> uv ... installing with pip"
  local py
  py="$(command -v python3 || true)"
  if [ -z "$py" ]; then
    echo "python3 is missing: apt-get install -y python3 python3-pip" >&2
    exit 1
  fi
  if ! "$py" -m pip --version >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip
    else
      echo "pip is missing: run  sudo apt-get install -y python3-pip  (or install uv yourself)" >&2
      exit 1
    fi
  fi
  "$py" -m pip install --quiet --user uv 2>/dev/null \
    || "$py" -m pip install --quiet --user --break-system-packages uv \
    || "$py" -m pip install --quiet uv
  hash -r
  command -v uv >/dev/null 2>&1 || { echo "uv installed but not on PATH (~/.local/bin?)" >&2; exit 1; }
}

ensure_venv() {
  ensure_uv
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> virtualenv $VENV ... creating"
    uv venv --quiet --python ">=3.11" "$VENV"
  fi
}

platform_py() {
  ensure_venv
  export PYTHONPATH="$ROOT/platform${PYTHONPATH:+:$PYTHONPATH}"
  exec "$VENV/bin/python" -m shopkit_platform "$@"
}
