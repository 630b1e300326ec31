/**
 * couponsd client for Node: the binary protocol of protocol.md, pipelined
 * over a small pool of connections, with typed errors, leader following,
 * timeouts and AbortSignal cancellation, token auth and TLS, and exact money.
 *
 * Values use the protocol's own field names (snake_case); 64-bit integers
 * and money are bigint (minor units); enums are their protocol names.
 *
 * @packageDocumentation
 */
export { Client, type ClientOptions, type CallOptions, type CouponLike, type RedemptionLike } from './client.js';
export { Connection, type ConnectionOptions, type TlsOptions } from './connection.js';
export { Pool } from './pool.js';
export * from './errors.js';
export { decimals, formatMoney, isCurrency, MoneyError, parseDecimal, parseMoney } from './money.js';
export { CURRENCY_DECIMALS } from './currencies.js';
export * from './wire/enums.js';
export * from './wire/structs.js';
export { Opcode, OPCODE_NAMES, REQUESTS, REPLIES, MAGIC, PROTOCOL_VERSION, isIdempotent, type OpcodeName, type CouponPage, type RedemptionPage, type CampaignPage, type CodePage, type DigestReply, type Requests, type Replies, type RequestInputs, type RequestOf, type ReplyOf } from './wire/messages.js';
export { encodeFrame, FrameDecoder, FrameError, MAX_FRAME_LENGTH, parseFrame, type Frame } from './wire/frame.js';
export { crc32 } from './wire/crc32.js';
export { DecodeError, Reader, Writer } from './wire/primitives.js';
export { decodeBody, encodeBody, type Infer, type Input, type FieldType } from './wire/schema.js';
export { fromJson, toJson, type Json } from './wire/json.js';
