#!/usr/bin/env bash
# Redeem throughput of the Python client:
#   bench.sh --addr HOST:PORT --code CODE --connections 64 --in-flight 16 --duration-ms 5000
# CODE is a coupon the caller created with no usage limit. Prints one JSON line.
# Standard library only: runs with the system python3 (3.11+).
set -euo pipefail
exec "${PYTHON:-python3}" "$(dirname "$0")/bench.py" "$@"
