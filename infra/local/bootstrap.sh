#!/usr/bin/env bash
# Prepares this checkout on a fresh machine and starts the local infrastructure:
#   1. checks Node.js >= 20.3
#   2. npm ci, when node_modules is missing or package-lock.json changed
#   3. npx tsc -b (incremental build of every package)
#   4. infra/local/infra.sh up (PostgreSQL, Kafka, Temporal), unless --no-infra
#      (`npm start` passes it: `itsm up` starts the infrastructure itself)
# Idempotent; quick when nothing changed. Used by `npm start` and `npm test`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

step() { printf '==> %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

NODE_MIN_MAJOR=20
NODE_MIN_MINOR=3

# 1. Node.js
command -v node >/dev/null 2>&1 ||
  die "Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR is required but 'node' is not on PATH (install Node.js 20 LTS or newer)"
command -v npm >/dev/null 2>&1 || die "'npm' is not on PATH (it ships with Node.js)"
node_version="$(node -p 'process.versions.node')"
IFS=. read -r node_major node_minor _ <<<"$node_version"
if [ "$node_major" -lt "$NODE_MIN_MAJOR" ] ||
  { [ "$node_major" -eq "$NODE_MIN_MAJOR" ] && [ "$node_minor" -lt "$NODE_MIN_MINOR" ]; }; then
  die "Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR is required, found $node_version ($(command -v node))"
fi

# 2. Dependencies
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  waited=0
  while pgrep -f "npm (install|ci)" >/dev/null 2>&1; do
    [ "$waited" -eq 0 ] && step "waiting for another npm install to finish"
    waited=$((waited + 1))
    [ "$waited" -gt 600 ] && die "another npm install is still running after 10 minutes"
    sleep 1
  done
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "npm ci (Node.js $node_version)"
    npm ci --no-audit --no-fund
  fi
fi

# 3. Build
step "building (npx tsc -b)"
npx --no-install tsc -b

# 4. Infrastructure
[ "${1:-}" = --no-infra ] && exit 0
exec bash "$HERE/infra.sh" up
