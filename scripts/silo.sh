#!/usr/bin/env bash
# Adds a silo to, or takes one out of, a cluster started by scripts/run.sh — without restarting the others.
#   scripts/silo.sh add          start one more silo (the next free number; ports follow run.sh's numbering)
#   scripts/silo.sh stop N       SIGTERM: silo N leaves gracefully (its grains reactivate on the others)
#   scripts/silo.sh kill N       SIGKILL: silo N dies; the others declare it dead after the detection time
#   scripts/silo.sh list         the silos with a pid file and whether they run
# Options: --data-dir DIR (default .data/, as run.sh). Stopping run.sh also stops silos added here.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/postgres.sh
. scripts/lib/process.sh

DATA_DIR=.data
ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --data-dir) DATA_DIR=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
RUN=$DATA_DIR/run
[ -f "$RUN/cluster.env" ] || { echo "error: no running cluster in $DATA_DIR (start scripts/run.sh first)" >&2; exit 1; }
. "$RUN/cluster.env"
pid_of() { [ -f "$RUN/silo-$1.pid" ] && cat "$RUN/silo-$1.pid"; }
running() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }

case ${ARGS[0]:-} in
  add)
    i=1
    while running "$i"; do i=$((i + 1)); done
    silo_port=$((SILO_PORT_BASE + i - 1)); gateway_port=$((GATEWAY_PORT_BASE + i - 1))
    # Silo i's metrics on the admin port base + i (run.sh's numbering; 0: none).
    admin_port=0; [ "${ADMIN_PORT_BASE:-0}" = 0 ] || admin_port=$((ADMIN_PORT_BASE + i))
    for port in "$silo_port" "$gateway_port" $([ "$admin_port" = 0 ] || echo "$admin_port"); do
      port_in_use "$port" && { echo "error: port $port is in use; silo $i cannot start" >&2; exit 1; }
    done
    Herenow__Federation__PublicUrl=${Herenow__Federation__PublicUrl:-http://127.0.0.1:5080} Herenow__Federation__AllowPrivateNetworks=${Herenow__Federation__AllowPrivateNetworks:-false} \
      Herenow__Media__BaseUrl=${Herenow__Media__BaseUrl:-} Herenow__Secrets__Key=${Herenow__Secrets__Key:-} \
      Herenow__Dashboard__Enabled=${Herenow__Dashboard__Enabled:-false} Herenow__Telemetry__Otlp__Endpoint=${Herenow__Telemetry__Otlp__Endpoint:-} \
      Logging__Console__FormatterName=${Logging__Console__FormatterName:-simple} Logging__Console__FormatterOptions__IncludeScopes=${Logging__Console__FormatterOptions__IncludeScopes:-false} \
      Herenow__Silo__AdminPort=$admin_port \
      HERENOW_POSTGRES=$HERENOW_POSTGRES Herenow__Silo__SiloPort=$silo_port Herenow__Silo__GatewayPort=$gateway_port \
      DOTNET_ENVIRONMENT=Production setsid dotnet "$SILO_DLL" >"$LOGS/silo-$i.log" 2>&1 < /dev/null &
    echo $! >"$RUN/silo-$i.pid"
    echo "silo $i started (pid $!, silo port $silo_port, gateway port $gateway_port); it joins through the membership table"
    ;;
  stop|kill)
    n=${ARGS[1]:?usage: scripts/silo.sh ${ARGS[0]} N}
    running "$n" || { echo "error: silo $n is not running" >&2; exit 1; }
    pid=$(pid_of "$n")
    if [ "${ARGS[0]}" = kill ]; then
      kill -KILL "$pid"; echo "silo $n (pid $pid) killed"
    else
      kill -TERM "$pid"
      wait_gone "$pid" 35 || { echo "error: silo $n did not stop within 35 s" >&2; exit 1; }
      echo "silo $n (pid $pid) left the cluster"
    fi
    rm -f "$RUN/silo-$n.pid"
    ;;
  list)
    for f in "$RUN"/silo-*.pid; do
      [ -f "$f" ] || continue
      n=${f##*/silo-}; n=${n%.pid}
      if running "$n"; then echo "silo $n: running (pid $(pid_of "$n"))"; else echo "silo $n: not running"; fi
    done
    ;;
  *) echo "usage: scripts/silo.sh [--data-dir DIR] add | stop N | kill N | list" >&2; exit 2 ;;
esac
