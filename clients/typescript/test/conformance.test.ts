// The conformance scenario every client runs against the real couponsd:
// the seed example, a 64-connection race for a limit, a racing retry, reverse
// twice, an expiring hold, a paused campaign, the error codes a client can
// provoke, and the raw-protocol errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlreadyExistsError,
  AlreadyReversedError,
  CampaignInactiveError,
  Client,
  ConflictError,
  CurrencyMismatchError,
  CustomerLimitError,
  ExhaustedError,
  ExpiredError,
  formatMoney,
  FrameTooLargeError,
  HoldExpiredError,
  InactiveError,
  InvalidArgumentError,
  InvalidStateError,
  MalformedFrameError,
  MinOrderNotMetError,
  NotFoundError,
  NotStartedError,
  Opcode,
  parseMoney,
  RequestTooLargeError,
  ServerError,
  UnknownOpcodeError,
  ChannelNotAllowedError,
  SegmentNotEligibleError,
  EmailDomainNotAllowedError,
  DeviceFingerprintRequiredError,
  EmailNotVerifiedError,
  NotAssignedError,
  IpNotAllowedError,
  NoEligibleItemsError,
  VelocityLimitError,
  RateLimitedError,
  FrameTooLargeError as ServerFrameTooLarge,
  UnsupportedVersionError,
  encodeBody,
  encodeFrame,
  FrameDecoder,
  REQUESTS,
  MAGIC,
  type CouponSpecInput,
} from '../src/index.js';
import * as net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startServer, withLogs, type Server } from './server.js';
import { serverError as serverErrorFn } from '../src/errors.js';

const serverErrorOf = (status: number) => {
  return serverErrorFn(status, '');
};
const usd = (text: string) => parseMoney(text, 'USD');
const order = (customer: string, amount: string, currency = 'USD') => ({ customer_id: customer, amount: parseMoney(amount, currency), currency });
/** A public coupon (a refusal then says why) without velocity checks (the race reuses identities). */
const coupon = (spec: CouponSpecInput): CouponSpecInput => ({ is_public: true, security: { velocity_checks: false }, ...spec });

describe('conformance against couponsd', () => {
  let server: Server;
  let client: Client;

  before(async () => {
    server = await startServer(['--hold-sweep-ms', '50']);
    client = await Client.connect(server.addr);
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  test('seed: 20% of 150.00 capped at 50.00 gives 30.00', () =>
    withLogs([server], async () => {
      await client.createCoupon(coupon({ code: 'save20', discount_type: 'PERCENTAGE', discount_value: 2000n, currency: 'USD', max_discount_amount: usd('50.00') }));
      const validation = await client.validate('SAVE20', order('c-seed', '150.00'));
      assert.equal(validation.valid, true);
      assert.equal(formatMoney(validation.discount_amount, 'USD'), '30.00');
      const reply = await client.redeem({ code: 'SAVE20', order_id: 'seed-1', order: order('c-seed', '150.00') });
      assert.equal(formatMoney(reply.redemption.discount_amount, 'USD'), '30.00');
      assert.equal(formatMoney(reply.redemption.final_amount, 'USD'), '120.00');
      assert.equal(reply.redemption.status, 'PROCESSED');
      assert.equal(reply.replayed, false);
      // The cap: 20% of 300.00 is 60.00, capped at 50.00.
      const capped = await client.redeem({ code: 'SAVE20', order_id: 'seed-2', order: order('c-seed', '300.00') });
      assert.equal(formatMoney(capped.redemption.discount_amount, 'USD'), '50.00');
    }));

  test('64 connections racing for a limit of 1000 get exactly 1000', () =>
    withLogs([server], async () => {
      const created = await client.createCoupon(coupon({ code: 'LIMIT1000', discount_type: 'FIXED', discount_value: 100n, currency: 'USD', usage_limit: 1000n }));
      const clients = await Promise.all(Array.from({ length: 64 }, () => Client.connect(server.addr, { poolSize: 1 })));
      try {
        let ok = 0;
        let exhausted = 0;
        const ids = new Set<bigint>();
        const perConnection = 20; // 1280 attempts for 1000 uses
        await Promise.all(
          clients.map(async (c, conn) => {
            // 4 in flight per connection.
            await Promise.all(
              Array.from({ length: 4 }, async (_, lane) => {
                for (let i = lane; i < perConnection; i += 4) {
                  try {
                    const r = await c.redeem({ code: 'LIMIT1000', order_id: `race-${conn}-${i}`, order: order(`c-${conn}-${i}`, '10.00') });
                    ids.add(r.redemption.id);
                    ok++;
                  } catch (e) {
                    if (!(e instanceof ExhaustedError)) throw e;
                    exhausted++;
                  }
                }
              }),
            );
          }),
        );
        assert.equal(ok, 1000);
        assert.equal(exhausted, 64 * perConnection - 1000);
        assert.equal(ids.size, 1000);
        const after = await client.getCoupon(created.id);
        assert.equal(after.current_usage, 1000n);
        assert.equal(after.status, 'EXHAUSTED');
      } finally {
        for (const c of clients) c.close();
      }
    }));

  test('a racing retry of one order makes one redemption', () =>
    withLogs([server], async () => {
      const created = await client.createCoupon(coupon({ code: 'RETRY', discount_type: 'FIXED', discount_value: 500n, currency: 'USD', usage_limit: 10n }));
      const clients = await Promise.all(Array.from({ length: 16 }, () => Client.connect(server.addr, { poolSize: 1 })));
      try {
        const replies = await Promise.all(clients.map((c) => c.redeem({ code: 'RETRY', order_id: 'order-race', order: order('c-retry', '20.00') })));
        assert.equal(new Set(replies.map((r) => r.redemption.id)).size, 1);
        assert.equal(replies.filter((r) => !r.replayed).length, 1);
        const after = await client.getCoupon(created.id);
        assert.equal(after.current_usage, 1n);
        const page = await client.listRedemptions(created.id);
        assert.equal(page.redemptions.length, 1);
        // The same order with other details is a CONFLICT, not a second use.
        await assert.rejects(client.redeem({ code: 'RETRY', order_id: 'order-race', order: order('c-retry', '99.00') }), ConflictError);
      } finally {
        for (const c of clients) c.close();
      }
    }));

  test('reverse twice: one reversal, then ALREADY_REVERSED', () =>
    withLogs([server], async () => {
      const created = await client.createCoupon(coupon({ code: 'REV', discount_type: 'FIXED', discount_value: 500n, currency: 'USD', usage_limit: 5n }));
      await client.redeem({ code: 'REV', order_id: 'rev-1', order: order('c-rev', '20.00') });
      const ref = { code: 'REV', order_id: 'rev-1' };
      const reversed = await client.reverse(ref, 'customer cancelled');
      assert.equal(reversed.redemption.status, 'REVERSED');
      assert.equal(reversed.redemption.reverse_reason, 'customer cancelled');
      await assert.rejects(client.reverse(ref, 'again'), AlreadyReversedError);
      assert.equal((await client.listReversals(ref)).length, 1);
      assert.equal((await client.getCoupon(created.id)).current_usage, 0n);
    }));

  test('a hold with a TTL expires; confirming it then is HOLD_EXPIRED', () =>
    withLogs([server], async () => {
      const created = await client.createCoupon(coupon({ code: 'HOLD', discount_type: 'FIXED', discount_value: 500n, currency: 'USD', usage_limit: 1n }));
      const hold = await client.reserve({ code: 'HOLD', order_id: 'hold-1', ttl_ms: 200, order: order('c-hold', '20.00') });
      assert.equal(hold.redemption.status, 'PENDING');
      assert.notEqual(hold.redemption.hold_expires_at, null);
      assert.equal((await client.getCoupon(created.id)).reserved_uses, 1n);
      const deadline = Date.now() + 10000;
      let status: string = hold.redemption.status;
      while (status === 'PENDING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await client.getRedemption(hold.redemption.id)).redemption.status;
      }
      assert.equal(status, 'EXPIRED');
      await assert.rejects(client.confirm(hold.redemption.id), HoldExpiredError);
      const after = await client.getCoupon(created.id);
      assert.equal(after.reserved_uses, 0n);
      assert.equal(after.current_usage, 0n);
    }));

  test('a campaign generated, paused, and its code refused', () =>
    withLogs([server], async () => {
      let campaign = await client.createCampaign({
        name: 'Spring',
        template: { code: '', name: 'Spring code', discount_type: 'PERCENTAGE', discount_value: 1000n, currency: 'USD', usage_limit: 1n, is_public: true },
        rules: { prefix: 'SPR-' },
      });
      assert.equal(campaign.status, 'DRAFT');
      campaign = await client.setCampaignStatus(campaign.id, 'ACTIVE');
      campaign = await client.generateCodes(campaign.id, 5n, campaign.revision);
      assert.equal(campaign.generation_target, 5n);
      const deadline = Date.now() + 20000;
      while (campaign.coupons_generated < 5n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        campaign = await client.getCampaign(campaign.id);
      }
      assert.equal(campaign.coupons_generated, 5n);
      const page = await client.listCampaignCodes(campaign.id);
      assert.equal(page.codes.length, 5);
      for (const c of page.codes) assert.match(c.code, /^SPR-/);
      const [first, second] = page.codes;
      const redeemed = await client.redeem({ code: first!.code, order_id: 'spring-1', order: order('c-spring', '50.00') });
      assert.equal(formatMoney(redeemed.redemption.discount_amount, 'USD'), '5.00');
      await client.setCampaignStatus(campaign.id, 'PAUSED');
      await assert.rejects(client.redeem({ code: second!.code, order_id: 'spring-2', order: order('c-spring', '50.00') }), CampaignInactiveError);
      const validation = await client.validate(second!.code, order('c-spring', '50.00'));
      assert.equal(validation.valid, false);
      assert.equal(validation.reason, 54); // CAMPAIGN_INACTIVE
      await client.setCampaignStatus(campaign.id, 'ACTIVE');
      await client.redeem({ code: second!.code, order_id: 'spring-2', order: order('c-spring', '50.00') });
    }));

  test('each error code a client can provoke comes back as its own class', () =>
    withLogs([server], async () => {
      await client.createCoupon(coupon({ code: 'ERRS', discount_type: 'FIXED', discount_value: 500n, currency: 'USD', min_order_amount: usd('10.00'), usage_limit_per_customer: 1 }));
      await assert.rejects(client.getCoupon('NO-SUCH-CODE'), NotFoundError);
      await assert.rejects(client.createCoupon(coupon({ code: 'ERRS', discount_type: 'FIXED', discount_value: 1n, currency: 'USD' })), AlreadyExistsError);
      await assert.rejects(client.createCoupon({ code: '', discount_type: 'FIXED', discount_value: 1n, currency: 'USD' }), (e) => e instanceof InvalidArgumentError && /code/.test(e.serverMessage));
      const errs = await client.getCoupon('ERRS');
      await assert.rejects(client.updateCoupon(errs.id, { ...errs.spec, name: 'x' }, errs.revision + 7n), ConflictError);
      await assert.rejects(client.redeem({ code: 'ERRS', order_id: 'e-1', order: order('c-e', '20.00', 'EUR') }), CurrencyMismatchError);
      await assert.rejects(client.redeem({ code: 'ERRS', order_id: 'e-2', order: order('c-e', '5.00') }), MinOrderNotMetError);
      const used = await client.redeem({ code: 'ERRS', order_id: 'e-3', order: order('c-e', '20.00') });
      await assert.rejects(client.redeem({ code: 'ERRS', order_id: 'e-4', order: order('c-e', '20.00') }), CustomerLimitError);
      await assert.rejects(client.release(used.redemption.id), InvalidStateError);
      await client.createCoupon(coupon({ code: 'OFF', discount_type: 'FIXED', discount_value: 1n, currency: 'USD', status: 'INACTIVE' }));
      await assert.rejects(client.redeem({ code: 'OFF', order_id: 'e-5', order: order('c-e', '20.00') }), InactiveError);
      const now = BigInt(Date.now());
      await client.createCoupon(coupon({ code: 'LATER', discount_type: 'FIXED', discount_value: 1n, currency: 'USD', starts_at: now + 86_400_000n }));
      await assert.rejects(client.redeem({ code: 'LATER', order_id: 'e-6', order: order('c-e', '20.00') }), NotStartedError);
      await client.createCoupon(coupon({ code: 'GONE', discount_type: 'FIXED', discount_value: 1n, currency: 'USD', starts_at: now - 2n * 86_400_000n, ends_at: now - 86_400_000n }));
      await assert.rejects(client.redeem({ code: 'GONE', order_id: 'e-7', order: order('c-e', '20.00') }), ExpiredError);
      // Every one of them is a ServerError with the code's name and a message.
      await assert.rejects(client.getCoupon(999_999n), (e) => e instanceof ServerError && e.codeName === 'NOT_FOUND' && e.serverMessage.length > 0);
    }));

  test('each refusal of a coupon rule comes back as its own class', () =>
    withLogs([server], async () => {
      type Case = [string, Partial<CouponSpecInput>, Record<string, unknown>, new (...args: never[]) => ServerError];
      const cases: Case[] = [
        ['CHANNEL', { channel_restrictions: ['web'] }, { channel: 'app' }, ChannelNotAllowedError],
        ['SEGMENT', { customer_segments: ['vip'] }, { customer_segments: ['new'] }, SegmentNotEligibleError],
        ['DOMAIN', { allowed_email_domains: ['example.com'] }, { customer_email: 'a@other.org' }, EmailDomainNotAllowedError],
        ['DEVICE', { security: { velocity_checks: false, device_fingerprinting: true } }, {}, DeviceFingerprintRequiredError],
        ['VERIFIED', { security: { velocity_checks: false, require_email_verification: true } }, { customer_email: 'a@example.com' }, EmailNotVerifiedError],
        ['ASSIGNED', { assigned_customer_id: 'alice' }, { customer_id: 'bob' }, NotAssignedError],
        ['IPDENY', { security: { velocity_checks: false, ip_restrictions: ['10.0.0.0/8'] } }, { ip_address: '192.0.2.1' }, IpNotAllowedError],
        ['ITEMS', { applicable_products: [{ criteria_type: 'category', operator: 'in', values: ['shoes'] }] }, { items: [{ product_id: 'p', category: 'hats', unit_price: 1000n, quantity: 1 }] }, NoEligibleItemsError],
      ];
      for (const [code, spec, orderFields, expected] of cases) {
        await client.createCoupon(coupon({ code: `RULE-${code}`, discount_type: 'FIXED', discount_value: 100n, currency: 'USD', ...spec }));
        await assert.rejects(
          client.redeem({ code: `RULE-${code}`, order_id: `rule-${code}`, order: { customer_id: 'carol', amount: usd('20.00'), currency: 'USD', ...orderFields } }),
          (e) => e instanceof expected,
          code,
        );
      }
      // Velocity: the 11th use within the hour by one customer (the usual 10 an hour).
      await client.createCoupon({ code: 'VELOCITY', discount_type: 'FIXED', discount_value: 1n, currency: 'USD', is_public: true });
      for (let i = 0; i < 10; i++) await client.redeem({ code: 'VELOCITY', order_id: `v-${i}`, order: order('dave', '20.00') });
      await assert.rejects(client.redeem({ code: 'VELOCITY', order_id: 'v-10', order: order('dave', '20.00') }), VelocityLimitError);
    }));

  test('a request over the server max_frame_length is refused before sending', () =>
    withLogs([server], async () => {
      const segments = Array.from({ length: 60000 }, (_, i) => `segment-number-${i}`);
      await assert.rejects(
        client.createCoupon({ code: 'HUGE', discount_type: 'FIXED', discount_value: 1n, currency: 'USD', customer_segments: segments }),
        (e) => e instanceof RequestTooLargeError && e instanceof FrameTooLargeError && e.codeName === 'FRAME_TOO_LARGE',
      );
      assert.ok((await client.ping()) > 0n, 'the connection is still usable');
    }));

  test('raw protocol errors: UNKNOWN_OPCODE and MALFORMED_FRAME leave the connection open; FRAME_TOO_LARGE closes it; UNSUPPORTED_VERSION', () =>
    withLogs([server], async () => {
      const { Connection } = await import('../src/connection.js');
      const conn = await Connection.open(server.addr, { token: '', clientName: 'raw', connectTimeoutMs: 5000, maxInFlight: 8 });
      try {
        assert.equal(conn.hello.version, 1);
        const unknown = await conn.call(0x7777, new Uint8Array(0), 5000);
        assert.equal(unknown.status, 2);
        const { serverError } = await import('../src/errors.js');
        const { readErrorBody } = await import('../src/connection.js');
        const body = readErrorBody(unknown.body);
        assert.ok(serverError(unknown.status, body.message) instanceof UnknownOpcodeError);
        const malformed = await conn.call(Opcode.REDEEM, new Uint8Array([0xff]), 5000);
        assert.ok(serverError(malformed.status, '') instanceof MalformedFrameError);
        const pong = await conn.call(Opcode.PING, new Uint8Array(0), 5000);
        assert.equal(pong.status, 0);
        // A length over the maximum: the server answers FRAME_TOO_LARGE with
        // request id 0 and opcode 0, then closes; the call in flight gets it.
        (conn as unknown as { socket: net.Socket }).socket.write(Buffer.from([0x00, 0x20, 0x00, 0x00]));
        const pending = conn.call(Opcode.PING, new Uint8Array(0), 5000);
        await assert.rejects(pending, ServerFrameTooLarge);
        assert.equal(conn.closed, true);
      } finally {
        conn.close();
      }
      // A HELLO asking for version 2: UNSUPPORTED_VERSION.
      const reply = await new Promise<number>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: server.port });
        const decoder = new FrameDecoder();
        socket.on('error', reject);
        socket.on('data', (d) => {
          const [frame] = decoder.push(d);
          if (frame) {
            socket.destroy();
            resolve(frame.status);
          }
        });
        socket.write(encodeFrame(1, Opcode.HELLO, 0, encodeBody(REQUESTS.HELLO, { magic: MAGIC, version: 2, token: '', client_name: 'old' })));
      });
      assert.ok(serverErrorOf(reply) instanceof UnsupportedVersionError);
    }));

  test("the README's example runs and prints the seed discount", () =>
    withLogs([server], async () => {
      await client.createCoupon({ code: 'SUMMER20', discount_type: 'PERCENTAGE', discount_value: 2000n, currency: 'USD', max_discount_amount: usd('50.00') });
      const example = fileURLToPath(new URL('../examples/readme.js', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, [example, server.addr]);
      assert.equal(stdout, 'discount 30.00\n');
    }));

  test('the generic call() by opcode name', () =>
    withLogs([server], async () => {
      const info = await client.call('SERVER_INFO', {});
      assert.equal(info.role, 'LEADER');
      assert.ok(info.coupons > 0n);
      const overview = await client.analyticsOverview();
      assert.ok(overview.metrics.total_redemptions > 0n);
    }));
});

test('guessing: past the per-connection limit of unknown codes, RATE_LIMITED', async () => {
  const server = await startServer(['--guess-limit-connection', '3']);
  const client = await Client.connect(server.addr);
  try {
    await withLogs([server], async () => {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(client.redeem({ code: `GUESS-${i}`, order_id: `g-${i}`, order: order('mallory', '20.00') }), NotFoundError);
      }
      await assert.rejects(client.redeem({ code: 'GUESS-3', order_id: 'g-3', order: order('mallory', '20.00') }), RateLimitedError);
    });
  } finally {
    client.close();
    await server.stop();
  }
});
