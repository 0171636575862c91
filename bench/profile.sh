#!/usr/bin/env bash
# Profiles the hot paths. For each scenario it starts a fixed-rate load against the bench's seeded service and,
# while it runs, samples the silo's and the API's .NET stacks with dotnet-trace; then writes each process's top
# methods (inclusive and exclusive) into bench/results/profiles/<UTC date>-<commit>/<scenario>-<process>.txt.
# Needs the seed of a full bench run (bench/run.sh) in the same data directory. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. bench/lib/service.sh

LOADS="checkins:300,home:1000,nearby:300"
SECONDS_TRACED=10
usage() {
  cat <<USAGE
usage: bench/profile.sh [--quick] [--loads LIST] [--data-dir DIR] [--seconds N]
  --quick        on the seed of bench/run.sh --quick (its data directory and session pool)
  --loads LIST   scenario:rate pairs (default $LOADS); scenarios: checkins, home, global, place, accounts, nearby, health
  --data-dir DIR the seeded bench data directory (default .data/bench-seed<format>, as bench/run.sh)
  --seconds N    how long each trace samples (default $SECONDS_TRACED); the load runs 6 s longer
USAGE
}
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=--quick; shift ;;
    --loads) LOADS=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --seconds) SECONDS_TRACED=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$QUICK" ] && [ "$DATA_DIR" = ".data/bench-seed$SEED_FORMAT" ] && DATA_DIR=.data/bench-quick-seed$SEED_FORMAT
service_init
[ -d "$DATA_DIR/pgdata" ] || { echo "error: no seeded data in $DATA_DIR; run bench/run.sh first" >&2; exit 1; }
dotnet tool restore >/dev/null
OUT=$ROOT/bench/results/profiles/$(date -u +%Y-%m-%dT%H%MZ)-$(git rev-parse --short HEAD)
mkdir -p "$OUT"
trap stop_service EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_service 1
wait_quiet 70 180
. "$ROOT/scripts/lib/postgres.sh"; pg_find_bin
WAITING='Wait|Semaphore|Sleep|EventLoop|TryReadEvent|Sys\.Read\(|Sys\.Poll|Monitor\.Enter_Slowpath|SpinWait|ReleaseSemaphore|SetEvent'
sql() { pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d herenow -c "$1"; }
silo_pid=$(cat "$DATA_DIR"/run/silo-1.pid)
api_pid=$(cat "$DATA_DIR"/run/api.pid)
for load in ${LOADS//,/ }; do
  scenario=${load%%:*}; rate=${load##*:}
  echo "== $scenario at $rate/s: tracing silo (pid $silo_pid) and API (pid $api_pid) for $SECONDS_TRACED s"
  sql "create extension if not exists pg_stat_statements; select pg_stat_statements_reset()" >/dev/null
  harness load --scenario "$scenario" --rate "$rate" --seconds $((SECONDS_TRACED + 6)) >"$OUT/$scenario-load.txt" &
  load_pid=$!
  sleep 4 # past warm-up: JIT, connections, grain activations
  tracers=()
  for process in silo api; do
    pid_var=${process}_pid
    dotnet tool run dotnet-trace -- collect -p "${!pid_var}" --profile dotnet-sampled-thread-time \
      --duration "00:00:00:$(printf %02d "$SECONDS_TRACED")" -o "$OUT/$scenario-$process.nettrace" >/dev/null &
    tracers+=($!)
  done
  # Only our own jobs: a bare `wait` would also wait for the service, which runs until we stop it.
  wait "$load_pid" "${tracers[@]}"
  cat "$OUT/$scenario-load.txt"
  # What PostgreSQL ran for this load (and whatever else ran meanwhile), most called first.
  sql "select calls, rows, round(total_exec_time::numeric, 1) as total_ms, round(mean_exec_time::numeric, 3) as mean_ms,
              left(regexp_replace(query, '\s+', ' ', 'g'), 160) as query
       from pg_stat_statements where dbid = (select oid from pg_database where datname = 'herenow')
       order by calls desc limit 25" >"$OUT/$scenario-statements.txt"
  for process in silo api; do
    {
      echo "# $scenario at $rate/s — $process, top methods by inclusive time (sampled thread time)"
      dotnet tool run dotnet-trace -- report "$OUT/$scenario-$process.nettrace" topN -n 25 --inclusive
      echo; echo "# exclusive time"
      dotnet tool run dotnet-trace -- report "$OUT/$scenario-$process.nettrace" topN -n 25
      # Thread time counts parked threads too; without the frames that wait, what is left is where CPU goes.
      echo; echo "# exclusive time of code that runs (waiting frames left out; percentages of all thread time)"
      dotnet tool run dotnet-trace -- report "$OUT/$scenario-$process.nettrace" topN -n 400 \
        | grep -E '^[0-9]+\.' | grep -v -E "$WAITING" | head -40
    } >"$OUT/$scenario-$process.txt" 2>&1
    rm -f "$OUT/$scenario-$process.nettrace" "$OUT/$scenario-$process.nettrace.etlx" # large; the reports are kept
  done
done
echo "profiles: $OUT"
