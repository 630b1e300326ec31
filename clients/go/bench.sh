#!/usr/bin/env bash
# Redeem throughput of the Go client:
#   bench.sh --addr HOST:PORT --code CODE --connections 64 --in-flight 16 --duration-ms 5000
# prints {"client":"go","redeems":N,"seconds":S,"per_second":R}.
set -euo pipefail
cd "$(dirname "$0")"
# Standard library only: never reach for a module proxy.
export GOPROXY=off GOFLAGS=-mod=readonly
if [[ -z "${GOCACHE:-}" && -z "${HOME:-}" ]]; then export GOCACHE="$PWD/.cache/go-build"; fi
go build -o bin/bench ./cmd/bench
exec ./bin/bench "$@"
