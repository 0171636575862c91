#!/usr/bin/env bash
# Runs the container images' build steps without a container engine (there is none on this project's machines or CI),
# then, unless --no-run, runs what they produced the way compose.yaml runs the images.
#   scripts/check-deploy.sh [--no-run] [--keep]
# Build: for src/Silo/Dockerfile and src/Api/Dockerfile, each build stage is replayed in its own directory: its COPY
# lines copy from the repository (less bin/ and obj/, as .dockerignore does) or from an earlier stage, its RUN lines
# run there with the host's dotnet and node (the images use sdk:10.0 and node:22), and `-o /app` goes to a directory
# of its own. A path the Dockerfile forgets to copy fails the build here as it would in `docker build`.
# Run: a throwaway PostgreSQL, `migrate` and then three silos and the API from the published outputs through
# scripts/container-entrypoint.sh with the connection string and secrets key as secret files; it waits until
# /health/ready reports three active silos. Takes 3-5 minutes; too slow for the test suite, so it is its own script.
# Not covered: the base images, the runtime stages' COPY/USER/HEALTHCHECK (tests/Herenow.Tests/Deployment checks what
# they name), compose's networking.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib/postgres.sh
. scripts/lib/process.sh

RUN_CHECK=true; KEEP=false
while [ $# -gt 0 ]; do
  case $1 in
    --no-run) RUN_CHECK=false; shift ;;
    --keep) KEEP=true; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d /tmp/herenow-check-deploy.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  local pid
  stop_gracefully 35 "${PIDS[@]}"
  [ -n "${PG_BIN:-}" ] && pg_stop "$WORK/pgdata" immediate
  if [ "$KEEP" = true ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
ok() { echo "  ok: $*"; }
fail() { echo "  FAILED: $*"; failures=$((failures + 1)); }

# copy_from_context SRC DEST_DIR: what a COPY from the build context puts there (.dockerignore's bin/, obj/,
# node_modules/ and wwwroot/ left out).
copy_from_context() {
  local src=$1 dest=$2
  [ -e "$ROOT/$src" ] || { echo "error: COPY $src: no such file in the build context" >&2; return 1; }
  mkdir -p "$dest"
  if [ -d "$ROOT/$src" ]; then
    (cd "$ROOT/$src" && tar -cf - --exclude=./bin --exclude=./obj --exclude='*/bin' --exclude='*/obj' \
      --exclude=node_modules --exclude=./wwwroot .) | (cd "$dest" && tar -xf -)
  else
    cp "$ROOT/$src" "$dest/"
  fi
}

# replay DOCKERFILE NAME: replays its build stages; the last stage's /app ends up in $WORK/NAME/app.
replay() {
  local dockerfile=$1 name=$2 stage="" line instruction args from src dest
  local base=$WORK/$name
  mkdir -p "$base"
  # Instructions one per line, continuations joined, comments dropped.
  while IFS= read -r line; do
    instruction=${line%% *}; args=${line#* }
    case $instruction in
      FROM)
        stage=$(sed -n 's/.* AS \([A-Za-z0-9_-]*\)$/\1/p' <<<"$args")
        [ -n "$stage" ] || break # the runtime stage: nothing to build
        mkdir -p "$base/$stage"
        echo "[$name] stage $stage (${args%% *})"
        ;;
      WORKDIR) ;; # each stage's directory stands for its WORKDIR (/src)
      COPY)
        dest=${args##* }; args=${args% *}
        from=$(sed -n 's/.*--from=\([A-Za-z0-9_-]*\).*/\1/p' <<<"$args")
        args=$(sed 's/--[a-z]*=[^ ]*//g' <<<"$args")
        for src in $args; do
          if [ -n "$from" ]; then
            mkdir -p "$base/$stage/$dest"
            cp -r "$base/$from/${src#/src/}." "$base/$stage/$dest"
          elif [[ $dest == */ ]]; then
            copy_from_context "$src" "$base/$stage/$dest"
          else
            copy_from_context "$src" "$base/$stage"
          fi
        done
        ;;
      RUN)
        args=${args// \/app/ $base/app}
        echo "[$name] RUN $args"
        (cd "$base/$stage" && bash -c "$args") >"$base/$stage.log" 2>&1 || { tail -20 "$base/$stage.log"; return 1; }
        ;;
    esac
  done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | grep -v '^\s*#' | grep -v '^\s*$' | sed 's/  */ /g')
}

# The web client stage needs web/ and scripts/web.sh (being added on their own branch) and npm.
skip_web=""
if [ ! -f web/package.json ] || [ ! -f scripts/web.sh ]; then skip_web="web/ or scripts/web.sh is not in this tree"; fi
if ! command -v npm >/dev/null; then skip_web="npm is not installed"; fi

echo "== build: the Dockerfiles' stages (dotnet publish; restores from NuGet on first use)"
echo "   RUN lines: $(grep -hE '^RUN dotnet (restore|publish) ' src/Silo/Dockerfile src/Api/Dockerfile | wc -l) dotnet steps"
replay src/Silo/Dockerfile silo && ok "silo image build steps" || fail "silo image build steps"
if [ -n "$skip_web" ]; then
  echo "  note: the API's web stage is skipped ($skip_web); its build stage runs without wwwroot/"
  sed '/^FROM node/,/^FROM mcr/{/^FROM mcr/!d}' src/Api/Dockerfile | grep -v -- '--from=web' >"$WORK/api.Dockerfile"
  replay "$WORK/api.Dockerfile" api && ok "API image build steps (without the web client)" || fail "API image build steps"
else
  replay src/Api/Dockerfile api && ok "API image build steps" || fail "API image build steps"
fi

echo "== what the runtime stages copy out of /app"
SILO_APP=$WORK/silo/app; API_APP=$WORK/api/app
framework() { grep -o '"name": *"[^"]*"' "$1" | sed 's/.*"\([^"]*\)"$/\1/' | sort | tr '\n' ' '; }
[ -f "$SILO_APP/Herenow.Silo.dll" ] && ok "silo: Herenow.Silo.dll" || fail "silo: no Herenow.Silo.dll"
[ -f "$SILO_APP/appsettings.json" ] && ok "silo: appsettings.json" || fail "silo: no appsettings.json"
# runtime:10.0 carries Microsoft.NETCore.App only.
[ "$(framework "$SILO_APP/Herenow.Silo.runtimeconfig.json")" = "Microsoft.NETCore.App " ] \
  && ok "silo: needs the .NET runtime only (runtime:10.0 suffices)" || fail "silo needs $(framework "$SILO_APP/Herenow.Silo.runtimeconfig.json"): use aspnet:10.0"
[ -f "$API_APP/Herenow.Api.dll" ] && ok "API: Herenow.Api.dll" || fail "API: no Herenow.Api.dll"
[ -f "$API_APP/appsettings.json" ] && ok "API: appsettings.json" || fail "API: no appsettings.json"
grep -q Microsoft.AspNetCore.App "$API_APP/Herenow.Api.runtimeconfig.json" && ok "API: ASP.NET Core app (aspnet:10.0)" || fail "API: not an ASP.NET Core app"
ls "$API_APP"/runtimes/linux-x64/native/libvips* >/dev/null 2>&1 && ok "API: libvips for linux-x64" || fail "API: no libvips for linux-x64"
if [ -z "$skip_web" ]; then
  [ -n "$(ls -A "$API_APP/wwwroot" 2>/dev/null)" ] && ok "API: wwwroot/ (the web client)" || fail "API: no wwwroot/"
fi

if [ "$RUN_CHECK" = true ] && [ "$failures" = 0 ]; then
  echo "== run: migrate, three silos and the API from the published outputs, as compose.yaml runs them"
  pg_find_bin || { echo "error: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
  PG_PORT=$(free_port)
  pg_start "$WORK/pgdata" "$PG_PORT" "$WORK/postgres.log"
  pg_create_db "$PG_PORT" herenow
  # As compose mounts them: /run/secrets/<variable name>, read by the entrypoint.
  SECRETS=$WORK/run-secrets; mkdir -p "$SECRETS"
  printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=herenow;Maximum Pool Size=20\n' "$PG_PORT" >"$SECRETS/HERENOW_POSTGRES"
  head -c 32 /dev/urandom | base64 >"$SECRETS/Herenow__Secrets__Key"
  export HERENOW_SECRETS_DIR=$SECRETS DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production
  export Herenow__ClusterId=check-deploy Herenow__ServiceId=check-deploy
  entrypoint=$ROOT/scripts/container-entrypoint.sh
  # The migrate service: the silo image's entrypoint with the command "migrate".
  if (cd "$SILO_APP" && sh "$entrypoint" dotnet "$SILO_APP/Herenow.Silo.dll" migrate) >"$WORK/migrate.log" 2>&1; then
    ok "migrate: $(tail -1 "$WORK/migrate.log")"
  else
    fail "migrate"; cat "$WORK/migrate.log"
  fi
  # Three silos on loopback (compose gives each its own address; here they share one and differ by port).
  for i in 1 2 3; do
    silo_port=$(free_port); gateway_port=$(free_port)
    (cd "$SILO_APP" && Herenow__Silo__AdvertisedAddress=127.0.0.1 Herenow__Silo__SiloPort=$silo_port \
      Herenow__Silo__GatewayPort=$gateway_port exec sh "$entrypoint" dotnet "$SILO_APP/Herenow.Silo.dll") >"$WORK/silo-$i.log" 2>&1 &
    PIDS+=($!)
    if [ "$i" = 1 ]; then SILO1_GATEWAY=$gateway_port; fi
  done
  API_PORT=$(free_port)
  PUBLIC_URL=http://127.0.0.1:$API_PORT
  # The API image: WORKDIR /app is the content root; ASPNETCORE_HTTP_PORTS as the Dockerfile sets it.
  (cd "$API_APP" && ASPNETCORE_HTTP_PORTS=$API_PORT Herenow__Federation__PublicUrl=$PUBLIC_URL \
    Herenow__Media__BaseUrl=$PUBLIC_URL exec sh "$entrypoint" dotnet "$API_APP/Herenow.Api.dll") >"$WORK/api.log" 2>&1 &
  PIDS+=($!)
  ready=""
  for _ in $(seq 1 180); do
    ready=$(curl -fsS "$PUBLIC_URL/health/ready" 2>/dev/null || true)
    [[ $ready == *'"active_silos":3'* ]] && break
    sleep 1
  done
  [[ $ready == *'"active_silos":3'* ]] && ok "API ready with three active silos: $ready" || { fail "not ready with three silos within 180 s: ${ready:-no answer}; logs in $WORK (--keep)"; KEEP=true; }
  # The image's health check, as the Dockerfile runs it (bash's /dev/tcp; the image has no curl).
  if bash -c "exec 3<>/dev/tcp/127.0.0.1/$API_PORT && printf 'GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"; then
    ok "the API image's HEALTHCHECK command passes"
  else
    fail "the API image's HEALTHCHECK command"
  fi
  # The silo image's health check (a connect to the gateway that sends nothing): it passes, and the silo logs
  # no warning or error for it (it runs every 10 s).
  before=$(wc -l <"$WORK/silo-1.log")
  probes_ok=true
  for _ in 1 2 3; do
    Herenow__Silo__AdvertisedAddress=127.0.0.1 Herenow__Silo__GatewayPort=$SILO1_GATEWAY \
      bash -c 'exec 3<>/dev/tcp/${Herenow__Silo__AdvertisedAddress:-127.0.0.1}/${Herenow__Silo__GatewayPort:-30000}' || probes_ok=false
  done
  sleep 2
  noise=$(tail -n +$((before + 1)) "$WORK/silo-1.log" | grep -E '(warn|fail|crit):' || true)
  [ "$probes_ok" = true ] && ok "the silo image's HEALTHCHECK command passes" || fail "the silo image's HEALTHCHECK command"
  [ -z "$noise" ] && ok "the silo logs nothing above Information for the health probes" || fail "the health probes make the silo log: $noise"
  grep -q 'Herenow:Secrets' "$WORK/api.log" && fail "the API log mentions the secrets key" || true
fi

echo "check-deploy: $failures failed"
[ "$failures" = 0 ]
