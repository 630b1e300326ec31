#!/usr/bin/env bash
# Memory per redemption: the server's RSS as its store grows through STEPS
# redemptions (default 100,000, 1,000,000 and 3,000,000, spread over 10,000
# coupons and 1,000,000 customers), and for each step the bytes per
# redemption, both on average over the empty server (fixed costs included,
# which dominate small stores) and at the margin since the step before (what
# each further redemption costs). Loopback, a temporary directory.
#
#   bash benches/memory.sh                                 # about 3 minutes here
#   STEPS="100000 1000000 10000000" bash benches/memory.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
read -r -a steps <<<"${STEPS:-100000 1000000 3000000}"
coupons="${COUPONS:-10000}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin" serve --listen "$addr" --data "$work/data" >/dev/null 2>>"$work/server.log" &
pid=$!
until "$bin" --addr "$addr" ping >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done

bench() { "$bin" --addr "$addr" bench --json "$@" 2>/dev/null; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
rss_bytes() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$pid/status"; }

# The coupons first: what follows is the redemptions' own cost.
bench --op validate --coupon-prefix MEM --coupons "$coupons" --requests 1 >/dev/null
base=$(rss_bytes)
echo "| redemptions | RSS MiB | bytes per redemption, average over the empty server | bytes per redemption since the step before |"
echo "|---|---|---|---|"
prev_n=0 prev_rss=$base
for n in "${steps[@]}"; do
  have=$("$bin" --addr "$addr" info --json | field redemptions)
  left=$(( n > have ? n - have : 0 ))
  [ "$left" -gt 0 ] && bench --op redeem --pipeline 16 --coupon-prefix MEM --coupons "$coupons" \
    --customers 1000000 --requests "$left" >/dev/null
  n=$("$bin" --addr "$addr" info --json | field redemptions)
  rss=$(rss_bytes)
  echo "| $n | $(( rss >> 20 )) | $(( (rss - base) / n )) | $(( (rss - prev_rss) / (n - prev_n) )) |"
  prev_n=$n prev_rss=$rss
done
echo
echo "Empty server with $coupons coupons: $(( base >> 20 )) MiB. Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d)."
