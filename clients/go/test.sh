#!/usr/bin/env bash
# The Go client's tests: vet, the golden vectors, then the conformance
# scenario against the real couponsd binary (COUPONSD_BIN, by default the
# debug build of this repository). Needs Debian's golang-go (Go 1.19); the
# client uses the standard library only, so nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")"
export COUPONSD_BIN="${COUPONSD_BIN:-$(cd ../.. && pwd)/target/debug/couponsd}"
export GOPROXY=off GOFLAGS=-mod=readonly
if [[ -z "${GOCACHE:-}" && -z "${HOME:-}" ]]; then export GOCACHE="$PWD/.cache/go-build"; fi
if ! command -v go >/dev/null; then
  echo "clients/go: go not found (apt-get install golang-go)" >&2
  exit 1
fi
go version >&2
test -x "$COUPONSD_BIN" || { echo "clients/go: no couponsd binary at $COUPONSD_BIN" >&2; exit 1; }
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then echo "clients/go: gofmt needed: $unformatted" >&2; exit 1; fi
go vet ./...
go build ./...
# Tests run one at a time; each starts (and kills) its own servers. The full
# output, servers' logs included, is shown only when something fails.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if go test -count=1 -timeout 110s -v ./... >"$log" 2>&1; then
  grep -E '^(--- |ok )|_test\.go:[0-9]+: (checked|provoked|decoded|[0-9]+ redemptions)' "$log"
else
  cat "$log"
  echo "clients/go: tests FAILED" >&2
  exit 1
fi
