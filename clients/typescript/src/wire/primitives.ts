/**
 * Field encoding shared by every message (protocol.md section 4): big-endian
 * integers, u16-length-prefixed UTF-8 strings, u16-counted lists and
 * presence-tagged optionals.
 *
 * @packageDocumentation
 */
import { isUtf8 } from 'node:buffer';

/** A body could not be decoded: the peer broke the protocol. Names the field. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    message: string,
    /** The field being read when decoding failed. */
    readonly field: string,
  ) {
    super(message);
  }
}

const utf8Encoder = new TextEncoder();

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Appends fields to a growing buffer. */
export class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  u8(v: number): void {
    checkInt(v, 0, 0xff, 'u8');
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    checkInt(v, 0, 0xffff, 'u16');
    this.room(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    checkInt(v, 0, 0xffffffff, 'u32');
    this.room(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }
  i32(v: number): void {
    checkInt(v, -0x80000000, 0x7fffffff, 'i32');
    this.room(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  u64(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new RangeError(`u64 out of range: ${String(v)}`);
    this.room(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }
  i64(v: bigint): void {
    if (typeof v !== 'bigint' || v < I64_MIN || v > I64_MAX) throw new RangeError(`i64 out of range: ${String(v)}`);
    this.room(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }
  /** A 128-bit unsigned integer, big-endian (DIGEST's digest). */
  u128(v: bigint): void {
    this.u64(v >> 64n);
    this.u64(v & U64_MAX);
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  bytes(v: Uint8Array): void {
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }
  /**
   * A string: u16 byte length then UTF-8. A longer string is cut at the last
   * character boundary that fits, as the Rust codec does (the server rejects
   * far shorter ones with INVALID_ARGUMENT).
   */
  str(v: string): void {
    if (typeof v !== 'string') throw new TypeError(`expected a string, got ${typeof v}`);
    const length = Buffer.byteLength(v, 'utf8');
    if (length <= 0xffff) {
      // The common case: straight into the buffer, no intermediate copy.
      this.room(2 + length);
      this.buf.writeUInt16BE(length, this.pos);
      this.buf.write(v, this.pos + 2, length, 'utf8');
      this.pos += 2 + length;
      return;
    }
    let bytes = utf8Encoder.encode(v);
    if (bytes.length > 0xffff) {
      let end = 0xffff;
      // Back up over UTF-8 continuation bytes (10xxxxxx) to a boundary.
      while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
      bytes = bytes.subarray(0, end);
    }
    this.u16(bytes.length);
    this.bytes(bytes);
  }

  /** The bytes written, as a view of the internal buffer. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function checkInt(v: number, min: number, max: number, type: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${type} out of range: ${String(v)}`);
}

/** Reads fields from a body; every read names its field for the error. */
export class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  constructor(bytes: Uint8Array) {
    // A Buffer view of the same memory (no copy), for its fast integer reads.
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Advances over n bytes; returns where they start. */
  private take(n: number, field: string): number {
    const at = this.pos;
    if (at + n > this.buf.length) throw new DecodeError(`body ends inside field \`${field}\``, field);
    this.pos = at + n;
    return at;
  }

  /** Bytes not read yet. */
  remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(field: string): number {
    return this.buf[this.take(1, field)]!;
  }
  u16(field: string): number {
    return this.buf.readUInt16BE(this.take(2, field));
  }
  u32(field: string): number {
    return this.buf.readUInt32BE(this.take(4, field));
  }
  i32(field: string): number {
    return this.buf.readInt32BE(this.take(4, field));
  }
  u64(field: string): bigint {
    return this.buf.readBigUInt64BE(this.take(8, field));
  }
  i64(field: string): bigint {
    return this.buf.readBigInt64BE(this.take(8, field));
  }
  u128(field: string): bigint {
    const at = this.take(16, field);
    return (this.buf.readBigUInt64BE(at) << 64n) | this.buf.readBigUInt64BE(at + 8);
  }
  bool(field: string): boolean {
    const b = this.u8(field);
    if (b > 1) throw new DecodeError(`field \`${field}\` has unknown value ${b}`, field);
    return b === 1;
  }
  bytes(n: number, field: string): Uint8Array {
    const at = this.take(n, field);
    return Uint8Array.prototype.slice.call(this.buf, at, at + n);
  }
  str(field: string): string {
    const n = this.u16(field);
    const at = this.take(n, field);
    const bytes = this.buf.subarray(at, at + n);
    // Invalid UTF-8 is a decode error (Buffer.toString would replace it).
    if (!isUtf8(bytes)) throw new DecodeError(`field \`${field}\` is not valid UTF-8`, field);
    return bytes.toString('utf8');
  }
  /** A presence byte: 0 absent, 1 present, anything else a decode error. */
  present(field: string): boolean {
    const b = this.u8(field);
    if (b > 1) throw new DecodeError(`field \`${field}\` has presence byte ${b}`, field);
    return b === 1;
  }
  /** Everything left. */
  rest(): Uint8Array {
    return this.bytes(this.remaining(), 'rest');
  }
}
