#!/usr/bin/env bash
# Flat cost growth: redeem throughput on a fresh store, then again after the
# store holds SCALE_COUPONS coupons and SCALE_REDEMPTIONS redemptions (default
# 1,000,000 and 10,000,000), plus the server's memory and its restart time
# after kill -9. Everything runs on loopback in a temporary directory.
#
#   bash benches/scale.sh                       # full size: about 10 minutes here
#   SCALE_COUPONS=20000 SCALE_REDEMPTIONS=200000 DURATION=3 bash benches/scale.sh
#   SERVE_FLAGS="--quick-repair false" bash benches/scale.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
coupons="${SCALE_COUPONS:-1000000}"
redemptions="${SCALE_REDEMPTIONS:-10000000}"
duration="${DURATION:-10}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Starts the server and waits for its first answer; sets pid and started_ms.
start() {
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
  "$bin" serve --listen "$addr" --data "$work/data" ${SERVE_FLAGS:-} >/dev/null 2>>"$work/server.log" &
  pid=$!
  until "$bin" --addr "$addr" ping >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.05
  done
  started_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}

bench() { "$bin" --addr "$addr" bench --json "$@" 2>/dev/null; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
rss_mb() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }

measure() {
  local hot spread
  hot=$(bench --op redeem --connections 64 --coupon-prefix HOT --coupons 1 --duration "$duration")
  spread=$(bench --op redeem --connections 64 --pipeline 16 --coupon-prefix SPREAD --coupons 10000 --duration "$duration")
  echo "$(echo "$hot" | field ops_per_sec) $(echo "$hot" | field p99_us) $(echo "$spread" | field ops_per_sec) $(echo "$spread" | field p99_us)"
}

start
read -r fresh_hot fresh_hot_p99 fresh_spread fresh_spread_p99 < <(measure)
fresh_rss=$(rss_mb)

echo "filling: $coupons coupons, then redemptions up to $redemptions ..." >&2
bench --op validate --coupon-prefix BULK --coupons "$coupons" --requests 1 >/dev/null
have=$("$bin" --addr "$addr" info --json | field redemptions)
left=$(( redemptions > have ? redemptions - have : 0 ))
[ "$left" -gt 0 ] && bench --op redeem --pipeline 16 --coupon-prefix BULK --coupons "$coupons" \
  --customers 1000000 --requests "$left" >/dev/null
# The fill leaves gigabytes in the page cache for the kernel to write back;
# measured during that writeback, the grown store's figures would be the bulk
# load's, not the store's. So the dirty pages go to disk first.
sync

read -r big_hot big_hot_p99 big_spread big_spread_p99 < <(measure)
big_rss=$(rss_mb)
# Right after a bulk load the node still has the load's background work to
# do (checkpoints of the grown state, the log cut behind them): the figures
# above include it. The same again once 30 s of hot redeems have let it settle.
bench --op redeem --connections 64 --coupon-prefix HOT --coupons 1 --duration 30 >/dev/null
read -r settled_hot settled_hot_p99 settled_spread settled_spread_p99 < <(measure)
settled_rss=$(rss_mb)
info=$("$bin" --addr "$addr" info --json)
disk_mb=$(du -sm "$work/data" | cut -f1)

kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start
restart_ms=$started_ms
recovered=$(grep "state recovered" "$work/server.log" | tail -1 | sed 's/.*state recovered *//')

pct() { python3 -c "print(f'{100*$1/$2:.0f}%')"; }
cat <<TABLE
| store | coupons | redemptions | hot redeem/s (p99 us) | spread redeem/s, pipeline 16 (p99 us) | RSS MB |
|---|---|---|---|---|---|
| fresh | small | small | $fresh_hot ($fresh_hot_p99) | $fresh_spread ($fresh_spread_p99) | $fresh_rss |
| grown, right after the fill | $(echo "$info" | field coupons) | $(echo "$info" | field redemptions) | $big_hot ($big_hot_p99) = $(pct "$big_hot" "$fresh_hot") of fresh | $big_spread ($big_spread_p99) = $(pct "$big_spread" "$fresh_spread") of fresh | $big_rss |
| grown, settled (after 30 s more of hot redeems) | | | $settled_hot ($settled_hot_p99) = $(pct "$settled_hot" "$fresh_hot") of fresh | $settled_spread ($settled_spread_p99) = $(pct "$settled_spread" "$fresh_spread") of fresh | $settled_rss |

Data directory: ${disk_mb} MB. Restart after kill -9 until the first ping answers: ${restart_ms} ms
(recovery: ${recovered}).
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), $(date -u +%Y-%m-%d).
TABLE
