#!/usr/bin/env bash
# Separate API (an Orleans client) against the API co-hosted in the silo (scripts/run.sh --cohost; ADR 0028), in one
# session, alternating: ROUNDS × {separate, cohost}, each a fresh service running every LOADS entry at a fixed rate
# (Herenow.Bench load) for SECONDS s. Per run: the harness's p50/p99, and CPU ms per request of each process (utime +
# stime from /proc/<pid>/stat around the run, less the same process's idle rate and the cost of the harness minting
# its session tokens, measured alone with a 1-request load). Output: OUT/runs.tsv and the harness summaries.
# Its own data directory and ports (not bench/run.sh's); the quick seed (2k users) is made once and reused.
#   bench/cohost.sh OUT_DIR        env: ROUNDS (2) SECONDS_PER (15) LOADS (health:1000,home:300,global:300)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${1:?usage: bench/cohost.sh OUT_DIR}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
DATA_DIR=${DATA_DIR:-.data/cohost-bench} API_PORT=${API_PORT:-5380} PG_PORT=${PG_PORT:-55832}
SILO_PORT=${SILO_PORT:-23111} GATEWAY_PORT=${GATEWAY_PORT:-33100} ADMIN_PORT=0
ROUNDS=${ROUNDS:-2} SECONDS_PER=${SECONDS_PER:-15} LOADS=${LOADS:-health:1000,home:300,global:300}
QUICK=--quick
. bench/lib/service.sh
service_init
trap stop_service EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
HZ=$(getconf CLK_TCK)

# The distinct processes of the service: "api PID" and "silo PID" (co-hosted: one "cohost PID").
processes() {
  local api silo; api=$(cat "$DATA_DIR/run/api.pid"); silo=$(cat "$DATA_DIR/run/silo-1.pid")
  if [ "$api" = "$silo" ]; then echo "cohost $api"; else echo "api $api"; echo "silo $silo"; fi
}
snapshot() { processes | while read -r name pid; do echo "$name $pid $(cpu_ticks "$pid")"; done; }
# delta BEFORE AFTER: "name ms" per process.
delta() { join <(sort <<<"$1") <(sort <<<"$2") | awk -v hz="$HZ" '{printf "%s %.1f\n", $1, ($5 - $3) * 1000 / hz}'; }

if [ ! -f "$DATA_DIR/seeded" ]; then
  start_service 1
  echo "importing places..."; scripts/import-places.sh >"$OUT/import.log" 2>&1
  echo "seeding..."; harness seed >"$OUT/seed.log" 2>&1
  wait_outbox_drained 300
  touch "$DATA_DIR/seeded"
fi
printf 'round\tmode\tscenario\trate\tseconds\tprocess\tcpu_ms\tidle_ms\tmint_ms\tcpu_ms_per_request\tsummary\n' >"$OUT/runs.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for mode in separate cohost; do
    if [ "$mode" = cohost ]; then start_service 1 --cohost; else start_service 1; fi
    wait_quiet 10 90
    # Warm-up (JIT, activations, connections) of each scenario at a tenth of its rate.
    for load in ${LOADS//,/ }; do harness load --scenario "${load%%:*}" --rate $(( ${load##*:} / 10 + 1 )) --seconds 3 >/dev/null; done
    wait_quiet 3 60
    # Idle rate and the harness's fixed cost (minting session tokens), per process.
    a=$(snapshot); sleep 5; b=$(snapshot); idle=$(delta "$a" "$b")
    a=$(snapshot); t0=$(date +%s.%N); harness load --scenario health --rate 1 --seconds 1 >/dev/null; t1=$(date +%s.%N); b=$(snapshot)
    mint=$(delta "$a" "$b" | awk -v d="$(echo "$t1 - $t0" | bc)" -v idle="$idle" 'BEGIN { n = split(idle, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, " "); r[f[1]] = f[2] / 5 } } { printf "%s %.1f\n", $1, $2 - r[$1] * d }')
    for load in ${LOADS//,/ }; do
      scenario=${load%%:*} rate=${load##*:}
      a=$(snapshot); t0=$(date +%s.%N)
      summary=$(harness load --scenario "$scenario" --rate "$rate" --seconds "$SECONDS_PER" | tr '\n' ' ')
      t1=$(date +%s.%N); b=$(snapshot)
      echo "round $round $mode $scenario @ $rate/s: $summary"
      answered=$(( rate * SECONDS_PER ))
      while read -r name ms; do
        idle_ms=$(awk -v n="$name" -v d="$(echo "$t1 - $t0" | bc)" '$1 == n { printf "%.1f", $2 / 5 * d }' <<<"$idle")
        mint_ms=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$mint")
        per=$(echo "scale=4; ($ms - $idle_ms - $mint_ms) / $answered" | bc)
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$scenario" "$rate" "$SECONDS_PER" "$name" "$ms" "$idle_ms" "$mint_ms" "$per" "$summary" >>"$OUT/runs.tsv"
      done <<<"$(delta "$a" "$b")"
      sleep 2
    done
    stop_service
  done
done
echo "results: $OUT/runs.tsv"
