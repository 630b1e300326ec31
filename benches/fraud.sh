#!/usr/bin/env bash
# What the fraud checks cost: redeem throughput with every check on (IP
# lists, device fingerprint and email verification required, disposable
# emails refused, velocity windows, an identifier limit, review and block
# scores) against all off, in the same run on the same server, alternating
# off/on ROUNDS times so both see the same machine. The fraud score and the
# detectors' observations run in both (every request is scored).
#
#   bash benches/fraud.sh                 # 3 rounds of 10 s each way
#   ROUNDS=1 DURATION=3 bash benches/fraud.sh
set -euo pipefail

rounds="${ROUNDS:-3}"
duration="${DURATION:-10}"

# shellcheck source=benches/serve.sh
source "$(dirname "$0")/serve.sh"

# ops/s and rejected of one run: the security mode, then bench flags.
run() {
  local mode=$1; shift
  "$bin" --addr "$addr" bench --json --op redeem --security "$mode" \
    --coupon-prefix "FRAUD-$mode" --duration "$duration" "$@" 2>/dev/null |
    python3 -c "import json,sys; r=json.load(sys.stdin); print(r['ops_per_sec'], r['rejected'], r['errors'])"
}

echo "| workload | checks off (redeem/s) | checks on (redeem/s) | on / off |"
echo "|---|---|---|---|"
for workload in "hot:--connections 64 --coupons 1" "spread:--connections 64 --pipeline 16 --coupons 1000"; do
  name=${workload%%:*}; flags=${workload#*:}
  off_sum=0; on_sum=0
  for _ in $(seq "$rounds"); do
    # shellcheck disable=SC2086 # flags is a list
    read -r off rejected errors < <(run off $flags)
    [ "$rejected" = 0 ] && [ "$errors" = 0 ] || { echo "checks off: $rejected rejected, $errors errors" >&2; exit 1; }
    # shellcheck disable=SC2086
    read -r on rejected errors < <(run on $flags)
    [ "$rejected" = 0 ] && [ "$errors" = 0 ] || { echo "checks on: $rejected rejected, $errors errors" >&2; exit 1; }
    off_sum=$(python3 -c "print($off_sum + $off)"); on_sum=$(python3 -c "print($on_sum + $on)")
  done
  python3 -c "off=$off_sum/$rounds; on=$on_sum/$rounds; print(f'| $name | {off:,.0f} | {on:,.0f} | {on/off:.2f} |')"
done
