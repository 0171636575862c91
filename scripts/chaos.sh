#!/usr/bin/env bash
# Chaos run: three silos and the API (scripts/run.sh) on a throwaway PostgreSQL, under a steady check-in load with
# a ledger of every acknowledged id; one silo is killed with kill -9, then PostgreSQL is stopped immediately and
# started again, mid-load; then the ledger is checked (tests/Herenow.Chaos). Ends with "chaos: N checks passed,
# N failed" and exits non-zero on any failure. Everything runs on 127.0.0.1 and is stopped by pid at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/postgres.sh
. scripts/lib/process.sh

# The short form fits the test suite (about 3 minutes with start-up); the default runs longer and harder.
TIMING=(--seconds 90 --rate 20 --kill-at 15 --pg-stop-at 50 --pg-down-for 10 --converge-within 120)
REPORT=""
usage() {
  cat <<USAGE
usage: scripts/chaos.sh [--short] [--report FILE]
  --short        the suite's form: 40 s of load at 15/s, kill at 8 s, database down at 24 s for 5 s
  --report FILE  also write the run's report to FILE
USAGE
}
while [ $# -gt 0 ]; do
  case $1 in
    --short) TIMING=(--seconds 40 --rate 15 --kill-at 8 --pg-stop-at 24 --pg-down-for 5 --converge-within 90); shift ;;
    --report) REPORT=$(realpath -m "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
pg_find_bin || { echo "error: PostgreSQL server binaries not found (scripts/test.sh installs them)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/herenow-chaos.XXXXXX)
chmod 755 "$WORK"
# Three consecutive free ports each for silo-to-silo and gateway traffic, as run.sh numbers them.
consecutive_free() {
  local base
  for _ in $(seq 1 100); do
    base=$(( (RANDOM % 12000) + 20000 )) # below the ephemeral range, as free_port
    port_in_use "$base" || port_in_use $((base + 1)) || port_in_use $((base + 2)) || { echo "$base"; return 0; }
  done
  return 1
}
API_PORT=$(free_port); PG_PORT=$(free_port); SILO_PORT=$(consecutive_free); GATEWAY_PORT=$(consecutive_free)
RUN_PID=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
    kill -TERM "$RUN_PID" 2>/dev/null || true # run.sh stops its silos, the API and PostgreSQL
    wait_gone "$RUN_PID" 60 || kill -KILL -- -"$RUN_PID" 2>/dev/null || true
  fi
  pg_stop "$WORK/pgdata" immediate
  # A failed run keeps its logs (the run's, the silos', the API's) for a post-mortem.
  if [ "${status:-1}" -ne 0 ] && [ -d "$WORK/logs" ]; then
    mkdir -p .data/chaos-logs && cp -r "$WORK/logs" "$WORK/run.log" ".data/chaos-logs/" 2>/dev/null || true
    echo "logs kept in .data/chaos-logs/"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "chaos: starting 3 silos and the API (API 127.0.0.1:$API_PORT, PostgreSQL 127.0.0.1:$PG_PORT, work $WORK)"
# Rate limits far above the load (~24 accounts signing up from one address, each posting about once a second, with
# retries while a silo or the database is down, and the verifier's reads), but on: the run includes the limiters.
# shellcheck disable=SC2046 # word splitting intended: one assignment per word
env $(rate_limits_far_above_load) \
  setsid scripts/run.sh --silos 3 --data-dir "$WORK" --port "$API_PORT" --pg-port "$PG_PORT" \
  --silo-port "$SILO_PORT" --gateway-port "$GATEWAY_PORT" >"$WORK/run.log" 2>&1 &
RUN_PID=$!
# Up to 6 minutes: run.sh builds the solution first, which on a cold 2-core machine takes most of that.
for _ in $(seq 1 720); do
  curl -fsS "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "$RUN_PID" 2>/dev/null || { echo "error: scripts/run.sh exited:" >&2; tail -20 "$WORK/run.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$API_PORT/health/ready" >/dev/null || { echo "error: the cluster was not ready in 6 minutes; see $WORK/run.log:" >&2; tail -20 "$WORK/run.log" >&2; exit 1; }

dotnet build tests/Herenow.Chaos -c Release -v quiet -nologo >"$WORK/chaos-build.log" 2>&1 || { cat "$WORK/chaos-build.log" >&2; exit 1; }
status=0
dotnet tests/Herenow.Chaos/bin/Release/net10.0/Herenow.Chaos.dll --api "http://127.0.0.1:$API_PORT" \
  --run-dir "$WORK/run" --pg-data "$WORK/pgdata" --pg-port "$PG_PORT" --pg-log "$WORK/logs/postgres.log" \
  ${REPORT:+--report "$REPORT"} "${TIMING[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the last lines of each log ($WORK/logs) ---"
  for log in "$WORK"/logs/*.log; do echo "== $log"; grep -v "^\s*$" "$log" | tail -15; done
fi
exit "$status"
