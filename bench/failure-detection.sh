#!/usr/bin/env bash
# Measures how long the cluster takes to declare a failed silo Dead in the membership table: starts a throwaway
# PostgreSQL, then per trial 3 real silo processes (a cluster id of their own), waits until all 3 are Active and
# the failure detectors have warmed up, sends one of them a signal and polls orleans_membership until its row has
# status 6 (Dead). KILL = a crash (kill -9); STOP = a hung process (kill -STOP; afterwards kill -CONT, and the time
# until the resumed silo, finding itself declared dead, exits on its own). Each setting is run with Orleans'
# default ClusterMembershipOptions (Herenow:Membership:OrleansDefaults=true) and with Herenow's (ADR 0014).
# Writes bench/results/failure-detection/<UTC date>.md. Everything listens on 127.0.0.1; every process it starts is
# stopped by pid (pid files in its work directory), also on Ctrl-C or failure; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib/postgres.sh

TRIALS=3
SIGNALS=KILL,STOP
CONFIGS=orleans,herenow
WARMUP=20
BUILD=1
KEEP=""
OUT=""
EXTRA_ENV=()
usage() {
  cat <<USAGE
usage: bench/failure-detection.sh [--trials N] [--signals KILL,STOP] [--configs orleans,herenow] [--warmup S]
                                  [--env NAME=VALUE]... [--no-build] [--keep] [--out FILE]
  --trials N      trials per configuration and signal (default 3)
  --signals LIST  KILL (crash), STOP (hang), or both (default KILL,STOP)
  --configs LIST  orleans (Orleans' defaults), herenow (Herenow's values), or both (default orleans,herenow)
  --warmup S      seconds between "all 3 Active" and the signal, so the adaptive probe timeouts have samples
                  (default 20)
  --env NAME=VALUE  extra environment for every silo, e.g. Herenow__Membership__TableRefreshTimeout=00:01:00
                  to measure one value on its own (recorded in the results)
  --no-build      use the existing Release build of src/Silo
  --keep          keep the work directory (silo logs) afterwards
  --out FILE      results file (default bench/results/failure-detection/<UTC date>.md)
USAGE
}
while [ $# -gt 0 ]; do
  case $1 in
    --trials) TRIALS=$2; shift 2 ;;
    --signals) SIGNALS=$2; shift 2 ;;
    --configs) CONFIGS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --env) [[ $2 == *=* ]] || { echo "error: --env needs NAME=VALUE" >&2; exit 2; }; EXTRA_ENV+=("$2"); shift 2 ;;
    --no-build) BUILD=""; shift ;;
    --keep) KEEP=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $TRIALS =~ ^[1-9][0-9]?$ ]] || { echo "error: --trials must be 1..99" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "error: --warmup must be a number of seconds" >&2; exit 2; }
for s in ${SIGNALS//,/ }; do [[ $s == KILL || $s == STOP ]] || { echo "error: unknown signal $s" >&2; exit 2; }; done
for c in ${CONFIGS//,/ }; do [[ $c == orleans || $c == herenow ]] || { echo "error: unknown config $c" >&2; exit 2; }; done

# Bounds (seconds).
START_LIMIT=120    # all 3 silos Active
DETECT_LIMIT=240   # signal -> Dead
EXIT_LIMIT=120     # kill -CONT -> the resumed silo has exited

pg_find_bin || { echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql" >&2; exit 1; }
WORK=$(mktemp -d /tmp/herenow-failure-detection.XXXXXX)
chmod 755 "$WORK"
RUN=$WORK/run
mkdir -p "$RUN" "$WORK/logs"
PG_PORT=""
FAILED=""

stop_silos() {
  local f pid
  for f in "$RUN"/silo-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    # A stopped process cannot act on anything but SIGKILL and SIGCONT; SIGKILL ends it either way.
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    rm -f "$f"
  done
}
cleanup() {
  trap - INT TERM EXIT
  stop_silos
  pg_stop "$WORK/pgdata" immediate
  if [ -n "$KEEP$FAILED" ]; then echo "work directory (silo logs) kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 130' INT
trap 'FAILED=1; exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# Alive and not a zombie (a child this shell has not reaped yet still answers kill -0).
alive() { local state; state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1; [ -n "$state" ] && [ "$state" != Z ]; }
sql() { pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d herenow -tAc "$1"; }
# A port for a silo: below the kernel's ephemeral range (where free_port picks, and where outgoing connections take
# their local ports, so a port free now may be taken a second later), never one handed out before in this run.
USED_PORTS=" "
fresh_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % 12000) + 20000 ))
    if [[ $USED_PORTS != *" $p "* ]] && ! port_in_use "$p"; then USED_PORTS="$USED_PORTS$p "; echo "$p"; return 0; fi
  done
  return 1
}

PG_PORT=$(free_port)
pg_start "$WORK/pgdata" "$PG_PORT" "$WORK/postgres.log"
pg_create_db "$PG_PORT" herenow
export HERENOW_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=herenow"
echo "PostgreSQL on 127.0.0.1:$PG_PORT; work directory $WORK"

if [ -n "$BUILD" ]; then
  echo "building src/Silo (Release)..."
  dotnet build src/Silo/Herenow.Silo.csproj -c Release -v quiet -nologo >"$WORK/build.log" 2>&1 \
    || { FAILED=1; echo "error: build failed; see $WORK/build.log" >&2; exit 1; }
fi
SILO_DLL=$ROOT/src/Silo/bin/Release/net10.0/Herenow.Silo.dll
[ -f "$SILO_DLL" ] || { echo "error: $SILO_DLL not found (run without --no-build)" >&2; exit 1; }
dotnet "$SILO_DLL" migrate >"$WORK/migrate.log"

RESULTS=$WORK/results.tsv   # config signal trial detected_s exit_s voters
: >"$RESULTS"
declare -A SETTINGS=()

# trial CONFIG SIGNAL N: one fresh 3-silo cluster, one signal, one measurement.
trial() {
  local config=$1 signal=$2 n=$3
  local cluster="fd-$config-${signal,,}-$n-$RANDOM"
  local logs=$WORK/logs/$cluster
  mkdir -p "$logs"
  local env=(DOTNET_ENVIRONMENT=Production Herenow__ClusterId="$cluster" Herenow__ServiceId="$cluster")
  [ "$config" = orleans ] && env+=(Herenow__Membership__OrleansDefaults=true)
  env+=("${EXTRA_ENV[@]}")
  local pids=() ports=() i sp gp
  for i in 1 2 3; do
    sp=$(fresh_port); gp=$(fresh_port)
    env "${env[@]}" Herenow__Silo__SiloPort="$sp" Herenow__Silo__GatewayPort="$gp" \
      dotnet "$SILO_DLL" >"$logs/silo-$i.log" 2>&1 &
    pids+=($!); ports+=("$sp"); echo $! >"$RUN/silo-$i.pid"
    disown $!   # no "Killed" job notices; alive() and the pid files keep track
  done

  local start=$SECONDS active=0
  while [ $((SECONDS - start)) -lt $START_LIMIT ]; do
    active=$(sql "SELECT count(*) FROM orleans_membership WHERE deployment_id = '$cluster' AND status = 3")
    [ "$active" = 3 ] && break
    for i in 0 1 2; do
      alive "${pids[$i]}" && continue
      if grep -q AddressInUseException "$logs/silo-$((i + 1)).log"; then
        echo "  (silo $((i + 1)) lost a race for its port; the trial starts again)"; stop_silos; RETRY=1; return 0
      fi
      FAILED=1; echo "error: silo $((i + 1)) exited during start-up; see $logs/" >&2; exit 1
    done
    sleep 0.5
  done
  [ "$active" = 3 ] || { FAILED=1; echo "error: 3 silos not Active within $START_LIMIT s; see $logs/" >&2; exit 1; }
  [ -n "${SETTINGS[$config]:-}" ] || SETTINGS[$config]=$(grep -o 'Membership: .*' "$logs/silo-1.log" | head -1 | cut -d' ' -f2-)
  sleep "$WARMUP"

  # The victim is silo 3; with 3 silos each probes the other two, so the choice is symmetric.
  local victim=${pids[2]} port=${ports[2]} t0 t1 status="" detected exited="-"
  t0=$(now)
  kill "-$signal" "$victim"
  while :; do
    status=$(sql "SELECT status FROM orleans_membership WHERE deployment_id = '$cluster' AND port = $port")
    [ "$status" = 6 ] && break
    if [ "$(elapsed "$t0" "$(now)" | cut -d. -f1)" -ge $DETECT_LIMIT ]; then break; fi
    sleep 0.2
  done
  t1=$(now)
  if [ "$status" = 6 ]; then detected=$(elapsed "$t0" "$t1"); else detected="> $DETECT_LIMIT"; fi
  local voters
  voters=$(sql "SELECT coalesce(suspect_times, '') FROM orleans_membership WHERE deployment_id = '$cluster' AND port = $port" \
    | grep -o '127\.0\.0\.1:[0-9]*' | cut -d: -f2 | sort -u | paste -sd' ' - || true)

  if [ "$signal" = STOP ]; then
    local t2; t2=$(now)
    kill -CONT "$victim"
    while alive "$victim" && [ "$(elapsed "$t2" "$(now)" | cut -d. -f1)" -lt $EXIT_LIMIT ]; do sleep 0.2; done
    if alive "$victim"; then exited="> $EXIT_LIMIT"; else exited=$(elapsed "$t2" "$(now)"); fi
  fi
  stop_silos
  # Ports of the votes' authors -> silo numbers.
  local by=""
  for i in 0 1; do [[ " $voters " == *" ${ports[$i]} "* ]] && by="$by silo$((i + 1))"; done
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$signal" "$n" "$detected" "$exited" "${by# }" >>"$RESULTS"
  echo "  $config $signal trial $n: declared Dead after $detected s${by:+ (votes: ${by# })}$([ "$signal" = STOP ] && echo "; after kill -CONT it exited in $exited s")"
}

STAMP=$(date -u +%Y-%m-%dT%H%MZ)   # the start of the measurements
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for config in ${CONFIGS//,/ }; do
  for signal in ${SIGNALS//,/ }; do
    echo "$config, $signal: $TRIALS trial(s)"
    for n in $(seq 1 "$TRIALS"); do
      # (a plain call, not "trial || ...", so that set -e stays in force inside it)
      RETRY=1; tries=0
      while [ -n "$RETRY" ]; do
        [ $tries -lt 3 ] || { FAILED=1; echo "error: no free ports after 3 tries" >&2; exit 1; }
        RETRY=""; tries=$((tries + 1)); trial "$config" "$signal" "$n"
      done
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# Median of the numbers on stdin (one a line).
stats() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- | - | -"; exit }
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f | %.1f | %.1f", v[1], m, v[NR] }'; }

COMMIT=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src bench/failure-detection.sh 2>/dev/null || COMMIT="$COMMIT-dirty"
[ -n "$OUT" ] || OUT=$ROOT/bench/results/failure-detection/$STAMP.md
mkdir -p "$(dirname "$OUT")"
ORLEANS=$(sed -n 's/.*<OrleansVersion>\(.*\)<\/OrleansVersion>.*/\1/p' Directory.Packages.props)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "# Failure detection: time until a failed silo is Dead in the membership table"
  echo
  echo "$STAMP · commit $COMMIT · Orleans $ORLEANS · $(nproc) CPUs ($CPU), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM," \
    "$(uname -sr) · load average before $LOAD_BEFORE, after $LOAD_AFTER"
  echo
  echo "\`bench/failure-detection.sh --trials $TRIALS --signals $SIGNALS --configs $CONFIGS --warmup $WARMUP${EXTRA_ENV[*]/#/ --env }\`: per trial a fresh"
  echo "cluster of 3 silo processes on 127.0.0.1 (ADO.NET membership in a throwaway PostgreSQL), ${WARMUP} s after all 3 are"
  echo "Active one gets the signal; *detected* is the time from the signal until its row in \`orleans_membership\` has"
  echo "status 6 (polled every 0.2 s). KILL = \`kill -9\` (a crash: its connections close). STOP = \`kill -STOP\` (a hang: its"
  echo "connections stay open); *exit* is the time from \`kill -CONT\` until the resumed silo, finding itself dead, has exited."
  echo "*votes* = the silos whose suspicion is recorded in the row (a silo whose indirect probe also failed declares it alone)."
  echo
  echo "## Settings"
  echo
  for config in ${CONFIGS//,/ }; do echo "- **$config**: ${SETTINGS[$config]:-?}"; done
  echo
  echo "## Summary (seconds)"
  echo
  echo "| config | signal | detected min | median | max | exit after CONT min | median | max |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  for config in ${CONFIGS//,/ }; do
    for signal in ${SIGNALS//,/ }; do
      d=$(awk -F'\t' -v c="$config" -v s="$signal" '$1 == c && $2 == s && $4 !~ />/ {print $4}' "$RESULTS" | stats)
      e=$(awk -F'\t' -v c="$config" -v s="$signal" '$1 == c && $2 == s && $5 !~ /[->]/ {print $5}' "$RESULTS" | stats)
      echo "| $config | $signal | $d | $e |"
    done
  done
  echo
  echo "## Trials"
  echo
  echo "| config | signal | trial | detected (s) | exit after CONT (s) | votes |"
  echo "| --- | --- | --- | --- | --- | --- |"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$RESULTS"
} >"$OUT"
echo "results: $OUT"
cat "$OUT"
