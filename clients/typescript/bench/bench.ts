/**
 * Redeem throughput through this library: `--connections` pooled connections,
 * `--in-flight` requests in flight on each, for `--duration-ms`, redeeming
 * `--code` (a coupon without a usage limit) with a unique order id (and
 * customer) per request. Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { Client } from '../src/index.js';

const { values } = parseArgs({
  options: {
    addr: { type: 'string', default: '127.0.0.1:7878' },
    code: { type: 'string' },
    connections: { type: 'string', default: '64' },
    'in-flight': { type: 'string', default: '16' },
    'duration-ms': { type: 'string', default: '5000' },
    token: { type: 'string', default: process.env.COUPONSD_TOKEN ?? '' },
  },
});
if (!values.code) {
  process.stderr.write('usage: bench --addr HOST:PORT --code CODE [--connections 64] [--in-flight 16] [--duration-ms 5000]\n');
  process.exit(2);
}
const connections = Number(values.connections);
const inFlight = Number(values['in-flight']);
const durationMs = Number(values['duration-ms']);
const code = values.code;

const client = await Client.connect(values.addr!, { token: values.token, poolSize: connections, maxInFlight: inFlight });
await client.fillPool(connections);

const run = `${process.pid}-${Date.now()}`;
let redeems = 0;
let failures = 0;
let lastError = '';
let sequence = 0;
const started = process.hrtime.bigint();
const deadline = Date.now() + durationMs;

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const n = sequence++;
    try {
      await client.redeem({ code, order_id: `bench-${run}-${n}`, order: { customer_id: `bench-${n}`, amount: 15000n, currency: 'USD' } });
      redeems++;
    } catch (e) {
      failures++;
      lastError = (e as Error).message;
    }
  }
}

await Promise.all(Array.from({ length: connections * inFlight }, worker));
const elapsedNs = process.hrtime.bigint() - started;
client.close();
// Integer arithmetic throughout: seconds to the millisecond, rate rounded down.
const elapsedMs = elapsedNs / 1_000_000n;
const seconds = `${elapsedMs / 1000n}.${String(elapsedMs % 1000n).padStart(3, '0')}`;
const perSecond = elapsedNs > 0n ? (BigInt(redeems) * 1_000_000_000n) / elapsedNs : 0n;
if (failures > 0) process.stderr.write(`${failures} redeems failed; the last: ${lastError}\n`);
process.stdout.write(`{"client":"typescript","redeems":${redeems},"seconds":${seconds},"per_second":${perSecond}}\n`);
