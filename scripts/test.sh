#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL on a free loopback port.
# Installs what is missing (PostgreSQL server binaries, via apt), then stops everything it started.
# Ends with one line "N passed, N failed" and exits with the tests' status.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/postgres.sh

need_apt=()
pg_find_bin || need_apt+=(postgresql)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The web client's browser journey drives Debian's chromium (Playwright's own browser downloads are not used).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # Debian's package starts a cluster of its own on 5432; the suite does not use it.
  pg_find_bin || { echo "error: PostgreSQL server binaries still not found after installing" >&2; exit 1; }
fi

WORK=$(mktemp -d /tmp/herenow-test.XXXXXX)
chmod 755 "$WORK"
PG_PORT=$(free_port)
RESULTS=$WORK/results
cleanup() {
  pg_stop "$WORK/pgdata" immediate
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_start "$WORK/pgdata" "$PG_PORT" "$WORK/postgres.log"
export HERENOW_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true"
echo "test PostgreSQL on 127.0.0.1:$PG_PORT"

# Real federation peers for the interop tests (Node 22, Fedify, the reference Bluesky PDS; the first install takes
# ~5 minutes); a failed install fails the run, with its reason.
scripts/peers.sh install || { echo "error: scripts/peers.sh install failed: the federation interop tests cannot run" >&2; echo "0 passed, 1 failed"; exit 1; }

# The web client (npm ci + esbuild into src/Api/wwwroot): the API under test serves it, the browser journey drives it.
scripts/web.sh build || { echo "error: scripts/web.sh build failed: the web client tests cannot run" >&2; echo "0 passed, 1 failed"; exit 1; }
export HERENOW_WEB_BUILT=1
# Screenshots of the browser journey are kept here (printed by the test).
export HERENOW_ARTIFACTS=${HERENOW_ARTIFACTS:-$PWD/artifacts/screenshots}

status=0
dotnet test Orleans.sln --logger "trx" --results-directory "$RESULTS" "$@" || status=$?

# The chaos run (kill -9 of a silo, PostgreSQL stopped mid-load) in its short form, on its own cluster and database;
# each of its checks counts as a test. It runs with the whole suite; with arguments (e.g. --filter while iterating on
# one test) only when HERENOW_CHAOS=1.
chaos_passed=0; chaos_failed=0
if [ $# -eq 0 ] || [ "${HERENOW_CHAOS:-0}" = 1 ]; then
  echo "chaos run (scripts/chaos.sh --short)..."
  scripts/chaos.sh --short 2>&1 | tee "$WORK/chaos.log" || status=1
  summary=$(grep -o 'chaos: [0-9]* checks passed, [0-9]* failed' "$WORK/chaos.log" | tail -1 || true)
  if [ -n "$summary" ]; then
    chaos_passed=$(sed 's/chaos: \([0-9]*\) checks.*/\1/' <<<"$summary")
    chaos_failed=$(sed 's/.*passed, \([0-9]*\) failed/\1/' <<<"$summary")
  else
    chaos_failed=1 # it did not get as far as checking anything
  fi
fi

passed=0; failed=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
done
passed=$((passed + chaos_passed)); failed=$((failed + chaos_failed))
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$status" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit "$status"
