"""The asyncio client: a pool of pipelined connections per node, leader
discovery from a list of addresses, NOT_LEADER following, and retries of what
is safe to repeat (protocol.md section 14, "Finding the leader").

    client = await Client.connect(["10.0.0.1:7878", "10.0.0.2:7878"])
    reply = await client.redeem("SUMMER20", "order-456", Order(amount=15000, currency="USD"))
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Sequence

from .campaign import AssignedCode, Campaign, CampaignCode, CampaignSpec
from .coupon import Coupon, CouponSpec
from .enums import CampaignStatus, DeliveryStatus, FraudLabel, OrderMode
from .errors import (ConnectionFailed, InvalidStateError, Disconnected, NoQuorumError, NotLeaderError, RequestTimeout,
                     ShuttingDownError, StorageUnavailableError, TlsError)
from .insights import AnalyticsOverview, CampaignAnalytics, CouponAnalytics, EventBatch, FraudModel, FraudReport
from .messages import *  # noqa: F403 - every request class
from .messages import Request
from .options import ClientOptions
from .order import Order, OrderValidation, Qualification, Validation
from .outreach import (BackupEnd, BackupHeader, DeliveryAttempt, DistributionEntry, DistributionStatus,
                       Recipient, Webhook, WebhookAdded)
from .pool import NodePool
from .redemption import OrderRedemption, Redemption, RedemptionReply, Reversal
from .refs import AnyCouponRef, AnyRedemptionRef, CouponRef, RedemptionRef
from .server import ClusterStatus, DigestReply, ServerInfo
from .connection import Connection

#: Errors after which nothing was applied: another node may be tried.
_NOTHING_APPLIED = (NotLeaderError, ShuttingDownError, NoQuorumError, StorageUnavailableError)
#: Errors whose outcome is unknown: only an idempotent request is repeated.
_OUTCOME_UNKNOWN = (Disconnected, RequestTimeout)


def _coupon_ref(coupon: int | str | AnyCouponRef) -> AnyCouponRef:
    if isinstance(coupon, CouponRef):
        return coupon
    if isinstance(coupon, int):
        return CouponRef.by_id(coupon)
    return CouponRef.by_code(coupon)


def _redemption_ref(redemption: int | AnyRedemptionRef) -> AnyRedemptionRef:
    if isinstance(redemption, RedemptionRef):
        return redemption
    return RedemptionRef.by_id(redemption)


class Client:
    """A couponsd client (asyncio). Safe to share between tasks: calls are
    pipelined over a small pool of connections."""

    def __init__(self, addresses: Sequence[str], options: ClientOptions) -> None:
        if not addresses:
            raise ValueError("at least one address is needed")
        self.addresses = list(addresses)
        self.options = options
        self._pools: dict[str, NodePool] = {}
        self._target = self.addresses[0]
        self._backup: Connection | None = None
        if options.failover_timeout_s is None:
            self._failover_s = 10.0 if len(self.addresses) > 1 else 0.0
        else:
            self._failover_s = options.failover_timeout_s

    @classmethod
    async def connect(cls, addresses: str | Sequence[str], options: ClientOptions | None = None,
                      **option_fields: Any) -> "Client":
        """Connects to the first node that answers. ``addresses``: one ``host:port``
        or every node's. Options as a ``ClientOptions`` or as its field names."""
        if isinstance(addresses, str):
            addresses = [addresses]
        client = cls(addresses, options or ClientOptions(**option_fields))
        errors = []
        for addr in client.addresses:
            try:
                await client._pool(addr).get()
                client._target = addr
                return client
            except (ConnectionFailed, Disconnected) as e:
                if isinstance(e, TlsError):
                    raise
                errors.append(str(e))
        await client.close()
        raise ConnectionFailed("no node answered: " + "; ".join(errors))

    def _pool(self, addr: str) -> NodePool:
        pool = self._pools.get(addr)
        if pool is None:
            pool = self._pools[addr] = NodePool(addr, self.options)
        return pool

    @property
    def target(self) -> str:
        """The address requests go to now (the leader, once found)."""
        return self._target

    async def close(self) -> None:
        """Closes every connection."""
        if self._backup is not None:
            await self._backup.close()
        for pool in self._pools.values():
            await pool.close()

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def call(self, request: Request) -> Any:
        """Sends any request and returns its decoded reply, following the leader
        and retrying as protocol.md section 14 says."""
        deadline = time.monotonic() + self._failover_s
        pause_s = 0.02
        hops = 0
        while True:
            addr = self._target
            try:
                connection = await self._pool(addr).get()
                return await connection.call(request)
            except NotLeaderError as e:
                error: Exception = e
                leader = e.leader if self.options.follow_leader and e.leader and e.leader != addr else None
            except _NOTHING_APPLIED as e:
                error, leader = e, None
            except ConnectionFailed as e:
                # Nothing was sent: any node may be tried; a TLS failure is final.
                if isinstance(e, TlsError):
                    raise
                error, leader = e, None
            except _OUTCOME_UNKNOWN as e:
                if not request.is_idempotent():
                    raise
                error, leader = e, None
            hops += 1
            failover = time.monotonic() < deadline
            if leader is not None and (hops <= 3 or failover):
                self._target = leader
                continue
            if leader is None and failover and self.options.follow_leader:
                await asyncio.sleep(pause_s)
                pause_s = min(pause_s * 2, 0.5)
                self._target = self._next_node(addr)
                continue
            raise error

    def _next_node(self, failed: str) -> str:
        try:
            at = self.addresses.index(failed) + 1
        except ValueError:
            at = 0
        return self.addresses[at % len(self.addresses)]

    # --- server --------------------------------------------------------------

    async def ping(self) -> int:
        """The answering node's wall clock (unix ms)."""
        return (await self.call(PingRequest())).server_time_ms

    async def server_info(self) -> ServerInfo:
        """The node's version, role, counts and storage state."""
        return await self.call(ServerInfoRequest())

    async def digest(self) -> DigestReply:
        """A digest of everything the node stores (admin)."""
        return await self.call(DigestRequest())

    async def cluster_status(self) -> ClusterStatus:
        """The node's view of its cluster: role, leader, members."""
        return await self.call(ClusterStatusRequest())

    async def cluster_add(self, node_id: int, addr: str, voter: bool = True) -> ClusterStatus:
        """Adds a node (as a learner, then a voter when ``voter``)."""
        return await self.call(ClusterAddRequest(node_id=node_id, addr=addr, voter=voter))

    async def cluster_remove(self, node_id: int) -> ClusterStatus:
        """Removes a node from the cluster."""
        return await self.call(ClusterRemoveRequest(node_id=node_id))

    # --- coupons -------------------------------------------------------------

    async def create_coupon(self, spec: CouponSpec) -> Coupon:
        """Creates a coupon (never retried after an unknown outcome)."""
        return await self.call(CouponCreateRequest(spec=spec))

    async def get_coupon(self, coupon: int | str | AnyCouponRef) -> Coupon:
        """A coupon by id (int), code (str) or CouponRef."""
        return await self.call(CouponGetRequest(coupon=_coupon_ref(coupon)))

    async def update_coupon(self, coupon_id: int, spec: CouponSpec, expected_revision: int = 0) -> Coupon:
        """Replaces a coupon's spec; with ``expected_revision`` only at that revision (else CONFLICT)."""
        return await self.call(CouponUpdateRequest(id=coupon_id, expected_revision=expected_revision, spec=spec))

    async def delete_coupon(self, coupon_id: int) -> None:
        """Deletes a coupon."""
        await self.call(CouponDeleteRequest(id=coupon_id))

    async def list_coupons(self, after_id: int = 0, limit: int = 100) -> tuple[list[Coupon], int]:
        """A page of coupons after ``after_id``, and the next cursor (0: no more)."""
        page = await self.call(CouponListRequest(after_id=after_id, limit=limit))
        return page.coupons, page.next_after

    # --- redemptions ---------------------------------------------------------

    async def validate(self, code: str, order: Order) -> Validation:
        """Whether ``code`` applies to ``order`` now, and the discount (changes nothing)."""
        return await self.call(ValidateRequest(code=code, order=order))

    async def redeem(self, code: str, order_id: str, order: Order, transaction_id: str = "") -> RedemptionReply:
        """Redeems ``code`` on an order; a retry with the same order id gives the first result."""
        return await self.call(RedeemRequest(code=code, order_id=order_id, transaction_id=transaction_id,
                                             order=order))

    async def reserve(self, code: str, order_id: str, order: Order, ttl_ms: int = 0) -> RedemptionReply:
        """Holds a use for ``ttl_ms`` (0: the server's default) until CONFIRM or RELEASE."""
        return await self.call(ReserveRequest(code=code, order_id=order_id, ttl_ms=ttl_ms, order=order))

    async def confirm(self, redemption: int | AnyRedemptionRef) -> RedemptionReply:
        """Captures a hold."""
        return await self.call(ConfirmRequest(redemption=_redemption_ref(redemption)))

    async def release(self, redemption: int | AnyRedemptionRef) -> RedemptionReply:
        """Gives a hold back."""
        return await self.call(ReleaseRequest(redemption=_redemption_ref(redemption)))

    async def reverse(self, redemption: int | AnyRedemptionRef, reason: str = "",
                      refund_amount: int | None = None, refund_id: str = "") -> RedemptionReply:
        """Reverses a redemption in full, or refunds ``refund_amount`` minor units of it.
        Retried after an unknown outcome only with a ``refund_id``."""
        return await self.call(ReverseRequest(redemption=_redemption_ref(redemption), reason=reason,
                                              refund_amount=refund_amount, refund_id=refund_id))

    async def refund(self, redemption: int | AnyRedemptionRef, refund_amount: int, refund_id: str,
                     reason: str = "") -> RedemptionReply:
        """A partial refund keyed by the payment system's ``refund_id`` (safe to retry)."""
        return await self.reverse(redemption, reason, refund_amount, refund_id)

    async def get_redemption(self, redemption: int | AnyRedemptionRef) -> RedemptionReply:
        """A redemption by id or by (code, order id)."""
        return await self.call(RedemptionGetRequest(redemption=_redemption_ref(redemption)))

    async def list_redemptions(self, coupon_id: int, after_id: int = 0,
                               limit: int = 100) -> tuple[list[Redemption], int]:
        """A page of a coupon's redemptions, and the next cursor (0: no more)."""
        page = await self.call(RedemptionListRequest(coupon_id=coupon_id, after_id=after_id, limit=limit))
        return page.redemptions, page.next_after

    async def list_reversals(self, redemption: int | AnyRedemptionRef) -> list[Reversal]:
        """Every reversal of one redemption."""
        return await self.call(ReversalListRequest(redemption=_redemption_ref(redemption)))

    # --- orders with several codes ---------------------------------------------

    async def order_validate(self, codes: list[str], order: Order,
                             mode: OrderMode = OrderMode.ALL_OR_NOTHING) -> OrderValidation:
        """Several codes on one order, judged together (a read)."""
        return await self.call(OrderValidateRequest(codes=codes, mode=mode, order=order))

    async def order_redeem(self, codes: list[str], order_id: str, order: Order, transaction_id: str = "",
                           mode: OrderMode = OrderMode.ALL_OR_NOTHING) -> OrderRedemption:
        """Several codes on one order, redeemed as one decision."""
        return await self.call(OrderRedeemRequest(codes=codes, mode=mode, order_id=order_id,
                                                  transaction_id=transaction_id, order=order))

    async def order_reserve(self, codes: list[str], order_id: str, order: Order, ttl_ms: int = 0,
                            mode: OrderMode = OrderMode.ALL_OR_NOTHING) -> OrderRedemption:
        """Several codes on one order, held as one decision."""
        return await self.call(OrderReserveRequest(codes=codes, mode=mode, order_id=order_id, ttl_ms=ttl_ms,
                                                   order=order))

    async def order_confirm(self, order_id: str, transaction_id: str = "") -> OrderRedemption:
        """Captures every hold of an order's set."""
        return await self.call(OrderConfirmRequest(order_id=order_id, transaction_id=transaction_id))

    async def order_release(self, order_id: str) -> OrderRedemption:
        """Gives back every hold of an order's set."""
        return await self.call(OrderReleaseRequest(order_id=order_id))

    async def order_reverse(self, order_id: str, reason: str = "") -> OrderRedemption:
        """Reverses every captured use of an order's set (never retried)."""
        return await self.call(OrderReverseRequest(order_id=order_id, reason=reason))

    async def qualify(self, order: Order, limit: int = 10) -> Qualification:
        """The coupons that apply to a cart, and the best combination."""
        return await self.call(QualifyRequest(limit=limit, order=order))

    # --- campaigns -----------------------------------------------------------

    async def create_campaign(self, spec: CampaignSpec) -> Campaign:
        """Creates a campaign (DRAFT)."""
        return await self.call(CampaignCreateRequest(spec=spec))

    async def get_campaign(self, campaign_id: int) -> Campaign:
        """A campaign, with its generation progress."""
        return await self.call(CampaignGetRequest(id=campaign_id))

    async def update_campaign(self, campaign_id: int, spec: CampaignSpec, expected_revision: int = 0) -> Campaign:
        """Replaces a campaign's spec."""
        return await self.call(CampaignUpdateRequest(id=campaign_id, expected_revision=expected_revision, spec=spec))

    async def list_campaigns(self, after_id: int = 0, limit: int = 100) -> tuple[list[Campaign], int]:
        """A page of campaigns and the next cursor."""
        page = await self.call(CampaignListRequest(after_id=after_id, limit=limit))
        return page.campaigns, page.next_after

    async def set_campaign_status(self, campaign_id: int, status: CampaignStatus) -> Campaign:
        """Moves a campaign through its lifecycle (ACTIVE, PAUSED, ...)."""
        return await self.call(CampaignSetStatusRequest(id=campaign_id, status=status))

    async def generate_codes(self, campaign_id: int, count: int, expected_revision: int = 0) -> Campaign:
        """Asks for ``count`` more codes (generated in the background). Retried
        after an unknown outcome only with ``expected_revision``."""
        return await self.call(CampaignGenerateRequest(id=campaign_id, count=count,
                                                       expected_revision=expected_revision))

    async def list_campaign_codes(self, campaign_id: int, after_coupon_id: int = 0,
                                  limit: int = 100) -> tuple[list[CampaignCode], int]:
        """A page of a campaign's generated codes (admin) and the next cursor."""
        page = await self.call(CampaignCodesRequest(id=campaign_id, after_coupon_id=after_coupon_id, limit=limit))
        return page.codes, page.next_after

    async def delete_campaign(self, campaign_id: int) -> None:
        """Deletes a DRAFT campaign without codes."""
        await self.call(CampaignDeleteRequest(id=campaign_id))

    async def assign_codes(self, campaign_id: int, customer_ids: list[str]) -> list[AssignedCode]:
        """A PERSONALIZED campaign's codes, one per customer (the same again on a retry)."""
        return await self.call(CampaignAssignRequest(id=campaign_id, customer_ids=customer_ids))

    async def distribute(self, campaign_id: int, recipients: list[Recipient]) -> list[DistributionEntry]:
        """Queues a code of the campaign for each recipient."""
        return await self.call(CampaignDistributeRequest(campaign_id=campaign_id, recipients=recipients))

    async def distribution_status(self, campaign_id: int, after_seq: int = 0, limit: int = 100) -> DistributionStatus:
        """A campaign's outbox: counts and a page of entries."""
        return await self.call(DistributionStatusRequest(campaign_id=campaign_id, after_seq=after_seq, limit=limit))

    async def distribution_report(self, campaign_id: int, customer_id: str, status: DeliveryStatus,
                                  reason: str = "") -> list[DistributionEntry]:
        """Reports what became of a sent code (BOUNCED)."""
        return await self.call(DistributionReportRequest(campaign_id=campaign_id, customer_id=customer_id,
                                                         status=status, reason=reason))

    # --- fraud, analytics, events, webhooks ----------------------------------

    async def fraud_outcome(self, redemption_id: int, label: FraudLabel) -> FraudModel:
        """Labels a redemption (fraud or legit); the model learns from it."""
        return await self.call(FraudOutcomeRequest(redemption_id=redemption_id, label=label))

    async def fraud_model(self) -> FraudModel:
        """The fraud score's model."""
        return await self.call(FraudModelRequest())

    async def fraud_report(self, from_ms: int, to_ms: int) -> FraudReport:
        """The attempts made in [from_ms, to_ms)."""
        return await self.call(FraudReportRequest(from_=from_ms, to=to_ms))

    async def analytics_coupon(self, coupon: int | str | AnyCouponRef) -> CouponAnalytics:
        """A coupon's analytics."""
        return await self.call(AnalyticsCouponRequest(coupon=_coupon_ref(coupon)))

    async def analytics_campaign(self, campaign_id: int) -> CampaignAnalytics:
        """A campaign's analytics."""
        return await self.call(AnalyticsCampaignRequest(id=campaign_id))

    async def analytics_overview(self) -> AnalyticsOverview:
        """The whole store's analytics."""
        return await self.call(AnalyticsOverviewRequest())

    async def events(self, from_id: int = 0, types: int = 0, coupon_id: int = 0, campaign_id: int = 0,
                     max_batch: int = 0) -> EventBatch:
        """Events from a cursor (``EventBatch.next`` is the next cursor)."""
        return await self.call(EventsSubscribeRequest(from_=from_id, types=types, coupon_id=coupon_id,
                                                      campaign_id=campaign_id, max_batch=max_batch))

    async def webhook_add(self, url: str, types: int = 0, description: str = "") -> WebhookAdded:
        """Adds a webhook endpoint; the reply carries its secret, once."""
        return await self.call(WebhookAddRequest(url=url, types=types, description=description))

    async def webhook_list(self) -> list[Webhook]:
        """Every webhook endpoint."""
        return await self.call(WebhookListRequest())

    async def webhook_remove(self, webhook_id: int) -> None:
        """Removes a webhook endpoint."""
        await self.call(WebhookRemoveRequest(id=webhook_id))

    async def webhook_enable(self, webhook_id: int) -> Webhook:
        """Enables a disabled endpoint again."""
        return await self.call(WebhookEnableRequest(id=webhook_id))

    async def webhook_deliveries(self, webhook_id: int) -> list[DeliveryAttempt]:
        """The leader's last delivery attempts to an endpoint."""
        return await self.call(WebhookDeliveriesRequest(id=webhook_id))

    # --- backup: a stream on one dedicated connection ------------------------

    async def backup_begin(self, digest: bool = False) -> BackupHeader:
        """Starts a backup of the node requests go to, on a connection of its own."""
        if self._backup is not None:
            await self._backup.close()
        self._backup = await Connection.open(self._target, self.options)
        return await self._backup.call(BackupBeginRequest(flags=1 if digest else 0))

    async def backup_part(self, seq: int) -> bytes | None:
        """Part ``seq`` (0, 1, ...) of the backup, or None when every part was sent."""
        return (await self._backup_connection().call(BackupPartRequest(seq=seq))).part

    async def backup_end(self) -> BackupEnd:
        """Ends the backup once no part is left; closes its connection."""
        try:
            return await self._backup_connection().call(BackupEndRequest())
        finally:
            await self._drop_backup()

    async def backup_abort(self) -> None:
        """Ends the backup early."""
        try:
            await self._backup_connection().call(BackupAbortRequest())
        finally:
            await self._drop_backup()

    def _backup_connection(self) -> Connection:
        if self._backup is None:
            raise InvalidStateError("no backup begun on this client")
        return self._backup

    async def _drop_backup(self) -> None:
        if self._backup is not None:
            await self._backup.close()
            self._backup = None
