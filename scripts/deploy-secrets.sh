#!/usr/bin/env bash
# Makes the secret files compose.yaml mounts, once: secrets/postgres_password, secrets/herenow_postgres (the
# connection string the silos and the API use) and secrets/herenow_secrets_key (Herenow:Secrets:Key, which seals the
# AT Protocol app passwords: back it up apart from the database, docs/operations.md#backups). Never overwrites one.
#   scripts/deploy-secrets.sh [--dir DIR]    (default secrets/ in the repository)
# The silo and API images run as uid 1654, and compose mounts secret files with their owner and mode as they are
# here: as root, the two the images read are given to uid 1654; otherwise it prints the chown to run.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=secrets
while [ $# -gt 0 ]; do
  case $1 in
    --dir) DIR=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1" >&2; exit 2 ;;
  esac
done
IMAGE_UID=1654
umask 077
mkdir -p "$DIR"

if [ -s "$DIR/postgres_password" ]; then
  password=$(cat "$DIR/postgres_password")
else
  # Letters and digits only: it goes into a connection string unquoted.
  password=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
  printf '%s' "$password" >"$DIR/postgres_password"
  echo "made $DIR/postgres_password"
fi
if [ ! -s "$DIR/herenow_postgres" ]; then
  # Maximum Pool Size: each silo and the API open two pools; compose.yaml sizes max_connections for 20 each.
  printf 'Host=postgres;Port=5432;Username=herenow;Password=%s;Database=herenow;Maximum Pool Size=20' "$password" >"$DIR/herenow_postgres"
  echo "made $DIR/herenow_postgres"
fi
if [ ! -s "$DIR/herenow_secrets_key" ]; then
  head -c 32 /dev/urandom | base64 >"$DIR/herenow_secrets_key"
  echo "made $DIR/herenow_secrets_key (back it up: without it the linked AT Protocol accounts cannot be used)"
fi

if [ "$(id -u)" = 0 ]; then
  chown "$IMAGE_UID:$IMAGE_UID" "$DIR/herenow_postgres" "$DIR/herenow_secrets_key"
else
  echo "now, so that the containers' user can read them:"
  echo "  sudo chown $IMAGE_UID:$IMAGE_UID $DIR/herenow_postgres $DIR/herenow_secrets_key"
fi
