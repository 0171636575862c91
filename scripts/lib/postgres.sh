# Helpers for a project-owned PostgreSQL cluster on loopback. Sourced by run.sh and test.sh.
# The server runs as the invoking user, or as the 'postgres' OS user when invoked as root (PostgreSQL refuses root).

pg_find_bin() {
  local dir
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then PG_BIN=$dir; return 0; fi
  done
  return 1
}

# Run a PostgreSQL server binary as the right OS user.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768-60999), so an outgoing connection cannot take it after the check.
    port=$(( (RANDOM % 12000) + 20000 ))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  return 1
}

# pg_start DATA_DIR PORT LOG_FILE: initialise DATA_DIR on first use, then start the server on 127.0.0.1:PORT.
# HERENOW_PG_EXTRA_OPTIONS (opt-in, unset by default): more server options, e.g. the bench's
# "-c shared_preload_libraries=pg_stat_statements".
pg_start() {
  local data=$1 port=$2 log=$3
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "error: running as root needs the 'postgres' OS user (apt-get install postgresql)" >&2; return 1; }
    chown postgres "$data"
    touch "$log" && chown postgres "$log"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    # Trust authentication is safe only because the server listens on loopback alone.
    pg_as_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null || return 1
  fi
  pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c max_connections=400 -c timezone=UTC${HERENOW_PG_EXTRA_OPTIONS:+ $HERENOW_PG_EXTRA_OPTIONS}" \
    start >/dev/null || { echo "error: PostgreSQL did not start; see $log" >&2; return 1; }
}

pg_stop() {
  local data=$1 mode=${2:-fast}
  [ -f "$data/postmaster.pid" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
}

# pg_create_db PORT NAME: create the database if it does not exist.
pg_create_db() {
  local port=$1 name=$2
  local sql="SELECT 1 FROM pg_database WHERE datname = '$name'"
  if [ -z "$(pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "$sql" 2>/dev/null)" ]; then
    pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}
