#!/usr/bin/env bash
# Every test, on a fresh machine too: installs what the tests need
# (scripts/deps.sh), then runs the Rust tests (unit, protocol examples, the
# real binary over real TCP, clusters, partitions in network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cargo test "$@"
