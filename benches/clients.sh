#!/usr/bin/env bash
# Redeem throughput of every client library against the same release server,
# as a ratio to the Rust client (`couponsd bench`, which is built on it):
# 64 connections, 16 requests in flight on each, a fresh order id per redeem,
# one coupon without a usage limit. The server is pinned to core 0 and every
# load generator to core 1, so what a client burns is not taken from the
# server; the clients take turns, ROUNDS times, and the table shows each
# one's median and its ratio to the Rust median of the same run.
#
#   bash benches/clients.sh                  # about 4 minutes here
#   ROUNDS=5 DURATION_MS=10000 CLIENTS="go java" bash benches/clients.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${ROUNDS:-3}"
duration_ms="${DURATION_MS:-5000}"
connections="${CONNECTIONS:-64}"
in_flight="${IN_FLIGHT:-16}"
read -r -a clients <<<"${CLIENTS:-java go typescript python}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cores="$(nproc)"
pin_server=() pin_load=()
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then
  pin_server=(taskset -c 0) pin_load=(taskset -c 1)
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
"${pin_server[@]}" "$bin" serve --listen "$addr" --data "$work/data" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do "$bin" --addr "$addr" ping >/dev/null 2>&1 && break; sleep 0.1; done
# No fraud checks: the load generators reuse customers faster than a
# velocity limit allows, and the clients are what is measured here.
"$bin" --addr "$addr" coupon create --code CLIENTBENCH --percent 10 --velocity-checks false >/dev/null

# Each client's bench builds itself first, outside the timed run.
declare -A results
run_rust() {
  "${pin_load[@]}" "$bin" --addr "$addr" --json bench --op redeem --code CLIENTBENCH \
    --connections "$connections" --pipeline "$in_flight" \
    --duration "$((duration_ms / 1000))" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ops_per_sec"])'
}
run_client() {
  "${pin_load[@]}" bash "$root/clients/$1/bench.sh" --addr "$addr" --code CLIENTBENCH \
    --connections "$connections" --in-flight "$in_flight" --duration-ms "$duration_ms" |
    tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["per_second"])'
}
for c in "${clients[@]}"; do
  # A short warm-up run builds the client (go build, javac, tsc) untimed.
  "${pin_load[@]}" bash "$root/clients/$c/bench.sh" --addr "$addr" --code CLIENTBENCH \
    --connections 1 --in-flight 1 --duration-ms 200 >/dev/null
done
for round in $(seq "$rounds"); do
  results[rust]+="$(run_rust) "
  for c in "${clients[@]}"; do results[$c]+="$(run_client "$c") "; done
  echo "round $round done: $(for k in "${!results[@]}"; do printf "%s %s  " "$k" "${results[$k]}"; done)" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rust_median="$(echo "${results[rust]}" | median)"
echo
echo "$(date -u +%Y-%m-%d) $(nproc) cores, release server pinned to core 0, load on core 1;"
echo "$connections connections x $in_flight in flight, $rounds rounds of $duration_ms ms each"
echo
echo "| client | redeems/s (median) | runs | vs Rust |"
echo "|---|---:|---|---:|"
echo "| rust (couponsd bench) | $rust_median | ${results[rust]% } | 1.00 |"
for c in "${clients[@]}"; do
  m="$(echo "${results[$c]}" | median)"
  ratio="$(python3 -c "print(f'{$m / $rust_median:.2f}')")"
  echo "| $c | $m | ${results[$c]% } | $ratio |"
done
