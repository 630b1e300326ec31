/**
 * CRC-32 (IEEE 802.3, zlib): reflected polynomial 0xEDB88320, initial value
 * and final XOR 0xFFFFFFFF. Check value: crc32("123456789") = 0xCBF43926.
 * Node's native zlib.crc32 (Node 20.15 and later) when present, else a table.
 *
 * @packageDocumentation
 */
import * as zlib from 'node:zlib';

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 of `bytes`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  return native ? native(bytes) : crc32Table(bytes);
}

/** The table-driven CRC-32, for Node versions without zlib.crc32 (and to test against it). */
export function crc32Table(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
