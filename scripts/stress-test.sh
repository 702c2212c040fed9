#!/usr/bin/env bash
# Run the test suite several times in a row while CPU hogs keep every core busy: the tests must
# not depend on how fast or how idle the machine is.
#   bash scripts/stress-test.sh            # 3 runs, one hog per core
#   RUNS=5 HOGS=1 bash scripts/stress-test.sh -k selection   # extra args go to pytest
# Uses stress-ng when it is installed (apt-get install stress-ng), else busy shell loops.
# Run it after `bash scripts/bootstrap.sh test` (it needs .venv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${RUNS:-3}"
hogs="${HOGS:-$(nproc)}"
if [ ! -x .venv/bin/python ]; then
  echo "stress-test: no .venv; run: bash scripts/bootstrap.sh test" >&2
  exit 2
fi

pids=()
stop_hogs() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_hogs EXIT
if command -v stress-ng >/dev/null; then
  stress-ng --cpu "$hogs" --quiet &
  pids+=($!)
else
  for _ in $(seq "$hogs"); do
    ( while :; do :; done ) &
    pids+=($!)
  done
fi
echo "stress-test: $hogs CPU hog(s) running; $runs run(s) of the suite" >&2

for run in $(seq "$runs"); do
  started=$(date +%s)
  if ! .venv/bin/python -m pytest -q -p no:cacheprovider "$@"; then
    echo "stress-test: run $run of $runs failed" >&2
    exit 1
  fi
  echo "stress-test: run $run of $runs passed in $(( $(date +%s) - started )) s" >&2
done
echo "stress-test: all $runs runs passed under load" >&2
