#!/usr/bin/env bash
# Every test, on a fresh machine too: installs what the tests need
# (scripts/deps.sh), then runs the Rust tests (unit, protocol examples, the
# real binary over real TCP, clusters, partitions in network namespaces), then
# every client library's tests against the binary cargo built (clients/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cargo test "$@"
bash clients/test.sh
