/**
 * One pipelined connection to one server: HELLO, then many requests in
 * flight at once, replies matched by request id. Bounded: at most
 * min(options, server's max_in_flight) requests in flight; frames no larger
 * than the server's max_frame_length either way.
 *
 * @packageDocumentation
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  AbortedError,
  ConnectionError,
  DisconnectedError,
  ProtocolError,
  RequestTooLargeError,
  serverError,
  TimeoutError,
  TlsError,
  type CouponsdError,
} from './errors.js';
import { encodeFrame, FrameDecoder, FrameError, MAX_FRAME_LENGTH, type Frame } from './wire/frame.js';
import { MAGIC, Opcode, PROTOCOL_VERSION, REPLIES, REQUESTS } from './wire/messages.js';
import { decodeBody, encodeBody } from './wire/schema.js';
import { Reader, Writer } from './wire/primitives.js';
import { appendFrame } from './wire/frame.js';
import type { HelloReply } from './wire/structs.js';

/** TLS settings (node:tls): the CA to trust, an optional client certificate. */
export interface TlsOptions {
  /** PEM of the CA (or self-signed certificate) that signed the server's certificate. Default: the system's. */
  ca?: string | Buffer;
  /** PEM client certificate and key, for a server that maps certificates to roles. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name to verify the server's certificate against. Default: the host of the address. */
  servername?: string;
}

/** What one connection needs. */
export interface ConnectionOptions {
  /** Token sent in HELLO; empty for a server without tokens (or when a client certificate gives the role). */
  token: string;
  /** TLS; absent: plaintext (which a server with a certificate accepts only from loopback). */
  tls?: TlsOptions;
  clientName: string;
  /** TCP connect, TLS handshake and HELLO together. */
  connectTimeoutMs: number;
  /** Most requests this connection has in flight (never above the server's max_in_flight). */
  maxInFlight: number;
}

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  /** Date.now() after which the call fails with TimeoutError. */
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Splits "host:port" (or "[v6]:port"). */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  if (!m) throw new ConnectionError(`not an address host:port: ${JSON.stringify(addr)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** A connection after its HELLO was accepted. */
export class Connection {
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Array<() => void> = [];
  private inFlightCount = 0;
  private sweep: NodeJS.Timeout | null = null;
  private sweepEveryMs = 0;
  private nextId = 2;
  private closedError: CouponsdError | null = null;
  /** Frames written in this tick, sent together at its end (one buffer, one write). */
  private batch: Writer | null = null;
  readonly maxInFlight: number;

  private constructor(
    private readonly socket: net.Socket,
    private readonly decoder: FrameDecoder,
    /** The server's HELLO reply. */
    readonly hello: HelloReply,
    readonly addr: string,
    maxInFlight: number,
  ) {
    this.maxInFlight = Math.max(1, Math.min(maxInFlight, hello.max_in_flight));
    decoder.setMaxLength(Math.min(hello.max_frame_length, MAX_FRAME_LENGTH));
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', (e) => this.fail(new DisconnectedError(`connection failed: ${e.message}`)));
    socket.on('close', () => this.fail(new DisconnectedError()));
  }

  /** Connects, sends HELLO, waits for its reply. Throws ServerError (e.g. UNAUTHENTICATED), ConnectionError, TimeoutError. */
  static open(addr: string, options: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
    const { host, port } = parseAddr(addr);
    return new Promise<Connection>((resolve, reject) => {
      let settled = false;
      const decoder = new FrameDecoder(MAX_FRAME_LENGTH);
      const socket: net.Socket = options.tls
        ? tls.connect({
            host,
            port,
            ca: options.tls.ca,
            cert: options.tls.cert,
            key: options.tls.key,
            servername: options.tls.servername ?? (net.isIP(host) ? undefined : host),
          })
        : net.connect({ host, port });
      socket.setNoDelay(true);
      const finish = (error: Error | null, conn?: Connection) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeListener('data', onData);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve(conn!);
      };
      const timer = setTimeout(() => finish(new TimeoutError(`connecting to ${addr} timed out after ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      const onAbort = () => finish(new AbortedError());
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return finish(new AbortedError());
      const onError = (e: Error & { code?: string }) => {
        const tlsFailure = options.tls && (e.code?.startsWith('ERR_TLS') || e.code?.startsWith('ERR_SSL') || /certificate|SSL|TLS|self.signed/i.test(e.message));
        finish(tlsFailure ? new TlsError(`TLS with ${addr}: ${e.message}`) : new ConnectionError(`connecting to ${addr}: ${e.message}`));
      };
      const onClose = () => finish(new DisconnectedError(`${addr} closed the connection during the handshake`));
      const onData = (data: Buffer) => {
        let frames: Frame[];
        try {
          frames = decoder.push(data);
        } catch (e) {
          return finish(new ProtocolError(`HELLO reply from ${addr}: ${(e as Error).message}`));
        }
        const frame = frames[0];
        if (!frame) return;
        if (frame.status !== 0) {
          const body = readErrorBody(frame.body);
          return finish(serverError(frame.status, body.message, body.leader));
        }
        if (frame.opcode !== Opcode.HELLO) return finish(new ProtocolError(`HELLO answered with opcode ${frame.opcode}`));
        let hello: HelloReply;
        try {
          hello = decodeBody(REPLIES.HELLO, frame.body) as HelloReply;
        } catch (e) {
          return finish(new ProtocolError(`HELLO reply from ${addr}: ${(e as Error).message}`));
        }
        if (frames.length > 1) return finish(new ProtocolError(`${addr} sent frames before answering HELLO`));
        finish(null, new Connection(socket, decoder, hello, addr, options.maxInFlight));
      };
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      const body = encodeBody(REQUESTS.HELLO, { magic: MAGIC, version: PROTOCOL_VERSION, token: options.token, client_name: options.clientName });
      socket.write(encodeFrame(1, Opcode.HELLO, 0, body));
    });
  }

  /** Requests in flight now (sent or about to be, reply not yet in). */
  get inFlight(): number {
    return this.inFlightCount + this.waiting.length;
  }

  /** Whether the connection is gone (a call fails at once). */
  get closed(): boolean {
    return this.closedError !== null;
  }

  /**
   * Sends one request body and waits for its reply frame. Waits first for a
   * free in-flight slot. Rejects with TimeoutError, AbortedError,
   * DisconnectedError, ProtocolError, or the ServerError of a request-less
   * error; a non-OK reply to the request itself is resolved as its frame.
   */
  call(opcode: number, body: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Frame> {
    if (this.closedError) return Promise.reject(this.closedError);
    const max = this.hello.max_frame_length;
    if (12 + body.length > max) return Promise.reject(new RequestTooLargeError(16 + body.length, max));
    if (signal?.aborted) return Promise.reject(new AbortedError());
    // A freed slot is handed to the first waiter, so the count never passes the bound.
    if (this.inFlightCount >= this.maxInFlight || this.waiting.length > 0) {
      return this.slot(signal).then(() => this.start(opcode, body, timeoutMs, signal));
    }
    this.inFlightCount++;
    return this.start(opcode, body, timeoutMs, signal);
  }

  /** Sends on a slot already counted. */
  private start(opcode: number, body: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<Frame> {
    // After a wait for a slot, the connection may have failed or the caller given up.
    const refusal = this.closedError ?? (signal?.aborted ? new AbortedError() : null);
    if (refusal) {
      if (!this.closedError) this.freeSlot();
      return Promise.reject(refusal);
    }
    const id = this.allocateId();
    return new Promise<Frame>((resolve, reject) => {
      const p: Pending = { resolve, reject, deadline: Date.now() + timeoutMs, timeoutMs, signal, onAbort: undefined };
      if (signal) {
        p.onAbort = () => {
          if (this.pending.get(id) !== p) return;
          this.settle(id, p);
          reject(new AbortedError());
        };
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      this.armSweep(timeoutMs);
      this.writeFrame(id, opcode, body);
    });
  }

  /** Forgets a pending request and frees its slot. */
  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort);
    this.freeSlot();
  }

  /** Hands a slot to the first waiter, or frees it. */
  private freeSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlightCount--;
  }

  /**
   * Timeouts by one sweep per connection rather than a timer per request:
   * every quarter of the shortest timeout in use (10 ms to 250 ms).
   */
  private armSweep(timeoutMs: number): void {
    const everyMs = Math.min(250, Math.max(10, Math.floor(timeoutMs / 4)));
    if (this.sweep && this.sweepEveryMs <= everyMs) return;
    if (this.sweep) clearInterval(this.sweep);
    this.sweepEveryMs = everyMs;
    this.sweep = setInterval(() => this.expire(), everyMs);
    this.sweep.unref();
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        this.settle(id, p);
        p.reject(new TimeoutError(`no reply from ${this.addr} within ${p.timeoutMs} ms`));
      }
    }
    if (this.pending.size === 0 && this.sweep) {
      clearInterval(this.sweep);
      this.sweep = null;
    }
  }

  /** Closes the connection; calls in flight fail with DisconnectedError. */
  close(): void {
    this.fail(new DisconnectedError('connection closed by the client'));
    this.socket.destroy();
  }

  private slot(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Called with a slot handed over (already counted).
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        if (this.closedError) reject(this.closedError);
        else resolve();
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }

  /** A wrapping request id, never 0 and never one still in flight. */
  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  /** Appends a frame to this tick's batch; the batch goes out when the tick ends. */
  private writeFrame(id: number, opcode: number, body: Uint8Array): void {
    if (!this.batch) {
      this.batch = new Writer(4096);
      process.nextTick(() => this.flush());
    }
    appendFrame(this.batch, id, opcode, body);
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = null;
    if (batch && !this.closedError) this.socket.write(batch.finish());
  }

  private onData(data: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(data);
    } catch (e) {
      const error = new ProtocolError(`${this.addr}: ${(e as FrameError).message}`);
      this.fail(error);
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.request_id === 0 && frame.opcode === 0) {
        // An error that belongs to no request: the server closes after it.
        const body = readErrorBody(frame.body);
        this.fail(serverError(frame.status, body.message, body.leader));
        this.socket.destroy();
        return;
      }
      const waiter = this.pending.get(frame.request_id);
      // Unknown ids are replies to calls that timed out or were aborted.
      if (!waiter) continue;
      this.settle(frame.request_id, waiter);
      waiter.resolve(frame);
    }
  }

  private fail(error: CouponsdError): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const p of this.pending.values()) {
      if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort);
      p.reject(error);
    }
    this.pending.clear();
    this.inFlightCount = 0;
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    // Each waiter sees the error and gives up.
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** ErrorBody, decoded leniently: a missing or truncated field reads as empty. */
export function readErrorBody(body: Uint8Array): { message: string; leader: string } {
  const r = new Reader(body);
  let message = '';
  let leader = '';
  try {
    message = r.str('message');
    leader = r.str('leader');
  } catch {
    // Lenient by the spec.
  }
  return { message, leader };
}
