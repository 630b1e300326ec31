#!/usr/bin/env bash
# What replication costs: redeem throughput with 0, 1 and 2 followers, at
# --sync-replicas 0 and 1, as ratios to a single node measured in the same run;
# the followers' commit-to-ack time (p50/p99, from `replica status`); and the
# time a new follower takes to catch up from a snapshot of SNAPSHOT_COUPONS
# coupons. Every node runs on this machine, on loopback, in a temporary
# directory: followers compete with the leader and the load generator for the
# same cores and the same disk.
#
#   bash benches/replication.sh                         # about 4 minutes here
#   DURATION=3 SNAPSHOT_COUPONS=20000 bash benches/replication.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${DURATION:-10}"
snapshot_coupons="${SNAPSHOT_COUPONS:-1000000}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# start NAME ARGS...: starts a node on a fresh port and data dir; sets $addr.
start() {
  local name=$1; shift
  addr="127.0.0.1:$(free_port)"
  "$bin" serve --listen "$addr" --data "$work/$name" "$@" >/dev/null 2>>"$work/$name.log" &
  pids+=($!)
  until "$bin" --addr "$addr" ping >/dev/null 2>&1; do sleep 0.05; done
}

stop_all() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; pids=(); }

wait_followers() {
  local addr=$1 n=$2
  until [ "$("$bin" --addr "$addr" replica status --json | field "['followers'].__len__()")" -ge "$n" ]; do
    sleep 0.05
  done
}

# run FOLLOWERS K: one measurement; prints "unpipelined pipelined ack_p50 ack_p99".
run() {
  local followers=$1 k=$2
  local leader
  start "leader-$followers-$k" --sync-replicas "$k"
  leader=$addr
  for i in $(seq 1 "$followers"); do
    start "follower-$followers-$k-$i" --replica-of "$leader"
  done
  wait_followers "$leader" "$followers"
  local flat piped status
  flat=$("$bin" --addr "$leader" bench --json --op redeem --connections 64 --coupons 1000 --duration "$duration" 2>/dev/null)
  piped=$("$bin" --addr "$leader" bench --json --op redeem --connections 64 --pipeline 16 --coupons 1000 --duration "$duration" 2>/dev/null)
  status=$("$bin" --addr "$leader" replica status --json)
  local p50="-" p99="-"
  if [ "$followers" -gt 0 ]; then
    p50=$(echo "$status" | field "['followers'][0]['ack_p50_ms']")
    p99=$(echo "$status" | field "['followers'][0]['ack_p99_ms']")
  fi
  echo "$(echo "$flat" | field "['ops_per_sec']") $(echo "$piped" | field "['ops_per_sec']") $p50 $p99"
  stop_all
}

printf '| followers | sync replicas | redeem/s, 64 conns | ratio | pipelined x16 | ratio | ack p50 ms | ack p99 ms |\n'
printf '|---|---|---|---|---|---|---|---|\n'
read -r base_flat base_piped _ _ < <(run 0 0)
printf '| 0 | - | %.0f | 1.00 | %.0f | 1.00 | - | - |\n' "$base_flat" "$base_piped"
for setup in "1 0" "2 0" "1 1" "2 1"; do
  read -r followers k <<<"$setup"
  read -r flat piped p50 p99 < <(run "$followers" "$k")
  printf '| %s | %s | %.0f | %.2f | %.0f | %.2f | %s | %s |\n' "$followers" "$k" \
    "$flat" "$(echo "$flat / $base_flat" | bc -l)" "$piped" "$(echo "$piped / $base_piped" | bc -l)" "$p50" "$p99"
done

# Snapshot catch-up: a new follower of a leader holding SNAPSHOT_COUPONS coupons.
start snapshot-leader
leader=$addr
"$bin" --addr "$leader" bench --op validate --coupon-prefix BULK --coupons "$snapshot_coupons" --requests 1 >/dev/null 2>&1
lsn=$("$bin" --addr "$leader" info --json | field "['lsn']")
t0=$(date +%s%N)
start snapshot-follower --replica-of "$leader"
follower=$addr
until [ "$("$bin" --addr "$follower" replica status --json | field "['lsn']")" -ge "$lsn" ]; do sleep 0.05; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
same=$([ "$("$bin" --addr "$leader" digest --json | field "['digest']")" = "$("$bin" --addr "$follower" digest --json | field "['digest']")" ] && echo yes || echo NO)
echo
echo "snapshot catch-up: $snapshot_coupons coupons (LSN $lsn) in $ms ms, from process start to caught up; digests equal: $same"
