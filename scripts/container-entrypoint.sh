#!/bin/sh
# Entrypoint of the Herenow images (src/Silo/Dockerfile, src/Api/Dockerfile): every file in $HERENOW_SECRETS_DIR
# (default /run/secrets, where compose and swarm mount secrets) named after a Herenow setting — HERENOW_POSTGRES or
# Herenow__* — becomes that environment variable, then the command runs in this process (exec: it gets SIGTERM).
# So the connection string and the secrets key live in files, not in compose.yaml or `docker inspect`.
# A secret file wins over an environment variable of the same name.
set -eu
secrets_dir=${HERENOW_SECRETS_DIR:-/run/secrets}
for file in "$secrets_dir"/HERENOW_POSTGRES "$secrets_dir"/Herenow__*; do
  [ -f "$file" ] || continue
  name=${file##*/}
  case $name in
    *[!A-Za-z0-9_]*) echo "herenow-entrypoint: $file: a secret's file name must be a variable name" >&2; exit 2 ;;
  esac
  # $(...) drops the trailing newline an editor or echo leaves; no setting ends in one.
  export "$name=$(cat "$file")"
done
exec "$@"
