#!/usr/bin/env bash
# Redeem throughput of the TypeScript client: prints one JSON line
# {"client":"typescript","redeems":N,"seconds":S,"per_second":R}.
# Usage: bench.sh --addr HOST:PORT --code CODE --connections 64 --in-flight 16 --duration-ms 5000
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
node_modules/.bin/tsc -p tsconfig.json >&2
exec node dist/bench/bench.js "$@"
