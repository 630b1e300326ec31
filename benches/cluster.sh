#!/usr/bin/env bash
# What a cluster costs and how fast it fails over, in one run on this machine:
# - redeem throughput of one node and of a 3-node cluster (64 connections,
#   unpipelined and 16 in flight each), with each node's CPU over the run and
#   the leader's CPU per acknowledged redemption against the single node's;
# - with BASELINE=<commit> (e.g. the last commit before Raft), the same single
#   node figures for that commit's binary, built from this repository's own
#   history into a temporary directory, as a ratio; each binary is driven by
#   its own `bench` (this tree's bench got no figure from c6d994d's server),
#   so the two loads are that commit's and this tree's: an older bench's
#   orders may carry less for the server to check;
# - failover: FAILOVERS times, kill -9 the leader, time until the two others
#   agree on a new one, restart the killed node as it was; p50 and max.
# Every node runs on this machine, on loopback, in a temporary directory: the
# three nodes and the load generator share the cores and the disk.
#
#   bash benches/cluster.sh                                # about 3 minutes here
#   BASELINE=c6d994d DURATION=10 FAILOVERS=20 bash benches/cluster.sh
#   FAILOVERS=0 bash benches/cluster.sh                    # throughput only
#   THROUGHPUT=0 NODE_FLAGS="--election-timeout-ms 500" bash benches/cluster.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${DURATION:-10}"
failovers="${FAILOVERS:-20}"
baseline="${BASELINE:-}"
throughput="${THROUGHPUT:-1}"
# Extra flags for the cluster's nodes (e.g. "--election-timeout-ms 500").
read -r -a node_flags <<<"${NODE_FLAGS:-}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ -n "$baseline" ]; then git -C "$root" worktree remove --force "$work/baseline-src" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
ticks=$(getconf CLK_TCK)
# cpu PID: user + system CPU seconds so far.
cpu() { awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }

# bench ADDR PIPELINE [BIN]: ops/s of a redeem load against ADDR, from BIN's
# load generator (this tree's by default).
bench() {
  "${3:-$bin}" --addr "$1" bench --json --op redeem --connections 64 --pipeline "$2" \
    --coupons 1000 --duration "$duration" 2>/dev/null | field "['ops_per_sec']"
}

# measure BIN ADDR PIDS...: "flat piped flat_cpu_per_op_us piped_cpu_per_op_us cpu_per_node"
# where CPU is the first pid's (the leader's) per acknowledged redemption, and
# BIN's load generator makes the load.
measure() {
  local load_bin=$1 addr=$2; shift 2
  local line="" cpus=""
  for pipeline in 1 16; do
    local before=() after=()
    for p in "$@"; do before+=("$(cpu "$p")"); done
    local ops
    ops=$(bench "$addr" "$pipeline" "$load_bin")
    for p in "$@"; do after+=("$(cpu "$p")"); done
    local leader_cpu
    leader_cpu=$(echo "${after[0]} - ${before[0]}" | bc -l)
    local per_op
    per_op=$(echo "$leader_cpu * 1000000 / ($ops * $duration)" | bc -l)
    line="$line $ops $per_op"
    local shares=""
    for i in "${!after[@]}"; do
      shares="$shares$(printf '%.2f' "$(echo "(${after[$i]} - ${before[$i]}) / $duration" | bc -l)")/"
    done
    cpus="$cpus ${shares%/}"
  done
  echo "$line$cpus"
}

single() {
  local b=$1 name=$2
  local port addr
  port=$(free_port); addr="127.0.0.1:$port"
  "$b" serve --listen "$addr" --data "$work/$name" >/dev/null 2>>"$work/$name.log" &
  local pid=$!
  pids+=("$pid")
  until "$b" --addr "$addr" ping >/dev/null 2>&1; do sleep 0.05; done
  # Each binary's own load generator: this tree's got no figure from an
  # older server (c6d994d's).
  measure "$b" "$addr" "$pid"
  kill -9 "$pid"
}

if [ "$throughput" = 1 ]; then
printf '| setup | redeem/s, 64 conns | ratio | leader CPU/redeem | 64 conns x 16 | ratio | leader CPU/redeem | CPU (cores) per node, unpipelined ; x16 |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---|\n'
read -r s_flat s_flat_cpu s_piped s_piped_cpu s_cpus1 s_cpus16 < <(single "$bin" single)
printf '| 1 node | %.0f | 1.00 | %.1f us | %.0f | 1.00 | %.1f us | %s ; %s |\n' \
  "$s_flat" "$s_flat_cpu" "$s_piped" "$s_piped_cpu" "$s_cpus1" "$s_cpus16"

if [ -n "$baseline" ]; then
  git -C "$root" worktree add --quiet --detach "$work/baseline-src" "$baseline"
  CARGO_TARGET_DIR="$work/baseline-target" cargo build --release --quiet \
    --manifest-path "$work/baseline-src/Cargo.toml" --bin couponsd
  read -r b_flat b_flat_cpu b_piped b_piped_cpu b_cpus1 b_cpus16 < <(single "$work/baseline-target/release/couponsd" baseline)
  printf '| 1 node, %s, driven by its own load generator | %.0f | %.2f | %.1f us | %.0f | %.2f | %.1f us | %s ; %s |\n' "$baseline" \
    "$b_flat" "$(echo "$b_flat / $s_flat" | bc -l)" "$b_flat_cpu" \
    "$b_piped" "$(echo "$b_piped / $s_piped" | bc -l)" "$b_piped_cpu" "$b_cpus1" "$b_cpus16"
fi

fi

# A 3-node cluster.
ports=(); addrs=()
for i in 1 2 3; do ports+=("$(free_port)"); addrs+=("127.0.0.1:${ports[$((i-1))]}"); done
peers="1=${addrs[0]},2=${addrs[1]},3=${addrs[2]}"
node_pids=("" "" "")
start_node() {
  local i=$1
  "$bin" serve --listen "${addrs[$i]}" --data "$work/node$i" --node-id $((i+1)) --peers "$peers" \
    "${node_flags[@]}" >/dev/null 2>>"$work/node$i.log" &
  node_pids[$i]=$!
  pids+=("${node_pids[$i]}")
}
for i in 0 1 2; do start_node "$i"; done
# leader_index [ADDR]: the index of the node the answering node says leads (empty if none).
leader_index() {
  local id
  id=$("$bin" --addr "$1" cluster status --json 2>/dev/null | field "['leader_id']" 2>/dev/null || echo None)
  if [ "$id" = "None" ] || [ -z "$id" ]; then echo ""; else echo $((id - 1)); fi
}
leader=""
until [ -n "$leader" ]; do sleep 0.1; leader=$(leader_index "${addrs[0]}"); done
others=()
for i in 0 1 2; do [ "$i" != "$leader" ] && others+=("${node_pids[$i]}"); done
if [ "$throughput" = 1 ]; then
read -r c_flat c_flat_cpu c_piped c_piped_cpu c_cpus1 c_cpus16 < <(measure "$bin" "${addrs[$leader]}" "${node_pids[$leader]}" "${others[@]}")
printf '| 3 nodes | %.0f | %.2f | %.1f us (%.2fx) | %.0f | %.2f | %.1f us (%.2fx) | leader/followers: %s ; %s |\n' \
  "$c_flat" "$(echo "$c_flat / $s_flat" | bc -l)" "$c_flat_cpu" "$(echo "$c_flat_cpu / $s_flat_cpu" | bc -l)" \
  "$c_piped" "$(echo "$c_piped / $s_piped" | bc -l)" "$c_piped_cpu" "$(echo "$c_piped_cpu / $s_piped_cpu" | bc -l)" \
  "$c_cpus1" "$c_cpus16"
fi

# Failover: kill -9 the leader, time until the two others agree on a new one.
if [ "$failovers" -gt 0 ]; then
times=()
for round in $(seq 1 "$failovers"); do
  leader=""
  until [ -n "$leader" ]; do leader=$(leader_index "${addrs[0]}"); [ -n "$leader" ] || sleep 0.05; done
  kill -9 "${node_pids[$leader]}"
  wait "${node_pids[$leader]}" 2>/dev/null || true
  t0=$(date +%s%N)
  a=$(( (leader + 1) % 3 )); b=$(( (leader + 2) % 3 ))
  while :; do
    la=$(leader_index "${addrs[$a]}"); lb=$(leader_index "${addrs[$b]}")
    if [ -n "$la" ] && [ "$la" = "$lb" ] && [ "$la" != "$leader" ]; then break; fi
    sleep 0.02
  done
  times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  start_node "$leader"
  until "$bin" --addr "${addrs[$leader]}" ping >/dev/null 2>&1; do sleep 0.05; done
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
p50=$(echo "$sorted" | awk -v n="${#times[@]}" 'NR == int((n + 1) / 2)')
max=$(echo "$sorted" | tail -1)
echo
echo "failover over $failovers kills of the leader: p50 $p50 ms, max $max ms (each: $(echo "${times[@]}"))"
fi
