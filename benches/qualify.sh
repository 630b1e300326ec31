#!/usr/bin/env bash
# Qualification latency at 100,000 coupons (issue 12): QUALIFY of a cart of
# three random products over 100,000 public coupons, 99 % targeted at one
# product each (two per product) and 1 % untargeted, so each request meets
# about 1,000 candidates, the server's bound (`couponsd bench --op qualify`).
# Reports p50 and p99 with one connection (latency alone) and with 16
# (under load), each one request in flight.
#
#   bash benches/qualify.sh                 # 10 s per run
#   COUPONS=10000 DURATION=3 bash benches/qualify.sh
set -euo pipefail

coupons="${COUPONS:-100000}"
duration="${DURATION:-10}"

# shellcheck source=benches/serve.sh
source "$(dirname "$0")/serve.sh"

echo "| connections | qualify/s | p50 ms | p99 ms |"
echo "|---|---|---|---|"
for connections in 1 16; do
  "$bin" --addr "$addr" bench --json --op qualify --coupons "$coupons" --coupon-prefix QUALIFY \
    --connections "$connections" --duration "$duration" 2>/dev/null |
    python3 -c "
import json,sys
r=json.load(sys.stdin)
if r['errors']: sys.exit(f\"{r['errors']} errors\")
print(f\"| $connections | {r['ops_per_sec']:,} | {r['p50_us']/1000:.2f} | {r['p99_us']/1000:.2f} |\")"
done
