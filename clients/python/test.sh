#!/usr/bin/env bash
# The Python client's tests: the golden vectors, then the conformance scenario
# against the real couponsd binary (COUPONSD_BIN; by default the debug build
# that `cargo test` leaves). Installs pytest (pinned, hashed) into .venv once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# A relative COUPONSD_BIN is relative to where this script was started.
case "${COUPONSD_BIN:=$here/../../target/debug/couponsd}" in /*) ;; *) COUPONSD_BIN="$PWD/$COUPONSD_BIN" ;; esac
export COUPONSD_BIN
cd "$here"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "clients/python needs Python 3.11 or later" >&2
  exit 1
fi
stamp=.venv/.requirements-test.sha256
want="$(sha256sum requirements-test.txt | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-test.txt
  echo "$want" > "$stamp"
fi
exec .venv/bin/python -m pytest -q "$@"
