#!/usr/bin/env bash
# Installs what `vcheck tla` and the Go tests of internal/tlacheck need when
# TLC is absent: node (Debian) and the npm package tla-checker, pinned by
# tla/runner/package-lock.json, into tla/runner/node_modules (git-ignored).
# Idempotent: a second run with everything in place does nothing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runner="$root/tla/runner"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "tla-deps: node and npm are needed (apt-get install nodejs npm)" >&2
    exit 1
  fi
fi

if [ -f "$runner/node_modules/tla-checker/tla_checker_bg.wasm" ] &&
   grep -q '"version": "0.9.0"' "$runner/node_modules/tla-checker/package.json"; then
  exit 0
fi
cd "$runner"
npm ci --no-audit --no-fund --loglevel=error
test -f node_modules/tla-checker/tla_checker_bg.wasm
