#!/usr/bin/env bash
# The web client (web/): `scripts/web.sh build` installs its npm packages from the lock file (npm ci) and bundles it
# into src/Api/wwwroot, which the API serves at /. `scripts/web.sh clean` removes both.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${HERENOW_WEB_OUT:-src/Api/wwwroot}
case ${1:-build} in
  build)
    command -v npm >/dev/null 2>&1 || { echo "error: npm not found: install Node.js 20 or later" >&2; exit 1; }
    # npm ci only when the lock file changed since the last install: it deletes node_modules first, which costs seconds.
    if [ ! -f web/node_modules/.package-lock.json ] || ! cmp -s web/package-lock.json web/node_modules/.herenow-lock; then
      (cd web && npm ci --no-audit --no-fund --loglevel=error) && cp web/package-lock.json web/node_modules/.herenow-lock
    fi
    mkdir -p "$OUT"
    out=$(cd "$OUT" && pwd)
    (cd web && node build.mjs "$out")
    ;;
  clean) rm -rf web/node_modules "$OUT" ;;
  *) echo "usage: scripts/web.sh [build|clean]" >&2; exit 2 ;;
esac
