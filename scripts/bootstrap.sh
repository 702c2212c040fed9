#!/usr/bin/env bash
# Set up everything pg advisor needs on Debian 12, then run one job:
#   bash scripts/bootstrap.sh demo   # the advice on a built-in demo database
#   bash scripts/bootstrap.sh test   # lint, type-check and the test suite (what CI runs)
# Installs Debian's postgresql-15 and postgresql-15-hypopg when missing (needs root), and a
# virtual environment with the package in .venv. Prints what is missing and exits 1 where it
# cannot install it.
set -euo pipefail

job="${1:-}"
case "$job" in
  demo|test) shift ;;
  *) echo "usage: bash scripts/bootstrap.sh demo|test [args...]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pg_version="${ADVISOR_PG_VERSION:-15}"
packages=("postgresql-$pg_version" "postgresql-$pg_version-hypopg" "python3-venv")
# the HTML report is checked in a real browser by the tests
[ "$job" = test ] && packages+=("chromium")

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# python3-venv only matters when the interpreter on PATH cannot make a venv by itself.
if python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap: not a Debian system; install PostgreSQL $pg_version with HypoPG and pg_stat_statements, and Python 3.11+ with venv, then rerun (missing: ${missing[*]})" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql-common may start its own cluster on 5432; ours use private ports and sockets.

export ADVISOR_PG_BIN="/usr/lib/postgresql/$pg_version/bin"
if [ ! -x "$ADVISOR_PG_BIN/initdb" ]; then
  echo "bootstrap: $ADVISOR_PG_BIN/initdb not found after install" >&2
  exit 1
fi

venv="$root/.venv"
stamp="$venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: creating $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e ".[test,bench]"
  touch "$stamp"
fi

case "$job" in
  demo)
    exec "$venv/bin/advisor" demo "$@"
    ;;
  test)
    "$venv/bin/ruff" check advisor tests benchmarks
    "$venv/bin/ruff" format --check advisor tests benchmarks
    "$venv/bin/mypy"
    exec "$venv/bin/python" -m pytest "$@"
    ;;
esac
