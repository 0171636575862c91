#!/usr/bin/env bash
# Benchmarks Herenow end to end with one command: starts its own service (scripts/run.sh with its own data
# directory and ports, in the background), imports the GeoNames places, seeds users/follows/check-ins through
# grain calls, restarts the service (fresh silo for the memory figure), runs the selected figures, optionally
# again on three silos, and writes bench/results/<UTC date>-<commit>/{results.json,results.md,chart.png} plus
# bench/results/latest.md. Everything it starts is stopped by pid at the end, also on Ctrl-C or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

. bench/lib/service.sh
# The shape measured: the API co-hosting silo 1 (ADR 0028; at least twice the check-in rate of separate processes on
# two cores, bench/results/2026-12-08T0130Z-gc-datas/NOTE.md); --separate measures the API as its own Orleans client.
COHOST=(--cohost)
ONLY="health,checkins,home,global,place,accounts,nearby,fanout,mix,history,silos,memory"
usage() {
  cat <<USAGE
usage: bench/run.sh [--quick] [--separate] [--only LIST] [--data-dir DIR] [--port P] [--pg-port P] [-- harness options]
  --quick        small seed (2k users, at most 1k followers) and 2 s steps: minutes, for trying it out
  --only LIST    comma-separated figures: health,checkins,home,global,place,accounts,nearby,fanout,mix,history,silos,memory (default: all)
  --data-dir DIR the bench's own PostgreSQL data, logs and pids (default .data/bench-seed$SEED_FORMAT; seeded data is kept and reused)
  --port P       API port (default 5180); --pg-port P PostgreSQL port (default 55532)
  --separate     the API as a separate process, an Orleans client (scripts/run.sh's default); by default the API co-hosts
                 silo 1 in its process (scripts/run.sh --cohost; ADR 0028), and its CPU is reported as the api's
  --out DIR      add the selected figures to an existing run's results (e.g. to redo one that failed)
Anything after -- goes to the harness (e.g. -- --step-seconds 5 --users 20000); see bench/README.md.
USAGE
}
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=--quick; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --port) API_PORT=$2; shift 2 ;;
    --pg-port) PG_PORT=$2; shift 2 ;;
    --separate) COHOST=(); shift ;;
    --cohost) COHOST=(--cohost); shift ;;
    --out) APPEND_TO=$(cd "$2" && pwd); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
# A quick run keeps its own database, so its small seed never mixes with the full one.
[ -n "$QUICK" ] && [ "$DATA_DIR" = ".data/bench-seed$SEED_FORMAT" ] && DATA_DIR=.data/bench-quick-seed$SEED_FORMAT
service_init

COMMIT=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src bench scripts ':!bench/results' 2>/dev/null || COMMIT="$COMMIT-dirty"
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
OUT=$ROOT/bench/results/$STAMP-$COMMIT
[ ${#COHOST[@]} -gt 0 ] || OUT=$OUT-separate
[ -n "$QUICK" ] && OUT=$ROOT/bench/results/tmp/$STAMP-$COMMIT-quick$([ ${#COHOST[@]} -gt 0 ] || echo -separate)
APPEND=()
if [ -n "${APPEND_TO:-}" ]; then OUT=$APPEND_TO; APPEND=(--append); fi

has() { [[ ",$ONLY," == *",$1,"* ]]; }

trap stop_service EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


start_service 1 "${COHOST[@]}"      # also builds the solution (Release), the harness included
echo "importing places..."
scripts/import-places.sh
echo "seeding (grain calls)..."
harness seed
wait_outbox_drained 360
# A fresh silo after seeding: the figures must not measure the seeding's left-over work.
start_service 1 "${COHOST[@]}"
wait_quiet 70 240
wait_outbox_drained 300
HARNESS_ONLY=$(tr ',' '\n' <<<"$ONLY" | grep -v -e '^silos$' -e '^memory$' | paste -sd, - || true)
# Figure 7 compares against figure 1 on one silo, so it needs that run too (unless the run being added to has it).
if has silos && ! has checkins && [ -z "${APPEND_TO:-}" ]; then HARNESS_ONLY=${HARNESS_ONLY:+$HARNESS_ONLY,}checkins; fi
mkdir -p "$OUT"
if [ -n "$HARNESS_ONLY" ]; then
  harness run --only "$HARNESS_ONLY" "${APPEND[@]}" --out "$OUT" --commit "$COMMIT"
fi
if has silos; then
  start_service 3 "${COHOST[@]}"
  wait_quiet 70 240
  wait_outbox_drained 300
  harness run --only checkins --variant 3-silos --append --out "$OUT" --commit "$COMMIT"
fi
# Memory last, on a fresh single silo (the users must not be active yet), so 100k idle grains skew nothing else.
if has memory; then
  start_service 1 "${COHOST[@]}"
  wait_quiet 70 240
  wait_outbox_drained 300
  APPEND_MEM=(--append); [ -z "$HARNESS_ONLY" ] && ! has silos && [ -z "${APPEND_TO:-}" ] && APPEND_MEM=()
  harness run --only memory "${APPEND_MEM[@]}" --out "$OUT" --commit "$COMMIT"
fi
stop_service
# latest.md sits one directory up: point its chart link into the run's directory.
if [ -z "$QUICK" ]; then sed "s|](chart.png)|]($(basename "$OUT")/chart.png)|" "$OUT/results.md" >"$ROOT/bench/results/latest.md"; fi
echo "results: $OUT"
