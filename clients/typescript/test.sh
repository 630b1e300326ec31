#!/usr/bin/env bash
# The TypeScript client's tests: installs the dev dependencies from the lock
# file (only when they changed), builds with tsc, then runs the golden-vector,
# codec and conformance tests (node:test) against the real couponsd binary.
# COUPONSD_BIN: the binary (default ../../target/debug/couponsd from here).
set -euo pipefail
cd "$(dirname "$0")"
COUPONSD_BIN="${COUPONSD_BIN:-../../target/debug/couponsd}"
# Absolute, so the tests find it whatever their working directory.
if [ -d "$(dirname "$COUPONSD_BIN")" ]; then
  COUPONSD_BIN="$(cd "$(dirname "$COUPONSD_BIN")" && pwd)/$(basename "$COUPONSD_BIN")"
fi
export COUPONSD_BIN
if [ ! -x "$COUPONSD_BIN" ]; then
  echo "couponsd binary not found at $COUPONSD_BIN (set COUPONSD_BIN)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
rm -rf dist
node_modules/.bin/tsc -p tsconfig.json
node --test --test-concurrency=1 dist/test/
