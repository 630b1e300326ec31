/**
 * The client: one method per opcode, over a pool of pipelined connections
 * per node, following NOT_LEADER to the leader and failing over between the
 * nodes it was given, retrying only what is safe to repeat.
 *
 * @packageDocumentation
 */
import { Connection, type TlsOptions } from './connection.js';
import {
  AbortedError,
  ConnectionError,
  CouponsdError,
  DisconnectedError,
  ErrorCode,
  ProtocolError,
  ServerError,
  serverError,
  TimeoutError,
} from './errors.js';
import { readErrorBody } from './connection.js';
import { openConnection, Pool } from './pool.js';
import type { CampaignStatus, DeliveryStatus, FraudLabel, OrderMode } from './wire/enums.js';
import { isIdempotent, Opcode, REPLIES, REQUESTS, type CampaignPage, type CodePage, type CouponPage, type DigestReply, type OpcodeName, type RedemptionPage, type Replies } from './wire/messages.js';
import { DecodeError } from './wire/primitives.js';
import { decodeBody, encodeBody, type FieldType, type Input } from './wire/schema.js';
import type * as S from './wire/structs.js';

/** How a client connects and behaves. Every field has a default. */
export interface ClientOptions {
  /** Token sent in HELLO (protocol.md "Tokens, roles and protected mode"). Default empty. */
  token?: string;
  /** TLS settings; absent: plaintext. */
  tls?: TlsOptions;
  /** Free-form name sent in HELLO. */
  clientName?: string;
  /** TCP connect + TLS + HELLO, per connection. Default 5000. */
  connectTimeoutMs?: number;
  /** How long one attempt of a call waits for its reply. Default 30000. */
  requestTimeoutMs?: number;
  /** Most requests in flight per connection (never above the server's). Default 256. */
  maxInFlight?: number;
  /** Connections per node. Default 4. */
  poolSize?: number;
  /** Send a request on to the leader a NOT_LEADER names. Default true. */
  followLeader?: boolean;
  /**
   * How long a call keeps looking for a leader (none known, or its node went
   * away) before it gives up. Default 0 for one address (fail at once),
   * 10000 for several.
   */
  failoverTimeoutMs?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call (AbortedError). A request already sent may still be applied. */
  signal?: AbortSignal;
  /** Overrides the client's requestTimeoutMs for this call. */
  timeoutMs?: number;
}

// Loosely typed views of the schema tables: the precise types are in
// Requests/Replies, and checking the tables against them per generic call
// would be too deep for the compiler.
const REQUEST_SCHEMAS = REQUESTS as Record<OpcodeName, FieldType>;
const REPLY_SCHEMAS = REPLIES as Record<OpcodeName, FieldType>;

/**
 * A request body for `call`: the precise shape is in RequestInputs; the
 * parameter is checked loosely because a generic lookup of it is too deep for
 * the compiler. The typed methods below check their arguments precisely.
 */
export type RequestBody<N extends OpcodeName> = N extends OpcodeName ? object : never;

/** Refusals after which nothing of the request was applied: any node may be tried. */
const NOTHING_APPLIED: ReadonlySet<number> = new Set([ErrorCode.NOT_LEADER, ErrorCode.NO_QUORUM, ErrorCode.STORAGE_UNAVAILABLE, ErrorCode.BUSY]);
/** Failures whose outcome is unknown (the change may still be committed). */
const OUTCOME_UNKNOWN: ReadonlySet<number> = new Set([ErrorCode.NOT_COMMITTED, ErrorCode.SHUTTING_DOWN]);

type Resolved = Required<Omit<ClientOptions, 'tls'>> & { tls?: TlsOptions };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A coupon by id (bigint) or code (string), or a CouponRef as it is. */
export type CouponLike = bigint | string | S.CouponRef;
const couponRef = (c: CouponLike): S.CouponRef =>
  typeof c === 'bigint' ? { Id: c } : typeof c === 'string' ? { Code: c } : c;
/** A redemption by id (bigint), by {code, order_id}, or a RedemptionRef as it is. */
export type RedemptionLike = bigint | { code: string; order_id: string } | S.RedemptionRef;
const redemptionRef = (r: RedemptionLike): S.RedemptionRef =>
  typeof r === 'bigint' ? { Id: r } : 'code' in r ? { Order: { code: r.code, order_id: r.order_id } } : r;

/**
 * A couponsd client. Create it with {@link Client.connect}; close it with
 * {@link Client.close}. Safe to share: calls are pipelined over a pool.
 *
 * @example
 * ```ts
 * const client = await Client.connect('127.0.0.1:7878');
 * const reply = await client.redeem({ code: 'SUMMER20', order_id: 'order-456',
 *   order: { customer_id: 'c-1', amount: 15000n, currency: 'USD' } });
 * console.log(formatMoney(reply.redemption.discount_amount, 'USD'));
 * client.close();
 * ```
 */
export class Client {
  private readonly pools = new Map<string, Pool>();
  /** Where calls go now: the node a NOT_LEADER named, or the next node after a failure. */
  private target: string;
  private backupConnection: Connection | null = null;
  private closed = false;

  private constructor(
    private readonly nodes: string[],
    private readonly options: Resolved,
  ) {
    this.target = nodes[0]!;
  }

  /**
   * Connects to the first of `addrs` ("host:port") that answers its HELLO.
   * With several addresses the others are used to find the leader and to
   * fail over. Throws ServerError (UNAUTHENTICATED for a wrong token),
   * ConnectionError, TlsError or TimeoutError.
   */
  static async connect(addrs: string | string[], options: ClientOptions = {}): Promise<Client> {
    const nodes = typeof addrs === 'string' ? [addrs] : [...addrs];
    if (nodes.length === 0) throw new ConnectionError('no node addresses given');
    const resolved: Resolved = {
      token: options.token ?? '',
      tls: options.tls,
      clientName: options.clientName ?? 'couponsd-client-typescript/0.1.0',
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30000,
      maxInFlight: Math.max(1, options.maxInFlight ?? 256),
      poolSize: Math.max(1, options.poolSize ?? 4),
      followLeader: options.followLeader ?? true,
      failoverTimeoutMs: options.failoverTimeoutMs ?? (nodes.length > 1 ? 10000 : 0),
    };
    const client = new Client(nodes, resolved);
    let last: unknown = null;
    for (const addr of nodes) {
      try {
        await client.pool(addr).acquire();
        client.target = addr;
        return client;
      } catch (e) {
        // A refused token is refused by every node alike: say so at once.
        if (e instanceof ServerError) {
          client.close();
          throw e;
        }
        last = e;
      }
    }
    client.close();
    throw last;
  }

  /** The server's HELLO reply on the current node (opens a connection if needed). */
  async hello(): Promise<S.HelloReply> {
    return (await this.pool(this.target).acquire()).hello;
  }

  /** The node calls go to now. */
  get currentNode(): string {
    return this.target;
  }

  /** Opens connections to the current node until its pool is full (warm-up). */
  async fillPool(count?: number): Promise<void> {
    await this.pool(this.target).fill(count);
  }

  /** Closes every connection. Calls in flight fail with DisconnectedError. */
  close(): void {
    this.closed = true;
    for (const p of this.pools.values()) p.close();
    this.pools.clear();
    this.backupConnection?.close();
  }

  /**
   * Sends one request by opcode name and returns its decoded OK reply. A
   * NOT_LEADER naming the leader is followed (nothing was applied); with a
   * failover timeout the other nodes are tried; a lost reply (disconnect,
   * timeout) is retried only for idempotent requests.
   */
  call<N extends OpcodeName>(op: N, body: RequestBody<N>, opts: CallOptions = {}): Promise<Replies[N]> {
    // Not async itself: Awaited<> of the generic reply type is too deep for the compiler.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
    return this.callLoop(op, body, opts) as any;
  }

  /** `call` without the generic types: each typed method below declares its own reply type. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private request(op: OpcodeName, body: object, opts: CallOptions = {}): Promise<any> {
    return this.callLoop(op, body, opts);
  }

  private async callLoop(op: OpcodeName, body: unknown, opts: CallOptions): Promise<unknown> {
    const encoded = encodeBody(REQUEST_SCHEMAS[op], body);
    const idempotent = isIdempotent(op, body);
    const deadline = Date.now() + this.options.failoverTimeoutMs;
    let pauseMs = 20;
    let hops = 0;
    // The node whose NOT_LEADER sent us to the node tried now, for messages.
    let namedBy: string | null = null;
    for (;;) {
      if (this.closed) throw new ConnectionError('client closed');
      const addr = this.target;
      let error: unknown;
      let sent = false;
      try {
        const pool = this.pool(addr);
        const conn = pool.pick() ?? (await pool.acquire(opts.signal));
        sent = true;
        return await this.send(conn, op, encoded, opts);
      } catch (e) {
        error = e;
      }
      let next: string | null | undefined; // string: go there; null: any other node; undefined: give up
      if (error instanceof ServerError && error.code === ErrorCode.NOT_LEADER && this.options.followLeader && error.leader !== '' && error.leader !== addr) {
        next = error.leader;
      } else if (error instanceof ServerError && NOTHING_APPLIED.has(error.code)) {
        next = null; // Nothing was applied: any node may be tried.
      } else if (error instanceof ServerError && OUTCOME_UNKNOWN.has(error.code)) {
        // Maybe applied (protocol.md section 9, Durability): only what is safe to repeat.
        next = idempotent ? null : undefined;
      } else if ((error instanceof ConnectionError && !sent) || error instanceof DisconnectedError || error instanceof TimeoutError) {
        // Not sent: safe for all. Sent but no reply: only what is safe to repeat.
        next = !sent || idempotent ? null : undefined;
      }
      hops++;
      const failover = Date.now() < deadline;
      if (typeof next === 'string' && (hops <= 3 || failover)) {
        this.target = next;
        namedBy = addr;
        continue;
      }
      if (next === null && failover && this.options.followLeader) {
        await sleep(pauseMs, opts.signal);
        pauseMs = Math.min(pauseMs * 2, 500);
        if (!(error instanceof ServerError && error.code === ErrorCode.BUSY)) this.target = this.nextNode(addr);
        namedBy = null;
        continue;
      }
      // "The leader is down" reads differently from "the address you gave is wrong".
      if (error instanceof ConnectionError && !sent && namedBy !== null) {
        error.message = `the leader ${addr} (as ${namedBy} names it; an election may be under way): ${error.message}`;
      }
      throw error;
    }
  }

  private async send(conn: Connection, op: OpcodeName, encoded: Uint8Array, opts: CallOptions): Promise<unknown> {
    const frame = await conn.call(Opcode[op], encoded, opts.timeoutMs ?? this.options.requestTimeoutMs, opts.signal);
    if (frame.status !== 0) {
      const body = readErrorBody(frame.body);
      throw serverError(frame.status, body.message, body.leader);
    }
    if (frame.opcode !== Opcode[op]) throw new ProtocolError(`reply to ${op} carries opcode ${frame.opcode}`);
    try {
      return decodeBody(REPLY_SCHEMAS[op], frame.body);
    } catch (e) {
      if (e instanceof DecodeError) throw new ProtocolError(`reply to ${op}: ${e.message}`);
      throw e;
    }
  }

  private pool(addr: string): Pool {
    let p = this.pools.get(addr);
    if (!p) {
      p = new Pool(addr, this.options, this.options.poolSize);
      this.pools.set(addr, p);
    }
    return p;
  }

  private nextNode(failed: string): string {
    const at = this.nodes.indexOf(failed);
    return this.nodes[(at + 1) % this.nodes.length]!;
  }

  // ---- Connection and server ----

  /** PING: the server's clock (unix ms). */
  async ping(opts?: CallOptions): Promise<bigint> {
    return (await this.request('PING', {}, opts)).server_time_ms;
  }
  /** SERVER_INFO. */
  serverInfo(opts?: CallOptions): Promise<S.ServerInfo> {
    return this.request('SERVER_INFO', {}, opts);
  }
  /** DIGEST: a digest of everything the node stores (admin). */
  digest(opts?: CallOptions): Promise<DigestReply> {
    return this.request('DIGEST', {}, opts);
  }

  // ---- Coupons ----

  /** COUPON_CREATE. Fields left out take protocol.md's "fields a coupon does not use". Never retried after a lost reply. */
  createCoupon(spec: S.CouponSpecInput, opts?: CallOptions): Promise<S.Coupon> {
    return this.request('COUPON_CREATE', spec, opts);
  }
  /** COUPON_GET by id or code. */
  getCoupon(coupon: CouponLike, opts?: CallOptions): Promise<S.Coupon> {
    return this.request('COUPON_GET', couponRef(coupon), opts);
  }
  /** COUPON_UPDATE; `expectedRevision` 0 updates whatever the revision is. */
  updateCoupon(id: bigint, spec: S.CouponSpecInput, expectedRevision = 0n, opts?: CallOptions): Promise<S.Coupon> {
    return this.request('COUPON_UPDATE', { id, expected_revision: expectedRevision, spec }, opts);
  }
  /** COUPON_DELETE. */
  async deleteCoupon(id: bigint, opts?: CallOptions): Promise<void> {
    await this.request('COUPON_DELETE', { id }, opts);
  }
  /** COUPON_LIST: a page after `afterId` (0 for the first). */
  listCoupons(afterId = 0n, limit = 100, opts?: CallOptions): Promise<CouponPage> {
    return this.request('COUPON_LIST', { after_id: afterId, limit }, opts);
  }

  // ---- One code on one order ----

  /** VALIDATE: would this code apply to this order now (a read). */
  validate(code: string, order: S.OrderInput, opts?: CallOptions): Promise<S.Validation> {
    return this.request('VALIDATE', { code, order }, opts);
  }
  /** REDEEM: idempotent per (code, order_id), so retried after a lost reply. */
  redeem(request: { code: string; order_id: string; transaction_id?: string; order: S.OrderInput }, opts?: CallOptions): Promise<S.RedemptionReply> {
    return this.request('REDEEM', request, opts);
  }
  /** RESERVE: a hold of `ttl_ms` (0: the server's default). */
  reserve(request: { code: string; order_id: string; ttl_ms?: number; order: S.OrderInput }, opts?: CallOptions): Promise<S.RedemptionReply> {
    return this.request('RESERVE', request, opts);
  }
  /** CONFIRM a hold. */
  confirm(redemption: RedemptionLike, opts?: CallOptions): Promise<S.RedemptionReply> {
    return this.request('CONFIRM', redemptionRef(redemption), opts);
  }
  /** RELEASE a hold. */
  release(redemption: RedemptionLike, opts?: CallOptions): Promise<S.RedemptionReply> {
    return this.request('RELEASE', redemptionRef(redemption), opts);
  }
  /**
   * REVERSE: in full (no refundAmount) or a partial refund. With a
   * `refundId` a repeat answers the first reversal, so it is retried.
   */
  reverse(
    redemption: RedemptionLike,
    reason: string,
    refund: { refundAmount?: bigint; refundId?: string } = {},
    opts?: CallOptions,
  ): Promise<S.RedemptionReply> {
    return this.request(
      'REVERSE',
      { redemption: redemptionRef(redemption), reason, refund_amount: refund.refundAmount ?? null, refund_id: refund.refundId ?? '' },
      opts,
    );
  }
  /** REVERSAL_LIST: every reversal of one redemption. */
  listReversals(redemption: RedemptionLike, opts?: CallOptions): Promise<S.Reversal[]> {
    return this.request('REVERSAL_LIST', redemptionRef(redemption), opts);
  }
  /** REDEMPTION_GET. */
  getRedemption(redemption: RedemptionLike, opts?: CallOptions): Promise<S.RedemptionReply> {
    return this.request('REDEMPTION_GET', redemptionRef(redemption), opts);
  }
  /** REDEMPTION_LIST: a coupon's redemptions, a page after `afterId`. */
  listRedemptions(couponId: bigint, afterId = 0n, limit = 100, opts?: CallOptions): Promise<RedemptionPage> {
    return this.request('REDEMPTION_LIST', { coupon_id: couponId, after_id: afterId, limit }, opts);
  }

  // ---- Several codes on one order ----

  /** ORDER_VALIDATE (a read). */
  orderValidate(request: { codes: string[]; mode: OrderMode; order: S.OrderInput }, opts?: CallOptions): Promise<S.OrderValidation> {
    return this.request('ORDER_VALIDATE', request, opts);
  }
  /** ORDER_REDEEM: idempotent per order_id. */
  orderRedeem(
    request: { codes: string[]; mode: OrderMode; order_id: string; transaction_id?: string; order: S.OrderInput },
    opts?: CallOptions,
  ): Promise<S.OrderRedemption> {
    return this.request('ORDER_REDEEM', request, opts);
  }
  /** ORDER_RESERVE. */
  orderReserve(
    request: { codes: string[]; mode: OrderMode; order_id: string; ttl_ms?: number; order: S.OrderInput },
    opts?: CallOptions,
  ): Promise<S.OrderRedemption> {
    return this.request('ORDER_RESERVE', request, opts);
  }
  /** ORDER_CONFIRM every hold of an order's set. */
  orderConfirm(orderId: string, transactionId = '', opts?: CallOptions): Promise<S.OrderRedemption> {
    return this.request('ORDER_CONFIRM', { order_id: orderId, transaction_id: transactionId }, opts);
  }
  /** ORDER_RELEASE every hold of an order's set. */
  orderRelease(orderId: string, opts?: CallOptions): Promise<S.OrderRedemption> {
    return this.request('ORDER_RELEASE', { order_id: orderId }, opts);
  }
  /** ORDER_REVERSE every captured use of an order's set (not retried: a repeat is ALREADY_REVERSED). */
  orderReverse(orderId: string, reason: string, opts?: CallOptions): Promise<S.OrderRedemption> {
    return this.request('ORDER_REVERSE', { order_id: orderId, reason }, opts);
  }
  /** QUALIFY: the coupons a cart qualifies for, and the best combination. */
  qualify(request: { limit: number; order: S.OrderInput }, opts?: CallOptions): Promise<S.Qualification> {
    return this.request('QUALIFY', request, opts);
  }

  // ---- Events and webhooks ----

  /** EVENTS_SUBSCRIBE: the events after a cursor. */
  events(request: { from?: bigint; types?: bigint; coupon_id?: bigint; campaign_id?: bigint; max_batch?: number }, opts?: CallOptions): Promise<S.EventBatch> {
    return this.request('EVENTS_SUBSCRIBE', request, opts);
  }
  /** WEBHOOK_ADD: the reply carries the endpoint's secret, once. */
  webhookAdd(add: { url: string; types?: bigint; description?: string }, opts?: CallOptions): Promise<S.WebhookAdded> {
    return this.request('WEBHOOK_ADD', add, opts);
  }
  /** WEBHOOK_LIST. */
  webhookList(opts?: CallOptions): Promise<S.Webhook[]> {
    return this.request('WEBHOOK_LIST', {}, opts);
  }
  /** WEBHOOK_REMOVE. */
  async webhookRemove(id: bigint, opts?: CallOptions): Promise<void> {
    await this.request('WEBHOOK_REMOVE', { id }, opts);
  }
  /** WEBHOOK_ENABLE a disabled endpoint. */
  webhookEnable(id: bigint, opts?: CallOptions): Promise<S.Webhook> {
    return this.request('WEBHOOK_ENABLE', { id }, opts);
  }
  /** WEBHOOK_DELIVERIES: the leader's last attempts to an endpoint. */
  webhookDeliveries(id: bigint, opts?: CallOptions): Promise<S.DeliveryAttempt[]> {
    return this.request('WEBHOOK_DELIVERIES', { id }, opts);
  }

  // ---- Fraud and analytics ----

  /** FRAUD_OUTCOME: label a redemption; returns the model after it. */
  fraudOutcome(redemptionId: bigint, label: FraudLabel, opts?: CallOptions): Promise<S.FraudModel> {
    return this.request('FRAUD_OUTCOME', { redemption_id: redemptionId, label }, opts);
  }
  /** FRAUD_MODEL. */
  fraudModel(opts?: CallOptions): Promise<S.FraudModel> {
    return this.request('FRAUD_MODEL', {}, opts);
  }
  /** FRAUD_REPORT over [from, to) (unix ms). */
  fraudReport(from: bigint, to: bigint, opts?: CallOptions): Promise<S.FraudReport> {
    return this.request('FRAUD_REPORT', { from, to }, opts);
  }
  /** ANALYTICS_COUPON. */
  analyticsCoupon(coupon: CouponLike, opts?: CallOptions): Promise<S.CouponAnalytics> {
    return this.request('ANALYTICS_COUPON', couponRef(coupon), opts);
  }
  /** ANALYTICS_CAMPAIGN. */
  analyticsCampaign(id: bigint, opts?: CallOptions): Promise<S.CampaignAnalytics> {
    return this.request('ANALYTICS_CAMPAIGN', { id }, opts);
  }
  /** ANALYTICS_OVERVIEW. */
  analyticsOverview(opts?: CallOptions): Promise<S.AnalyticsOverview> {
    return this.request('ANALYTICS_OVERVIEW', {}, opts);
  }

  // ---- Cluster ----

  /** CLUSTER_STATUS: this node's view of its cluster. */
  clusterStatus(opts?: CallOptions): Promise<S.ClusterStatus> {
    return this.request('CLUSTER_STATUS', {}, opts);
  }
  /** CLUSTER_ADD a node (a learner, then a voter if `voter`). */
  clusterAdd(nodeId: bigint, addr: string, voter: boolean, opts?: CallOptions): Promise<S.ClusterStatus> {
    return this.request('CLUSTER_ADD', { node_id: nodeId, addr, voter }, opts);
  }
  /** CLUSTER_REMOVE a node. */
  clusterRemove(nodeId: bigint, opts?: CallOptions): Promise<S.ClusterStatus> {
    return this.request('CLUSTER_REMOVE', { node_id: nodeId }, opts);
  }
  /** A node-to-node message (RAFT_*, VIEWS_FORWARD), its body passed through as it is. Clients have no use for it. */
  raft(op: 'RAFT_APPEND' | 'RAFT_VOTE' | 'RAFT_SNAPSHOT_BEGIN' | 'RAFT_SNAPSHOT_PART' | 'RAFT_SNAPSHOT_END' | 'VIEWS_FORWARD', body: Uint8Array, opts?: CallOptions): Promise<Uint8Array> {
    return this.request(op, body, opts);
  }

  // ---- Campaigns ----

  /** CAMPAIGN_CREATE. */
  createCampaign(spec: S.CampaignSpecInput, opts?: CallOptions): Promise<S.Campaign> {
    return this.request('CAMPAIGN_CREATE', spec, opts);
  }
  /** CAMPAIGN_GET. */
  getCampaign(id: bigint, opts?: CallOptions): Promise<S.Campaign> {
    return this.request('CAMPAIGN_GET', { id }, opts);
  }
  /** CAMPAIGN_UPDATE; `expectedRevision` 0 updates whatever the revision is. */
  updateCampaign(id: bigint, spec: S.CampaignSpecInput, expectedRevision = 0n, opts?: CallOptions): Promise<S.Campaign> {
    return this.request('CAMPAIGN_UPDATE', { id, expected_revision: expectedRevision, spec }, opts);
  }
  /** CAMPAIGN_SET_STATUS: move it through its lifecycle (pause, resume, cancel...). */
  setCampaignStatus(id: bigint, status: CampaignStatus, opts?: CallOptions): Promise<S.Campaign> {
    return this.request('CAMPAIGN_SET_STATUS', { id, status }, opts);
  }
  /** CAMPAIGN_DELETE a DRAFT campaign without codes. */
  async deleteCampaign(id: bigint, opts?: CallOptions): Promise<void> {
    await this.request('CAMPAIGN_DELETE', { id }, opts);
  }
  /**
   * CAMPAIGN_GENERATE `count` more codes (in the background). Retried after a
   * lost reply only with an `expectedRevision` guard (not 0).
   */
  generateCodes(id: bigint, count: bigint, expectedRevision = 0n, opts?: CallOptions): Promise<S.Campaign> {
    return this.request('CAMPAIGN_GENERATE', { id, count, expected_revision: expectedRevision }, opts);
  }
  /** CAMPAIGN_ASSIGN: a code per customer (made once, given again after). */
  assignCodes(id: bigint, customerIds: string[], opts?: CallOptions): Promise<S.AssignedCode[]> {
    return this.request('CAMPAIGN_ASSIGN', { id, customer_ids: customerIds }, opts);
  }
  /** CAMPAIGN_LIST: a page after `afterId`. */
  listCampaigns(afterId = 0n, limit = 100, opts?: CallOptions): Promise<CampaignPage> {
    return this.request('CAMPAIGN_LIST', { after_id: afterId, limit }, opts);
  }
  /** CAMPAIGN_CODES: a page of generated codes (admin: codes are bearer secrets). */
  listCampaignCodes(id: bigint, afterCouponId = 0n, limit = 100, opts?: CallOptions): Promise<CodePage> {
    return this.request('CAMPAIGN_CODES', { id, after_coupon_id: afterCouponId, limit }, opts);
  }
  /** CAMPAIGN_DISTRIBUTE: queue a code per recipient in the campaign's outbox. */
  distribute(campaignId: bigint, recipients: Input<typeof S.Recipient>[], opts?: CallOptions): Promise<S.DistributionEntry[]> {
    return this.request('CAMPAIGN_DISTRIBUTE', { campaign_id: campaignId, recipients }, opts);
  }
  /** DISTRIBUTION_STATUS: counts and a page of the outbox after `afterSeq`. */
  distributionStatus(campaignId: bigint, afterSeq = 0n, limit = 100, opts?: CallOptions): Promise<S.DistributionStatus> {
    return this.request('DISTRIBUTION_STATUS', { campaign_id: campaignId, after_seq: afterSeq, limit }, opts);
  }
  /** DISTRIBUTION_REPORT what became of a sent code (BOUNCED). */
  distributionReport(campaignId: bigint, customerId: string, status: DeliveryStatus, reason: string, opts?: CallOptions): Promise<S.DistributionEntry[]> {
    return this.request('DISTRIBUTION_REPORT', { campaign_id: campaignId, customer_id: customerId, status, reason }, opts);
  }

  // ---- Backup: a stream on one dedicated connection ----

  /**
   * BACKUP_BEGIN on a connection of its own (kept for the next backup, so the
   * server sees one backup end before the next begins); `digest` asks for
   * the digest at the end.
   */
  async backupBegin(digest: boolean, opts?: CallOptions): Promise<S.BackupHeader> {
    if (!this.backupConnection || this.backupConnection.closed) {
      this.backupConnection = await openConnection(this.target, this.options, opts?.signal);
    }
    return this.onBackup('BACKUP_BEGIN', { flags: digest ? 1 : 0 }, opts);
  }
  /** BACKUP_PART `seq` (0, 1, ...): the part's bytes, or null when none is left. */
  backupPart(seq: number, opts?: CallOptions): Promise<Uint8Array | null> {
    return this.onBackup('BACKUP_PART', { seq }, opts);
  }
  /** BACKUP_END, after BACKUP_PART said no part is left. */
  backupEnd(opts?: CallOptions): Promise<S.BackupEnd> {
    return this.onBackup('BACKUP_END', {}, opts);
  }
  /** BACKUP_ABORT the backup early. */
  async backupAbort(opts?: CallOptions): Promise<void> {
    await this.onBackup('BACKUP_ABORT', {}, opts);
  }
  private onBackup<N extends 'BACKUP_BEGIN' | 'BACKUP_PART' | 'BACKUP_END' | 'BACKUP_ABORT'>(op: N, body: object, opts?: CallOptions): Promise<Replies[N]> {
    if (!this.backupConnection) return Promise.reject(new CouponsdError('no backup in progress: call backupBegin first'));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in call()
    return this.send(this.backupConnection, op, encodeBody(REQUEST_SCHEMAS[op], body), opts ?? {}) as any;
  }
}

