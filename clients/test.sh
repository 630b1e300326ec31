#!/usr/bin/env bash
# Every client library's tests (golden vectors, then the conformance scenario
# against the real binary). COUPONSD_BIN names the couponsd binary they start;
# by default the debug build `cargo test` leaves. Each client's own test.sh
# installs what it needs (npm ci, a Python venv) and says what it runs.
set -euo pipefail
cd "$(dirname "$0")"
shopt -s nullglob
export COUPONSD_BIN="${COUPONSD_BIN:-$(cd .. && pwd)/target/debug/couponsd}"
for client in */test.sh; do
  echo "== clients/${client%/test.sh}" >&2
  bash "$client"
done
