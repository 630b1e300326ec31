/**
 * One frame (protocol.md section 2): a 16-byte header, CRC-32 over bytes 8..,
 * then the body. Knows nothing of what the body means.
 *
 * ```text
 * offset size field
 * 0      4    length      bytes after this field: 12 + body length
 * 4      4    checksum    CRC-32 (IEEE) of bytes 8 .. 4+length
 * 8      4    request_id
 * 12     2    opcode
 * 14     2    status      0 in requests; in replies 0 = OK, else an error code
 * ```
 *
 * @packageDocumentation
 */
import { crc32 } from './crc32.js';
import type { Writer } from './primitives.js';

/** Header bytes counted by `length` (everything after the length field). */
export const HEADER_AFTER_LENGTH = 12;
/** The whole header, length field included. */
export const HEADER_BYTES = 16;
/** The default and largest accepted `length`: 1 MiB. */
export const MAX_FRAME_LENGTH = 1 << 20;

export interface Frame {
  request_id: number;
  opcode: number;
  status: number;
  body: Uint8Array;
}

/** The byte stream broke the framing rules; the connection cannot continue. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/** Encodes one whole frame around `body`. */
export function encodeFrame(requestId: number, opcode: number, status: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.writeUInt32BE(HEADER_AFTER_LENGTH + body.length, 0);
  out.writeUInt32BE(requestId >>> 0, 8);
  out.writeUInt16BE(opcode, 12);
  out.writeUInt16BE(status, 14);
  out.set(body, HEADER_BYTES);
  out.writeUInt32BE(crc32(out.subarray(8)), 4);
  return out;
}

/** Appends one whole request frame (status 0) to `w`: header, body, then its length and CRC filled in. */
export function appendFrame(w: Writer, requestId: number, opcode: number, body: Uint8Array): void {
  const start = w.length;
  w.u32(HEADER_AFTER_LENGTH + body.length);
  w.u32(0); // the checksum, filled in below
  w.u32(requestId >>> 0);
  w.u16(opcode);
  w.u16(0);
  w.bytes(body);
  const frame = w.finish().subarray(start);
  frame.writeUInt32BE(crc32(frame.subarray(8)), 4);
}

/**
 * Splits whole frames off a growing byte stream. Checks each length before
 * waiting for (or allocating) its bytes, and each checksum.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private maxLength: number = MAX_FRAME_LENGTH) {}

  /** Lowers or raises the largest accepted `length` (HELLO's max_frame_length). */
  setMaxLength(maxLength: number): void {
    this.maxLength = maxLength;
  }

  /** Adds bytes read from the stream; returns every frame now complete. Throws FrameError. */
  push(data: Buffer): Frame[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > this.maxLength) throw new FrameError(`frame length ${length} is over the maximum ${this.maxLength}`);
      if (length < HEADER_AFTER_LENGTH) throw new FrameError(`frame length ${length} is shorter than the 12-byte header`);
      if (this.buffered < 4 + length) break;
      const raw = this.take(4 + length);
      frames.push(parseFrame(raw));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

/** Parses one whole frame (length already checked) and verifies its checksum. */
export function parseFrame(raw: Buffer): Frame {
  const expected = raw.readUInt32BE(4);
  const actual = crc32(raw.subarray(8));
  if (expected !== actual) {
    throw new FrameError(`frame checksum mismatch: header says ${hex8(expected)}, bytes give ${hex8(actual)}`);
  }
  return {
    request_id: raw.readUInt32BE(8),
    opcode: raw.readUInt16BE(12),
    status: raw.readUInt16BE(14),
    body: raw.subarray(HEADER_BYTES),
  };
}

function hex8(v: number): string {
  return v.toString(16).padStart(8, '0');
}
