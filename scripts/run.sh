#!/usr/bin/env bash
# Runs Herenow locally: PostgreSQL (unless HERENOW_POSTGRES is set), migrations, N silos and the API.
# With --cohost the API and silo 1 are one process (ADR 0028); silos 2..N, if any, are plain silos.
# Ctrl-C or SIGTERM stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib/postgres.sh
. scripts/lib/process.sh

DATA_DIR=.data
SILOS=1
API_PORT=5080
PG_PORT=55432
SILO_PORT_BASE=11111
GATEWAY_PORT_BASE=30000
PUBLIC_URL=""
ALLOW_PRIVATE=false
ADMIN_PORT_BASE=9464
ADMINS=${HERENOW_ADMINS:-}
DASHBOARD=false
JSON_LOGS=false
OTLP=""
COHOST=false
usage() {
  cat <<USAGE
usage: scripts/run.sh [--silos N] [--port P] [--data-dir DIR] [--pg-port P] [--silo-port P] [--gateway-port P]
                      [--public-url URL] [--allow-private-networks] [--admin NAME] [--admin-port P]
                      [--dashboard] [--json-logs] [--otlp URL] [--cohost]
  --silos N      silo processes to start (default 1)
  --cohost       the API co-hosts silo 1 in its process (one process instead of two; ADR 0028); silos 2..N stay
                 plain silos. Default: the API is a separate Orleans client
  --port P       API port on 127.0.0.1 (default 5080)
  --data-dir DIR PostgreSQL data, logs and pid files (default .data/)
  --pg-port P    port of the local PostgreSQL (default 55432)
  --silo-port P  first silo-to-silo port; silo i gets P+i-1 (default 11111)
  --gateway-port P first gateway port; silo i gets P+i-1 (default 30000)
  --public-url URL the origin in every ActivityPub id (default http://127.0.0.1:PORT). Federation needs https,
                 or plain http together with --allow-private-networks
  --allow-private-networks  remote fetches and deliveries may reach loopback and private addresses (tests, local peers)
  --admin NAME   a local account that may use /api/v1/admin (repeatable; or HERENOW_ADMINS=alice,bob)
  --admin-port P the API's admin port on 127.0.0.1 (/metrics, the dashboard); silo i gets P+i (default 9464; 0: none)
  --dashboard    the Orleans Dashboard on the API's admin port (http://127.0.0.1:P/dashboard/)
  --json-logs    JSON console logs with scopes (trace id, span id, check-in id) on every line
  --otlp URL     export metrics and traces over OTLP to URL (or set OTEL_EXPORTER_OTLP_ENDPOINT)
Set HERENOW_POSTGRES to a connection string to use your own PostgreSQL instead of a local one.
USAGE
}
while [ $# -gt 0 ]; do
  case $1 in
    --silos) SILOS=$2; shift 2 ;;
    --port) API_PORT=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --pg-port) PG_PORT=$2; shift 2 ;;
    --silo-port) SILO_PORT_BASE=$2; shift 2 ;;
    --gateway-port) GATEWAY_PORT_BASE=$2; shift 2 ;;
    --public-url) PUBLIC_URL=$2; shift 2 ;;
    --allow-private-networks) ALLOW_PRIVATE=true; shift ;;
    --admin) ADMINS=${ADMINS:+$ADMINS,}$2; shift 2 ;;
    --admin-port) ADMIN_PORT_BASE=$2; shift 2 ;;
    --dashboard) DASHBOARD=true; shift ;;
    --json-logs) JSON_LOGS=true; shift ;;
    --otlp) OTLP=$2; shift 2 ;;
    --cohost) COHOST=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $SILOS =~ ^[1-9][0-9]?$ ]] || { echo "error: --silos must be a number from 1 to 99" >&2; exit 2; }
[[ $ADMIN_PORT_BASE =~ ^[0-9]+$ ]] || { echo "error: --admin-port must be a port number (0: none)" >&2; exit 2; }
[ "$DASHBOARD" = false ] || [ "$ADMIN_PORT_BASE" != 0 ] || { echo "error: --dashboard needs an admin port" >&2; exit 2; }
# Observability (docs/observability.md), for the API and every silo alike.
export Herenow__Admin__Usernames=$ADMINS Herenow__Dashboard__Enabled=$DASHBOARD
[ -z "$OTLP" ] || export Herenow__Telemetry__Otlp__Endpoint=$OTLP
if [ "$JSON_LOGS" = true ]; then
  export Logging__Console__FormatterName=json Logging__Console__FormatterOptions__IncludeScopes=true
fi
PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$API_PORT}
case $PUBLIC_URL in
  https://*) ;;
  http://*) [ "$ALLOW_PRIVATE" = true ] || echo "note: federation is off: $PUBLIC_URL is plain http (give an https --public-url, or --allow-private-networks for local peers)" ;;
  *) echo "error: --public-url must start with https:// or http://" >&2; exit 2 ;;
esac
# Silos and the API must agree on the origin (ids are minted from it) and on the network policy.
export Herenow__Federation__PublicUrl=$PUBLIC_URL Herenow__Federation__AllowPrivateNetworks=$ALLOW_PRIVATE
# Photos in federated activities link where the API serves them (silos render those activities).
export Herenow__Media__BaseUrl=${Herenow__Media__BaseUrl:-${PUBLIC_URL%/}}
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
# The key that seals secrets at rest (AT Protocol app passwords): made once per data directory, readable by its
# owner only. Set Herenow__Secrets__Key yourself to keep it elsewhere (a secret store).
if [ -z "${Herenow__Secrets__Key:-}" ]; then
  if [ ! -s "$DATA_DIR/secret.key" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$DATA_DIR/secret.key")
  fi
  Herenow__Secrets__Key=$(cat "$DATA_DIR/secret.key")
fi
export Herenow__Secrets__Key
LOGS=$DATA_DIR/logs
RUN=$DATA_DIR/run
mkdir -p "$LOGS" "$RUN"

# Refuse to start over ports that are taken, with one clear line.
check_port() { if port_in_use "$1"; then echo "error: port $1 ($2) is already in use on 127.0.0.1" >&2; exit 1; fi; }
check_port "$API_PORT" "API"
for i in $(seq 0 $((SILOS - 1))); do
  check_port $((SILO_PORT_BASE + i)) "silo $((i + 1))"
  check_port $((GATEWAY_PORT_BASE + i)) "gateway of silo $((i + 1))"
  [ "$ADMIN_PORT_BASE" = 0 ] || check_port $((ADMIN_PORT_BASE + i + 1)) "admin port of silo $((i + 1))"
done
[ "$ADMIN_PORT_BASE" = 0 ] || check_port "$ADMIN_PORT_BASE" "API admin port"
# Co-hosted, silo 1 is the API's process: its metrics are on the API's admin port, so it has none of its own.
FIRST_SILO=1; [ "$COHOST" = false ] || FIRST_SILO=2

PIDS=()
OWN_PG=""
cleanup() {
  trap - INT TERM EXIT
  echo "stopping..."
  # The API first, then the silos (SIGTERM: they leave the cluster gracefully), then PostgreSQL.
  local pid f all=("${PIDS[@]}")
  # Silos added later with scripts/silo.sh are not our children, but they are ours to stop.
  for f in "$RUN"/silo-*.pid; do [ -f "$f" ] && all+=("$(cat "$f")"); done
  stop_gracefully 35 "${all[@]}"
  rm -f "$RUN"/*.pid "$RUN/cluster.env"
  if [ -n "$OWN_PG" ]; then pg_stop "$OWN_PG/pgdata"; fi
  echo "stopped."
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${HERENOW_POSTGRES:-}" ]; then
  pg_find_bin || { echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 (apt-get install postgresql) or set HERENOW_POSTGRES" >&2; exit 1; }
  check_port "$PG_PORT" "PostgreSQL"
  pg_start "$DATA_DIR/pgdata" "$PG_PORT" "$LOGS/postgres.log"
  OWN_PG=$DATA_DIR
  pg_create_db "$PG_PORT" herenow
  export HERENOW_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=herenow"
  PG_WHERE="127.0.0.1:$PG_PORT (data in $DATA_DIR/pgdata, log $LOGS/postgres.log)"
else
  PG_WHERE="from HERENOW_POSTGRES"
fi

echo "building..."
# The web client the API serves at / (web/, bundled into src/Api/wwwroot). Without it the API still runs and / says so.
scripts/web.sh build >"$LOGS/web.log" 2>&1 || echo "warning: the web client could not be built (npm needed; see $LOGS/web.log): / will say so, the API works" >&2
dotnet build Orleans.sln -c Release -v quiet -nologo >"$LOGS/build.log" 2>&1 || { echo "error: build failed; see $LOGS/build.log" >&2; exit 1; }
SILO_DLL=$ROOT/src/Silo/bin/Release/net10.0/Herenow.Silo.dll
API_DLL=$ROOT/src/Api/bin/Release/net10.0/Herenow.Api.dll

dotnet "$SILO_DLL" migrate

# What scripts/silo.sh needs to add a silo to this running cluster.
cat >"$RUN/cluster.env" <<ENV
HERENOW_POSTGRES='$HERENOW_POSTGRES'
SILO_DLL='$SILO_DLL'
SILO_PORT_BASE=$SILO_PORT_BASE
GATEWAY_PORT_BASE=$GATEWAY_PORT_BASE
ADMIN_PORT_BASE=$ADMIN_PORT_BASE
LOGS='$LOGS'
Herenow__Dashboard__Enabled=$DASHBOARD
Herenow__Telemetry__Otlp__Endpoint='${Herenow__Telemetry__Otlp__Endpoint:-}'
Logging__Console__FormatterName='${Logging__Console__FormatterName:-}'
Logging__Console__FormatterOptions__IncludeScopes='${Logging__Console__FormatterOptions__IncludeScopes:-}'
Herenow__Federation__PublicUrl='$PUBLIC_URL'
Herenow__Federation__AllowPrivateNetworks=$ALLOW_PRIVATE
Herenow__Media__BaseUrl='$Herenow__Media__BaseUrl'
Herenow__Secrets__Key='$Herenow__Secrets__Key'
ENV
chmod 600 "$RUN/cluster.env" # it holds the secrets key

for i in $(seq "$FIRST_SILO" "$SILOS"); do
  Herenow__Silo__SiloPort=$((SILO_PORT_BASE + i - 1)) Herenow__Silo__GatewayPort=$((GATEWAY_PORT_BASE + i - 1)) \
    Herenow__Silo__AdminPort=$([ "$ADMIN_PORT_BASE" = 0 ] && echo 0 || echo $((ADMIN_PORT_BASE + i))) \
    DOTNET_ENVIRONMENT=Production dotnet "$SILO_DLL" >"$LOGS/silo-$i.log" 2>&1 &
  PIDS+=($!); echo $! >"$RUN/silo-$i.pid"
done
# Media URLs in responses are absolute, on this API, unless the caller set a base (a CDN, another host name).
# Co-hosted, the API's process is also silo 1 (silo-1.pid names it too, so scripts/silo.sh numbers on from 2).
(cd "$ROOT/src/Api" && Herenow__Media__BaseUrl="${Herenow__Media__BaseUrl:-http://127.0.0.1:$API_PORT}" \
  Herenow__Api__CoHostSilo=$COHOST Herenow__Silo__SiloPort=$SILO_PORT_BASE Herenow__Silo__GatewayPort=$GATEWAY_PORT_BASE \
  Herenow__Silo__AdminPort=0 \
  Herenow__Admin__Port=$ADMIN_PORT_BASE ASPNETCORE_ENVIRONMENT=Production exec dotnet "$API_DLL" --urls "http://127.0.0.1:$API_PORT") >"$LOGS/api.log" 2>&1 &
PIDS+=($!); echo $! >"$RUN/api.pid"
[ "$COHOST" = false ] || echo "$!" >"$RUN/silo-1.pid"

echo "waiting for the cluster..."
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1; then break; fi
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "error: a process exited during start-up; see $LOGS/" >&2; exit 1; }
  done
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1 || { echo "error: not ready after 60 s; see $LOGS/" >&2; exit 1; }

cat <<INFO
Herenow is running.
  web client  http://127.0.0.1:$API_PORT/
  API         http://127.0.0.1:$API_PORT/api/v1   (docs: /docs, OpenAPI: /openapi/v1.json)
  silos       $SILOS (silo ports $SILO_PORT_BASE.., gateway ports $GATEWAY_PORT_BASE..)$([ "$COHOST" = false ] || echo "; silo 1 is co-hosted in the API's process")
  PostgreSQL  $PG_WHERE
$(if [ "$ADMIN_PORT_BASE" != 0 ]; then
  echo "  metrics     http://127.0.0.1:$ADMIN_PORT_BASE/metrics (API$([ "$COHOST" = false ] || echo " and silo 1")), http://127.0.0.1:$((ADMIN_PORT_BASE + FIRST_SILO))/metrics .. (silo $FIRST_SILO..)"
  [ "$DASHBOARD" = false ] || echo "  dashboard   http://127.0.0.1:$ADMIN_PORT_BASE/dashboard/"
fi)
  admins      ${ADMINS:-none (--admin NAME)}: GET /api/v1/admin/cluster
  logs        $LOGS/    pids: $RUN/
Press Ctrl-C to stop.
INFO
# A silo that dies is reported and the others keep serving: that is what the cluster is for (its grains move to
# the survivors once the membership declares it dead). The run ends when the API exits or no silo is left.
API_PID=${PIDS[-1]}
while true; do
  alive=()
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
  kill -0 "$API_PID" 2>/dev/null || { echo "error: the API exited; see $LOGS/api.log" >&2; exit 1; }
  [ "$COHOST" = true ] || [ ${#alive[@]} -gt 1 ] || { echo "error: no silo is left; see $LOGS/" >&2; exit 1; }
  wait -n "${alive[@]}" || true
  for i in $(seq "$FIRST_SILO" "$SILOS"); do
    pid=${PIDS[$((i - FIRST_SILO))]}
    if [ "$(cat "$RUN/silo-$i.pid" 2>/dev/null)" = "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "warning: silo $i (pid $pid) exited; the others keep serving; see $LOGS/silo-$i.log" >&2
      rm -f "$RUN/silo-$i.pid"
    fi
  done
done
exit 1
