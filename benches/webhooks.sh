#!/usr/bin/env bash
# Webhook delivery rate: events per second that reach one endpoint, in
# order, each its own signed POST. A release server with one endpoint (a
# Node HTTP receiver on loopback that answers 204 at once and counts), then
# REDEMPTIONS redemptions (one redemption.redeemed event each) as fast as
# `couponsd bench` sends them; the rate is the receiver's events over the
# time from its first event to its last.
#
#   bash benches/webhooks.sh                      # about 30 s here
#   REDEMPTIONS=50000 bash benches/webhooks.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
redemptions="${REDEMPTIONS:-20000}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/couponsd"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The receiver: counts POSTs, remembers when the first and the last came,
# and writes "count first_ms last_ms" to a file on every request.
hook_port="$(free_port)"
cat >"$work/receiver.js" <<'JS'
const http = require('http');
const fs = require('fs');
const [port, out] = process.argv.slice(2);
let count = 0, first = 0, last = 0;
http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    const now = Date.now();
    if (count === 0) first = now;
    count += 1;
    last = now;
    res.writeHead(204);
    res.end();
  });
}).listen(Number(port), '127.0.0.1');
setInterval(() => fs.writeFileSync(out, `${count} ${first} ${last}\n`), 100);
JS
node "$work/receiver.js" "$hook_port" "$work/received" &
pids+=($!)
disown

addr="127.0.0.1:$(free_port)"
"$bin" serve --listen "$addr" --data "$work/data" 2>"$work/server.log" &
pids+=($!)
disown
for _ in $(seq 100); do "$bin" --addr "$addr" ping >/dev/null 2>&1 && break; sleep 0.1; done
"$bin" --addr "$addr" webhook add --url "http://127.0.0.1:$hook_port/hook" \
  --events redemption.redeemed >/dev/null
"$bin" --addr "$addr" coupon create --code HOOKS --percent 10 --velocity-checks false >/dev/null

started=$(date +%s%N)
"$bin" --addr "$addr" --json bench --op redeem --code HOOKS --connections 16 --pipeline 8 \
  --requests "$redemptions" >"$work/bench.json" 2>/dev/null
redeemed_s=$(python3 -c "import sys; print(($(date +%s%N) - $started) / 1e9)")

deadline=$((SECONDS + 300))
while :; do
  read -r count first last <"$work/received" || true
  [ "${count:-0}" -ge "$redemptions" ] && break
  [ $SECONDS -lt $deadline ] || { echo "only ${count:-0} of $redemptions events arrived" >&2; exit 1; }
  sleep 0.2
done
python3 - "$count" "$first" "$last" "$redeemed_s" "$redemptions" <<'PY'
import sys
count, first, last, redeemed_s, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
span = max(last - first, 1) / 1000
print(f"{n} redemptions in {redeemed_s:.1f} s ({n / redeemed_s:,.0f}/s); "
      f"{count} webhook events delivered in {span:.1f} s: {count / span:,.0f} events/s to one endpoint")
PY
