// The golden vectors (clients/vectors/vectors.json, made from the Rust codec):
// every request encodes to its bytes, every reply and error body decodes to
// its value, every money conversion and frame matches. Counts what it checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALL_ENUMS,
  CURRENCY_DECIMALS,
  decodeBody,
  encodeBody,
  encodeFrame,
  ErrorCode,
  formatMoney,
  FrameDecoder,
  fromJson,
  MoneyError,
  Opcode,
  parseMoney,
  PROTOCOL_VERSION,
  REPLIES,
  REQUESTS,
  serverError,
  toJson,
  type FieldType,
  type Json,
  type OpcodeName,
} from '../src/index.js';
import { readErrorBody } from '../src/connection.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/test/ -> clients/vectors/vectors.json
const VECTORS = process.env.COUPONSD_VECTORS ?? path.resolve(here, '../../../vectors/vectors.json');

interface Message {
  name: string;
  opcode: string;
  direction: 'request' | 'reply' | 'error';
  case: string;
  node_to_node: boolean;
  body_hex: string;
  canonical_hex?: string;
  status?: string;
  value: Json;
}
interface Vectors {
  format: string;
  protocol_version: string;
  opcodes: Record<string, string>;
  error_codes: Record<string, string>;
  enums: Record<string, Record<string, string>>;
  currencies: Record<string, string>;
  money: { currency: string; minor: string; decimal: string }[];
  money_errors: { currency: string; decimal: string; error: string }[];
  frames: { name: string; request_id: string; opcode: string; status: string; body_hex: string; frame_hex: string }[];
  messages: Message[];
}

const vectors: Vectors = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const isStruct = (t: FieldType) => typeof t !== 'string' && (t.kind === 'struct' || t.kind === 'custom' || t.kind === 'choice');
const RAFT = new Set(['RAFT_APPEND', 'RAFT_VOTE', 'RAFT_SNAPSHOT_BEGIN', 'RAFT_SNAPSHOT_PART', 'RAFT_SNAPSHOT_END', 'VIEWS_FORWARD']);

/** A request vector's value as this library's value (HELLO's magic is implied; RAFT bodies are opaque). */
function requestValue(op: OpcodeName, value: Json): unknown {
  if (op === 'HELLO') return fromJson(REQUESTS.HELLO, { ...(value as object), magic: '43504e44' });
  if (RAFT.has(op)) {
    const v = value as { opcode: string; body: string };
    assert.equal(Number(v.opcode), Opcode[op], 'RAFT vector opcode');
    return fromJson(REQUESTS[op], v.body);
  }
  return fromJson(REQUESTS[op], value);
}
function requestJson(op: OpcodeName, value: unknown): Json {
  const json = toJson(REQUESTS[op], value);
  if (op === 'HELLO') {
    const { magic, ...rest } = json as Record<string, Json>;
    assert.equal(magic, '43504e44');
    return rest;
  }
  if (RAFT.has(op)) return { body: json, opcode: String(Opcode[op]) };
  return json;
}
/** A reply's JSON: a struct as itself, a lone list or blob as {"value": ...}. */
function replyJson(op: OpcodeName, value: unknown): Json {
  const t = REPLIES[op] as FieldType;
  const json = toJson(t, value);
  return isStruct(t) ? json : { value: json };
}
function replyValue(op: OpcodeName, json: Json): unknown {
  const t = REPLIES[op] as FieldType;
  return fromJson(t, isStruct(t) ? json : (json as { value: Json }).value);
}

test('vectors: the tables (opcodes, error codes, enums, currencies) match this library', () => {
  assert.equal(vectors.format, '1');
  assert.equal(vectors.protocol_version, String(PROTOCOL_VERSION));
  const opcodes = Object.fromEntries(Object.entries(Opcode).map(([k, v]) => [k, String(v)]));
  assert.deepEqual(opcodes, vectors.opcodes, 'every opcode, by name and number');
  const codes = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [k, String(v)]));
  assert.deepEqual(codes, vectors.error_codes, 'every error code');
  for (const [name, values] of Object.entries(vectors.enums)) {
    const mine = (ALL_ENUMS as Record<string, { values: Record<string, number> }>)[name];
    assert.ok(mine, `enum ${name} is known here`);
    assert.deepEqual(Object.fromEntries(Object.entries(mine.values).map(([k, v]) => [k, String(v)])), values, `enum ${name}`);
  }
  const currencies = Object.fromEntries(Object.entries(CURRENCY_DECIMALS).map(([k, v]) => [k, String(v)]));
  assert.deepEqual(currencies, vectors.currencies, 'ISO 4217 decimals');
});

test('vectors: every message encodes and decodes exactly', () => {
  const counts = { request: 0, reply: 0, error: 0, trailing: 0, roundtrip: 0 };
  const unknown = new Set<string>();
  for (const m of vectors.messages) {
    const op = m.opcode as OpcodeName;
    if (!(op in Opcode)) {
      unknown.add(m.opcode);
      continue;
    }
    const where = `${m.name} (${m.case})`;
    if (m.direction === 'request') {
      const value = requestValue(op, m.value);
      assert.equal(hex(encodeBody(REQUESTS[op] as FieldType, value)), m.body_hex, `${where}: encode`);
      // And back: the bytes decode to the same JSON value.
      const decoded = decodeBody(REQUESTS[op] as FieldType, Buffer.from(m.body_hex, 'hex'));
      assert.deepEqual(requestJson(op, decoded), m.value, `${where}: decode`);
      counts.request++;
    } else if (m.direction === 'reply') {
      for (const h of [m.body_hex, m.canonical_hex].filter((x): x is string => x !== undefined)) {
        const decoded = decodeBody(REPLIES[op] as FieldType, Buffer.from(h, 'hex'));
        assert.deepEqual(replyJson(op, decoded), m.value, `${where}: decode ${h === m.body_hex ? 'body' : 'canonical'}`);
      }
      if (m.canonical_hex !== undefined) counts.trailing++;
      // Encoding the value gives the canonical bytes (what a server without additions sends).
      const encoded = encodeBody(REPLIES[op] as FieldType, replyValue(op, m.value));
      assert.equal(hex(encoded), m.canonical_hex ?? m.body_hex, `${where}: re-encode`);
      counts.reply++;
      counts.roundtrip++;
    } else {
      const body = readErrorBody(Buffer.from(m.body_hex, 'hex'));
      assert.deepEqual(body, m.value, `${where}: ErrorBody`);
      assert.ok(m.status && m.status in ErrorCode, `${where}: status ${m.status} is known`);
      const error = serverError(ErrorCode[m.status as keyof typeof ErrorCode], body.message, body.leader);
      assert.equal(error.codeName, m.status);
      assert.equal(error.leader, body.leader);
      counts.error++;
    }
  }
  assert.deepEqual([...unknown], [], 'opcodes in the vectors that this client does not handle');
  const total = counts.request + counts.reply + counts.error;
  assert.equal(total, vectors.messages.length, 'every message was checked');
  const opsChecked = new Set(vectors.messages.map((m) => m.opcode));
  assert.equal(opsChecked.size, Object.keys(Opcode).length, 'the vectors cover every opcode');
  console.log(`vectors: ${counts.request} requests, ${counts.reply} replies (${counts.trailing} with trailing bytes), ${counts.error} error bodies checked over ${opsChecked.size} opcodes`);
});

test('vectors: every error code maps to its own error class', () => {
  const classes = new Set<string>();
  for (const [name, code] of Object.entries(vectors.error_codes)) {
    if (name === 'OK') continue;
    const e = serverError(Number(code), 'm', '');
    assert.equal(e.codeName, name);
    assert.equal(e.code, Number(code));
    classes.add(e.constructor.name);
  }
  assert.equal(classes.size, Object.keys(vectors.error_codes).length - 1, 'one class per code');
});

test('vectors: money both ways, and every refusal with its reason', () => {
  for (const m of vectors.money) {
    assert.equal(formatMoney(BigInt(m.minor), m.currency), m.decimal, `format ${m.minor} ${m.currency}`);
    assert.equal(parseMoney(m.decimal, m.currency), BigInt(m.minor), `parse ${m.decimal} ${m.currency}`);
  }
  for (const m of vectors.money_errors) {
    assert.throws(() => parseMoney(m.decimal, m.currency), (e) => e instanceof MoneyError && e.reason === m.error, `${m.decimal} ${m.currency}: ${m.error}`);
  }
  console.log(`vectors: ${vectors.money.length} money conversions, ${vectors.money_errors.length} money refusals checked`);
});

test('vectors: whole frames', () => {
  for (const f of vectors.frames) {
    const opcode = Number(vectors.opcodes[f.opcode]);
    const status = f.status === 'OK' ? 0 : Number(vectors.error_codes[f.status]);
    const frame = encodeFrame(Number(f.request_id), opcode, status, Buffer.from(f.body_hex, 'hex'));
    assert.equal(hex(frame), f.frame_hex, `${f.name}: encode`);
    const [parsed] = new FrameDecoder().push(Buffer.from(f.frame_hex, 'hex'));
    assert.equal(parsed!.request_id, Number(f.request_id));
    assert.equal(parsed!.opcode, opcode);
    assert.equal(parsed!.status, status);
    assert.equal(hex(parsed!.body), f.body_hex);
  }
  assert.ok(vectors.frames.length > 0);
  console.log(`vectors: ${vectors.frames.length} frames checked`);
});
