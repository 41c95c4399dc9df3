# Sourced by run.sh and test.sh: a project-local virtualenv with rota installed (idempotent, quiet when done).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    # Debian ships venv separately; install it once (root or sudo).
    ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get update -qq
    ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get install -y -qq python3-venv
    "$PY" -m venv .venv
  fi
fi
# Reinstall only when the dependency list changed.
stamp=.venv/.rota-installed-$1
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[$1]"
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
