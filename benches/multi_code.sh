#!/usr/bin/env bash
# What an order of several codes costs: ORDER_REDEEM of 3 and of 10 codes
# (all or nothing) against single-code REDEEM, on one server in the same
# run, alternating ROUNDS times. Reports orders/s and code uses/s, each as a
# ratio to single-code redeem.
#
#   bash benches/multi_code.sh            # 3 rounds of 10 s each
#   ROUNDS=1 DURATION=3 bash benches/multi_code.sh
set -euo pipefail

rounds="${ROUNDS:-3}"
duration="${DURATION:-10}"

# shellcheck source=benches/serve.sh
source "$(dirname "$0")/serve.sh"

# ops/s of one run of N codes per order; refuses a run with errors.
run() {
  "$bin" --addr "$addr" bench --json --op redeem --coupons 100 --coupon-prefix MULTI \
    --connections 64 --pipeline 4 --codes-per-order "$1" --duration "$duration" 2>/dev/null |
    python3 -c "
import json,sys
r=json.load(sys.stdin)
if r['errors'] or r['rejected']: sys.exit(f\"{r['errors']} errors, {r['rejected']} rejected\")
print(r['ops_per_sec'])"
}

declare -A sum=([1]=0 [3]=0 [10]=0)
for _ in $(seq "$rounds"); do
  for n in 1 3 10; do
    ops=$(run "$n")
    sum[$n]=$(python3 -c "print(${sum[$n]} + $ops)")
  done
done
echo "| codes per order | orders/s | code uses/s | orders vs 1 code | uses vs 1 code |"
echo "|---|---|---|---|---|"
for n in 1 3 10; do
  python3 -c "
one=${sum[1]}/$rounds; ops=${sum[$n]}/$rounds
print(f'| $n | {ops:,.0f} | {ops*$n:,.0f} | {ops/one:.2f} | {ops*$n/one:.2f} |')"
done
