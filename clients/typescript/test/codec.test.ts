// The codec on its own: CRC-32, frames, fields, money, forward compatibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crc32,
  decodeBody,
  DecodeError,
  encodeBody,
  encodeFrame,
  formatMoney,
  FrameDecoder,
  FrameError,
  MoneyError,
  parseMoney,
  REPLIES,
  REQUESTS,
  Writer,
} from '../src/index.js';
import { crc32Table } from '../src/wire/crc32.js';
import { appendFrame } from '../src/wire/frame.js';

test('CRC-32 check value, native and table alike', () => {
  const bytes = Buffer.from('123456789');
  assert.equal(crc32(bytes), 0xcbf43926);
  assert.equal(crc32Table(bytes), 0xcbf43926);
  const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
  assert.equal(crc32(random), crc32Table(random));
});

test('a frame splits off at every cut of the stream, and only when whole', () => {
  const frame = encodeFrame(7, 0x0002, 0, Buffer.from('hi'));
  for (let cut = 0; cut < frame.length; cut++) {
    const d = new FrameDecoder();
    assert.deepEqual(d.push(frame.subarray(0, cut)), [], `cut ${cut}`);
    const [f] = d.push(frame.subarray(cut));
    assert.equal(f!.request_id, 7);
    assert.equal(f!.opcode, 2);
    assert.equal(Buffer.from(f!.body).toString(), 'hi');
  }
  // Two frames in one chunk.
  const two = new FrameDecoder().push(Buffer.concat([frame, frame]));
  assert.equal(two.length, 2);
});

test('frames appended to a batch are byte for byte the frames encoded alone', () => {
  const w = new Writer(8);
  const bodies = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(5000, 7)];
  bodies.forEach((b, i) => appendFrame(w, i + 1, 0x21, b));
  assert.equal(w.finish().toString('hex'), Buffer.concat(bodies.map((b, i) => encodeFrame(i + 1, 0x21, 0, b))).toString('hex'));
});

test('bad lengths and checksums are FrameErrors before any allocation', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0x20, 0, 0])), FrameError);
  assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 3])), FrameError);
  const frame = encodeFrame(1, 2, 0, Buffer.alloc(0));
  frame[10]! ^= 1;
  assert.throws(() => new FrameDecoder().push(frame), /checksum/);
  // A smaller negotiated maximum is enforced too.
  const d = new FrameDecoder(100);
  assert.throws(() => d.push(encodeFrame(1, 2, 0, Buffer.alloc(200))), /over the maximum 100/);
});

test('field encodings match protocol.md section 4 examples', () => {
  const w = new Writer(1);
  w.str('USD');
  assert.equal(w.finish().toString('hex'), '0003555344');
  const opt = encodeBody({ kind: 'opt', of: 'i64' }, 5000n);
  assert.equal(opt.toString('hex'), '010000000000001388');
  assert.equal(encodeBody({ kind: 'opt', of: 'u64' }, null).toString('hex'), '00');
  assert.equal(encodeBody({ kind: 'list', of: 'str' }, []).toString('hex'), '0000');
});

test('a string over 65535 bytes is cut at a character boundary', () => {
  const w = new Writer();
  w.str('é'.repeat(40000)); // 80000 bytes
  const out = w.finish();
  const length = out.readUInt16BE(0);
  assert.equal(length, 65534);
  assert.equal(out.length, 2 + length);
});

test('every truncation of a reply is a DecodeError, never a crash or a guess', () => {
  const body = encodeBody(REPLIES.REDEEM, {
    redemption: { id: 1n, coupon_id: 2n, code: 'X', status: 'PROCESSED', currency: 'USD', security: {}, identifiers: {} },
    remaining_uses: 5n,
    replayed: false,
  });
  assert.ok(decodeBody(REPLIES.REDEEM, body));
  for (let cut = 0; cut < body.length; cut++) {
    assert.throws(() => decodeBody(REPLIES.REDEEM, body.subarray(0, cut)), DecodeError, `cut ${cut}`);
  }
});

test('trailing bytes are ignored; appended fields read as their fallback when absent', () => {
  const info = {
    server_version: '0.1.0', role: 'LEADER', term: 1n, lsn: 2n, coupons: 3n, redemptions: 4n, uptime_ms: 5n,
    connections: 6, writes_failing_since_ms: 0n, storage_error: '',
  };
  const body = encodeBody(REPLIES.SERVER_INFO, info);
  assert.deepEqual(decodeBody(REPLIES.SERVER_INFO, Buffer.concat([body, Buffer.from([1, 2, 3])])), info);
  // An older server stops after `connections` (8 + 2 bytes shorter).
  assert.deepEqual(decodeBody(REPLIES.SERVER_INFO, body.subarray(0, body.length - 10)), info);
});

test('unknown enum values: an error in strict fields, null in lenient ones', () => {
  const hello = encodeBody(REPLIES.HELLO, { version: 1, server_version: 'x', role: 'LEADER', max_frame_length: 1, max_in_flight: 1 });
  hello[2 + 2 + 1] = 99; // role
  assert.throws(() => decodeBody(REPLIES.HELLO, hello), /role.*99/);
  const criteria = encodeBody(REQUESTS.COUPON_CREATE, { code: 'A', discount_type: 'FIXED', applicable_products: [{ values: [] }] });
  assert.ok(criteria.length > 0);
  const spec = decodeBody(REQUESTS.COUPON_CREATE, criteria) as { applicable_products: { criteria_type: unknown }[] };
  assert.equal(spec.applicable_products[0]!.criteria_type, null);
});

test('a bool or presence byte other than 0 and 1 is a DecodeError', () => {
  assert.throws(() => decodeBody(REPLIES.PING, Buffer.alloc(7)), DecodeError);
  assert.throws(() => decodeBody({ kind: 'opt', of: 'u8' }, Buffer.from([2, 0])), /presence/);
  assert.throws(() => decodeBody('bool', Buffer.from([2])), /unknown value 2/);
  assert.throws(() => decodeBody('str', Buffer.from([0, 2, 0xc3, 0x28])), /UTF-8/);
});

test('encoding refuses out-of-range integers and unknown enum names', () => {
  assert.throws(() => encodeBody('u64', -1n), RangeError);
  assert.throws(() => encodeBody('i64', 1n << 63n), RangeError);
  assert.throws(() => encodeBody('u16', 70000), RangeError);
  assert.throws(() => encodeBody(REQUESTS.CAMPAIGN_SET_STATUS, { id: 1n, status: 'NOPE' }), /not a CampaignStatus/);
});

test('money: exact both ways per currency, errors instead of rounding', () => {
  const cases: [string, string, bigint][] = [
    ['150.00', 'USD', 15000n],
    ['0.05', 'USD', 5n],
    ['1000', 'JPY', 1000n],
    ['1.234', 'BHD', 1234n],
    ['-2.50', 'EUR', -250n],
    ['92233720368547758.07', 'USD', (1n << 63n) - 1n],
  ];
  for (const [text, currency, minor] of cases) {
    assert.equal(parseMoney(text, currency), minor, text);
    assert.equal(formatMoney(minor, currency), text, text);
  }
  assert.equal(parseMoney('150', 'USD'), 15000n);
  assert.equal(parseMoney('0.5', 'USD'), 50n);
  assert.throws(() => parseMoney('1.001', 'USD'), MoneyError);
  assert.throws(() => parseMoney('1.5', 'JPY'), MoneyError);
  assert.throws(() => parseMoney('1e3', 'USD'), MoneyError);
  assert.throws(() => parseMoney('1.', 'USD'), MoneyError);
  assert.throws(() => parseMoney('92233720368547758.08', 'USD'), /too large/);
  assert.throws(() => parseMoney('1.00', 'XYZ'), /unknown currency/);
});

test('random bytes as any reply body: a value or a DecodeError, never another exception', () => {
  // A fixed linear congruential generator: the same bytes every run.
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
  let decoded = 0;
  let refused = 0;
  for (const [op, schema] of Object.entries(REPLIES)) {
    for (let i = 0; i < 200; i++) {
      const body = Buffer.from(Array.from({ length: next() % 300 }, () => next() & 0xff));
      try {
        decodeBody(schema, body);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof DecodeError, `${op}: ${String(e)}`);
        refused++;
      }
    }
  }
  assert.ok(refused > 0 && decoded > 0);
});
