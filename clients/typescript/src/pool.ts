/**
 * A small pool of pipelined connections to one address. A call goes to the
 * least busy open connection; a new one is opened (up to `size`) only when
 * every open one is busy. Closed connections leave the pool.
 *
 * @packageDocumentation
 */
import { Connection, type ConnectionOptions } from './connection.js';
import { BusyError, ConnectionError } from './errors.js';

export class Pool {
  private readonly connections: Connection[] = [];
  private opening: Promise<Connection> | null = null;
  private closed = false;

  constructor(
    readonly addr: string,
    private readonly options: ConnectionOptions,
    /** Most connections this pool opens (at least 1). */
    readonly size: number,
  ) {}

  /** Open connections now. */
  get openCount(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  /** An open connection to send on now, without waiting; null when a new one should be opened. */
  pick(): Connection | null {
    if (this.closed) return null;
    this.prune();
    let best: Connection | undefined;
    for (const c of this.connections) if (!best || c.inFlight < best.inFlight) best = c;
    if (best && (best.inFlight === 0 || this.connections.length >= Math.max(1, this.size))) return best;
    return null;
  }

  /** A connection to send on: opened on first use; ConnectionError (and friends) when none can be made. */
  async acquire(signal?: AbortSignal): Promise<Connection> {
    if (this.closed) throw new ConnectionError('client closed');
    this.prune();
    let best: Connection | undefined;
    for (const c of this.connections) if (!best || c.inFlight < best.inFlight) best = c;
    if (best && (best.inFlight === 0 || this.connections.length >= Math.max(1, this.size))) return best;
    if (this.opening) return best ?? this.opening;
    this.opening = openConnection(this.addr, this.options, signal);
    try {
      const conn = await this.opening;
      if (this.closed) {
        conn.close();
        throw new ConnectionError('client closed');
      }
      this.connections.push(conn);
      return conn;
    } catch (e) {
      if (best && !best.closed) return best;
      throw e;
    } finally {
      this.opening = null;
    }
  }

  /** Opens connections until the pool holds `count` (for warm-up and benchmarks). */
  async fill(count = this.size): Promise<void> {
    while (this.connections.length < Math.min(count, this.size)) {
      this.connections.push(await openConnection(this.addr, this.options));
    }
  }

  /** Closes every connection; later acquires fail. */
  close(): void {
    this.closed = true;
    for (const c of this.connections.splice(0)) c.close();
  }

  private prune(): void {
    for (let i = this.connections.length - 1; i >= 0; i--) if (this.connections[i]!.closed) this.connections.splice(i, 1);
  }
}

/**
 * Connection.open, again after a short random wait while the server answers
 * BUSY (too many connections from this address awaiting HELLO, or too many
 * connections): protocol.md says to retry after a short wait. Gives up with
 * the BUSY error once connectTimeoutMs has passed.
 */
export async function openConnection(addr: string, options: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
  const deadline = Date.now() + options.connectTimeoutMs;
  let pauseMs = 10;
  for (;;) {
    try {
      return await Connection.open(addr, options, signal);
    } catch (e) {
      if (!(e instanceof BusyError) || Date.now() + pauseMs > deadline || signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, pauseMs + Math.random() * pauseMs));
      pauseMs = Math.min(pauseMs * 2, 200);
    }
  }
}
