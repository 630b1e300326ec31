#!/usr/bin/env bash
# Redeem throughput of the Java client. Usage:
#   bench.sh --addr HOST:PORT --code CODE --connections 64 --in-flight 16 --duration-ms 5000
# CODE is a coupon the caller created with no usage limit; every request is a
# new order id. Prints one JSON line: {"client":"java","redeems":N,"seconds":S,"per_second":R}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
out=build/bench-classes
if [ ! -d "$out" ] || [ -n "$(find src/main src/bench -newer "$out" -name '*.java' | head -1)" ]; then
  rm -rf "$out"
  mkdir -p "$out"
  javac --release 17 -d "$out" $(find src/main/java src/bench/java -name '*.java') >&2
fi
exec java -XX:+UseParallelGC -cp "$out" dev.couponsd.client.bench.Bench "$@"
