# Shared by bench/run.sh and bench/profile.sh: the bench's own Herenow (scripts/run.sh in the background with its
# own data directory and ports), stopped by pid; the harness; and a wait for a quiet silo. Source it, then call
# service_init once the options are parsed.

# The seed's format (keep equal to SeedPlan.Format in Herenow.Bench/Seeding/SeedPlan.cs; a test checks): seeded data is
# kept and reused, so a seed of another format goes into another data directory instead of being topped up.
SEED_FORMAT=2
DATA_DIR=${DATA_DIR:-.data/bench-seed$SEED_FORMAT}
API_PORT=${API_PORT:-5180}
PG_PORT=${PG_PORT:-55532}
SILO_PORT=${SILO_PORT:-21111}
GATEWAY_PORT=${GATEWAY_PORT:-31000}
# The metrics (admin) ports: the API on ADMIN_PORT, silo i on ADMIN_PORT+i. Not scripts/run.sh's default 9464, which a
# developer's own instance on this host may hold; the harness reads grain-call counts from the silos' /metrics.
ADMIN_PORT=${ADMIN_PORT:-19464}
QUICK=${QUICK:-}
EXTRA=()
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/process.sh"

service_init() {
  mkdir -p "$DATA_DIR"
  DATA_DIR=$(cd "$DATA_DIR" && pwd)
  SERVICE_PID_FILE=$DATA_DIR/service.pid
  SERVICE_LOG=$DATA_DIR/service.log
  HARNESS=$ROOT/bench/Herenow.Bench/bin/Release/net10.0/Herenow.Bench.dll
  export HERENOW_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=herenow"
}

stop_service() {
  [ -f "$SERVICE_PID_FILE" ] || return 0
  local pid; pid=$(cat "$SERVICE_PID_FILE")
  if kill -0 "$pid" 2>/dev/null; then
    echo "stopping the service (pid $pid)..."
    # scripts/run.sh stops the API, the silos and PostgreSQL on SIGTERM; its process group is the last resort.
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 60 || kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$SERVICE_PID_FILE"
}

start_service() {
  local silos=$1; shift # anything after the silo count goes to scripts/run.sh (e.g. --cohost)
  stop_service
  echo "starting the service: $silos silo(s), API 127.0.0.1:$API_PORT, PostgreSQL 127.0.0.1:$PG_PORT, data $DATA_DIR"
  # setsid: its own process group, so it can be stopped as a unit and never catches our terminal's Ctrl-C twice.
  # Rate limits far above any load the harness offers (thousands of requests a second from one address, thousands of
  # accounts): the bench measures the service's capacity, not its limits; the limiters still run, so their cost is in
  # the figures.
  # shellcheck disable=SC2046 # word splitting intended: one assignment per word
  env -u HERENOW_POSTGRES $(rate_limits_far_above_load) \
    HERENOW_PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=10000" \
    setsid scripts/run.sh --silos "$silos" --port "$API_PORT" --pg-port "$PG_PORT" \
    --silo-port "$SILO_PORT" --gateway-port "$GATEWAY_PORT" --admin-port "$ADMIN_PORT" --data-dir "$DATA_DIR" "$@" >"$SERVICE_LOG" 2>&1 &
  echo $! >"$SERVICE_PID_FILE"
  # Up to 15 minutes: scripts/run.sh builds the solution first, which takes minutes on a busy 2-core host.
  for _ in $(seq 1 1800); do
    grep -q "Herenow is running" "$SERVICE_LOG" 2>/dev/null && return 0
    kill -0 "$(cat "$SERVICE_PID_FILE")" 2>/dev/null || { echo "error: the service did not start; see $SERVICE_LOG" >&2; tail -5 "$SERVICE_LOG" >&2; exit 1; }
    sleep 0.5
  done
  echo "error: the service was not ready within 15 minutes; see $SERVICE_LOG" >&2; exit 1
}

# The harness's thread pool does not spin while waiting for work: on a shared 2-core host its spinning burned CPU the
# service needed (the generator's own CPU per request is in the results as "harness").
harness() { DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$HARNESS" "$@" $QUICK --base-url "http://127.0.0.1:$API_PORT" --run-dir "$DATA_DIR/run" --admin-port "$ADMIN_PORT" "${EXTRA[@]}"; }

# CPU seconds (user + system) a process has used, from /proc/<pid>/stat.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Waits until the silos have used under a quarter of a core for 5 s in a row, after at least MIN seconds: work left
# over from seeding (fan-outs resumed by reminders after the restart, feed flushes) must not be measured as load.
# (A silo holding 100k idle activations still uses ~12% of a core, so "idle" cannot mean zero.) Bounded: gives up
# after MAX seconds (default 600) and says so.
wait_quiet() {
  local min=${1:-0} max=${2:-600} start=$SECONDS quiet=0 hz; hz=$(getconf CLK_TCK)
  echo "waiting for the silos to go quiet (at least ${min} s, at most ${max} s)..."
  while [ $((SECONDS - start)) -lt "$max" ]; do
    local before=0 after=0 f
    for f in "$DATA_DIR"/run/silo-*.pid; do before=$((before + $(cpu_ticks "$(cat "$f")"))); done
    sleep 1
    for f in "$DATA_DIR"/run/silo-*.pid; do after=$((after + $(cpu_ticks "$(cat "$f")"))); done
    if [ $(((after - before) * 100)) -lt $((hz * 25)) ]; then quiet=$((quiet + 1)); else quiet=0; fi
    if [ "$quiet" -ge 5 ] && [ $((SECONDS - start)) -ge "$min" ]; then
      echo "quiet after $((SECONDS - start)) s"; return 0
    fi
  done
  echo "warning: the silos were still busy after $max s; measuring anyway" >&2
}

# wait_outbox_drained MAX: check-in events still in the outbox (seeding, or a check-in figure whose service was
# stopped less than a settle period after its load: up to 45 s of its rate) are claimed by the sweeper once their lease
# runs out and delivered again. Measuring before then would measure that backlog (tens of thousands of re-deliveries
# in the first steps) instead of the service, so figures start only once the outbox is empty.
wait_outbox_drained() {
  local max=${1:-360} start=$SECONDS count
  . "$ROOT/scripts/lib/postgres.sh"; pg_find_bin
  echo "waiting for the check-in outbox to drain (at most $max s)..."
  while [ $((SECONDS - start)) -lt "$max" ]; do
    count=$(pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d herenow -tAc \
      "SELECT count(*) FROM checkins WHERE outbox_due IS NOT NULL" 2>/dev/null || echo "?")
    if [ "$count" = 0 ]; then echo "drained after $((SECONDS - start)) s"; return 0; fi
    echo "  $count events in the outbox ($((SECONDS - start)) s)"
    sleep 15
  done
  echo "warning: $count events still in the outbox after $max s; measuring anyway" >&2
}
