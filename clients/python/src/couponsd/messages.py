"""Requests: one dataclass per opcode of protocol.md section 9, in wire order,
with the kind of its OK reply (``REPLY``) and whether sending it twice has the
effect of sending it once (``is_idempotent``: reads, and the redemption steps,
idempotent per order; see protocol.md section 10)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, ClassVar

from .campaign import AssignedCode, Campaign, CampaignPage, CampaignSpec, CodePage
from .coupon import Coupon, CouponPage, CouponSpec
from .enums import CampaignStatus, DeliveryStatus, FraudLabel, OrderMode
from .insights import AnalyticsOverview, CampaignAnalytics, CouponAnalytics, EventBatch, FraudModel, FraudReport
from .order import Order, OrderValidation, Qualification, Validation
from .outreach import (BackupEnd, BackupHeader, BackupPart, DeliveryAttempt, DistributionEntry,
                       DistributionStatus, Recipient, Webhook, WebhookAdded)
from .primitives import Reader, Writer
from .redemption import OrderRedemption, RedemptionPage, RedemptionReply, Reversal
from .refs import AnyCouponRef, AnyRedemptionRef, CouponRef, RedemptionRef
from .schema import encode, wire
from .server import ClusterStatus, DigestReply, HelloReply, Pong, ServerInfo

#: HELLO's magic: "CPND".
MAGIC = b"CPND"
#: The protocol version this library speaks.
PROTOCOL_VERSION = 1


class Opcode(IntEnum):
    """Every opcode of protocol.md section 9."""

    HELLO = 0x0001
    PING = 0x0002
    SERVER_INFO = 0x0003
    COUPON_CREATE = 0x0010
    COUPON_GET = 0x0011
    COUPON_UPDATE = 0x0012
    COUPON_DELETE = 0x0013
    COUPON_LIST = 0x0014
    VALIDATE = 0x0020
    REDEEM = 0x0021
    RESERVE = 0x0022
    CONFIRM = 0x0023
    RELEASE = 0x0024
    REVERSE = 0x0025
    REDEMPTION_GET = 0x0026
    REDEMPTION_LIST = 0x0027
    REVERSAL_LIST = 0x0028
    DIGEST = 0x0030
    RAFT_APPEND = 0x0040
    RAFT_VOTE = 0x0041
    RAFT_SNAPSHOT_BEGIN = 0x0042
    RAFT_SNAPSHOT_PART = 0x0043
    RAFT_SNAPSHOT_END = 0x0044
    CLUSTER_STATUS = 0x0045
    CLUSTER_ADD = 0x0046
    CLUSTER_REMOVE = 0x0047
    VIEWS_FORWARD = 0x0048
    CAMPAIGN_CREATE = 0x0050
    CAMPAIGN_GET = 0x0051
    CAMPAIGN_UPDATE = 0x0052
    CAMPAIGN_LIST = 0x0053
    CAMPAIGN_SET_STATUS = 0x0054
    CAMPAIGN_GENERATE = 0x0055
    CAMPAIGN_CODES = 0x0056
    CAMPAIGN_DELETE = 0x0057
    FRAUD_OUTCOME = 0x0060
    FRAUD_MODEL = 0x0061
    FRAUD_REPORT = 0x0062
    ORDER_VALIDATE = 0x0058
    ORDER_REDEEM = 0x0059
    ORDER_RESERVE = 0x005A
    ORDER_CONFIRM = 0x005B
    ORDER_RELEASE = 0x005C
    ORDER_REVERSE = 0x005D
    QUALIFY = 0x005E
    CAMPAIGN_ASSIGN = 0x005F
    EVENTS_SUBSCRIBE = 0x0078
    ANALYTICS_COUPON = 0x0070
    ANALYTICS_CAMPAIGN = 0x0071
    ANALYTICS_OVERVIEW = 0x0072
    BACKUP_BEGIN = 0x0090
    BACKUP_PART = 0x0091
    BACKUP_END = 0x0092
    BACKUP_ABORT = 0x0093
    WEBHOOK_ENABLE = 0x0079
    WEBHOOK_ADD = 0x007A
    WEBHOOK_LIST = 0x007B
    WEBHOOK_REMOVE = 0x007C
    WEBHOOK_DELIVERIES = 0x007D
    CAMPAIGN_DISTRIBUTE = 0x0080
    DISTRIBUTION_STATUS = 0x0081
    DISTRIBUTION_REPORT = 0x0082


class Magic:
    """The 4 raw bytes of HELLO's ``magic`` (``bytes[4]``); hex in JSON."""

    @staticmethod
    def wire_read(r: Reader) -> bytes:
        return r.take(4, "magic")

    @staticmethod
    def from_json(data: str) -> bytes:
        return bytes.fromhex(data)

    @staticmethod
    def wire_encode(w: Writer, value: bytes) -> None:
        if len(value) != 4:
            raise ValueError("magic must be 4 bytes")
        w.raw(value)

    @staticmethod
    def json_of(value: bytes) -> str:
        return value.hex()


class Request:
    """A request body. Subclasses set ``OPCODE`` and ``REPLY`` (the wire kind of
    the OK reply body; None for an empty one)."""

    OPCODE: ClassVar[int]
    REPLY: ClassVar[Any]
    IDEMPOTENT: ClassVar[bool] = False

    def is_idempotent(self) -> bool:
        """Whether a retry after an unknown outcome is safe."""
        return self.IDEMPOTENT

    def encode_body(self) -> bytes:
        """The request's body bytes."""
        return encode(type(self), self)


@dataclass
class HelloRequest(Request):
    """HELLO (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.HELLO
    REPLY: ClassVar[Any] = HelloReply
    IDEMPOTENT: ClassVar[bool] = True
    magic: bytes = dataclasses.field(default=MAGIC, metadata={"wire": Magic, "at_end": False})
    version: int = wire("u16", 1)
    token: str = wire("str")
    client_name: str = wire("str")


@dataclass
class PingRequest(Request):
    """PING (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.PING
    REPLY: ClassVar[Any] = Pong
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class ServerInfoRequest(Request):
    """SERVER_INFO (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.SERVER_INFO
    REPLY: ClassVar[Any] = ServerInfo
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class CouponCreateRequest(Request):
    """COUPON_CREATE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.COUPON_CREATE
    REPLY: ClassVar[Any] = Coupon
    IDEMPOTENT: ClassVar[bool] = False
    spec: CouponSpec = wire(CouponSpec)


@dataclass
class CouponGetRequest(Request):
    """COUPON_GET (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.COUPON_GET
    REPLY: ClassVar[Any] = Coupon
    IDEMPOTENT: ClassVar[bool] = True
    coupon: AnyCouponRef = wire(CouponRef, None)


@dataclass
class CouponUpdateRequest(Request):
    """COUPON_UPDATE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.COUPON_UPDATE
    REPLY: ClassVar[Any] = Coupon
    IDEMPOTENT: ClassVar[bool] = False
    id: int = wire("u64")
    expected_revision: int = wire("u64")
    spec: CouponSpec = wire(CouponSpec)


@dataclass
class CouponDeleteRequest(Request):
    """COUPON_DELETE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.COUPON_DELETE
    REPLY: ClassVar[Any] = None
    IDEMPOTENT: ClassVar[bool] = False
    id: int = wire("u64")


@dataclass
class CouponListRequest(Request):
    """COUPON_LIST (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.COUPON_LIST
    REPLY: ClassVar[Any] = CouponPage
    IDEMPOTENT: ClassVar[bool] = True
    after_id: int = wire("u64")
    limit: int = wire("u16", 100)


@dataclass
class ValidateRequest(Request):
    """VALIDATE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.VALIDATE
    REPLY: ClassVar[Any] = Validation
    IDEMPOTENT: ClassVar[bool] = True
    code: str = wire("str")
    order: Order = wire(Order)


@dataclass
class RedeemRequest(Request):
    """REDEEM (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.REDEEM
    REPLY: ClassVar[Any] = RedemptionReply
    IDEMPOTENT: ClassVar[bool] = True
    code: str = wire("str")
    order_id: str = wire("str")
    transaction_id: str = wire("str")
    order: Order = wire(Order)


@dataclass
class ReserveRequest(Request):
    """RESERVE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.RESERVE
    REPLY: ClassVar[Any] = RedemptionReply
    IDEMPOTENT: ClassVar[bool] = True
    code: str = wire("str")
    order_id: str = wire("str")
    ttl_ms: int = wire("u32")
    order: Order = wire(Order)


@dataclass
class ConfirmRequest(Request):
    """CONFIRM (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CONFIRM
    REPLY: ClassVar[Any] = RedemptionReply
    IDEMPOTENT: ClassVar[bool] = True
    redemption: AnyRedemptionRef = wire(RedemptionRef, None)


@dataclass
class ReleaseRequest(Request):
    """RELEASE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.RELEASE
    REPLY: ClassVar[Any] = RedemptionReply
    IDEMPOTENT: ClassVar[bool] = True
    redemption: AnyRedemptionRef = wire(RedemptionRef, None)


@dataclass
class ReverseRequest(Request):
    """REVERSE: a full reversal, or with ``refund_amount`` a partial refund (minor units).

    Idempotent only with a ``refund_id``: a retry with the same id is answered
    with the first reversal instead of refunding twice."""

    OPCODE: ClassVar[int] = Opcode.REVERSE
    REPLY: ClassVar[Any] = RedemptionReply
    redemption: AnyRedemptionRef = wire(RedemptionRef)
    reason: str = wire("str")
    refund_amount: int | None = wire(("opt", "i64"))
    refund_id: str = wire("str")

    def is_idempotent(self) -> bool:
        return self.refund_id != ""


@dataclass
class RedemptionGetRequest(Request):
    """REDEMPTION_GET (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.REDEMPTION_GET
    REPLY: ClassVar[Any] = RedemptionReply
    IDEMPOTENT: ClassVar[bool] = True
    redemption: AnyRedemptionRef = wire(RedemptionRef, None)


@dataclass
class RedemptionListRequest(Request):
    """REDEMPTION_LIST (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.REDEMPTION_LIST
    REPLY: ClassVar[Any] = RedemptionPage
    IDEMPOTENT: ClassVar[bool] = True
    coupon_id: int = wire("u64")
    after_id: int = wire("u64")
    limit: int = wire("u16", 100)


@dataclass
class ReversalListRequest(Request):
    """REVERSAL_LIST (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.REVERSAL_LIST
    REPLY: ClassVar[Any] = ("list", Reversal)
    IDEMPOTENT: ClassVar[bool] = True
    redemption: AnyRedemptionRef = wire(RedemptionRef, None)


@dataclass
class DigestRequest(Request):
    """DIGEST (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.DIGEST
    REPLY: ClassVar[Any] = DigestReply
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class ClusterStatusRequest(Request):
    """CLUSTER_STATUS (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CLUSTER_STATUS
    REPLY: ClassVar[Any] = ClusterStatus
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class ClusterAddRequest(Request):
    """CLUSTER_ADD (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CLUSTER_ADD
    REPLY: ClassVar[Any] = ClusterStatus
    IDEMPOTENT: ClassVar[bool] = False
    node_id: int = wire("u64")
    addr: str = wire("str")
    voter: bool = wire("bool")


@dataclass
class ClusterRemoveRequest(Request):
    """CLUSTER_REMOVE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CLUSTER_REMOVE
    REPLY: ClassVar[Any] = ClusterStatus
    IDEMPOTENT: ClassVar[bool] = False
    node_id: int = wire("u64")


@dataclass
class CampaignCreateRequest(Request):
    """CAMPAIGN_CREATE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_CREATE
    REPLY: ClassVar[Any] = Campaign
    IDEMPOTENT: ClassVar[bool] = False
    spec: CampaignSpec = wire(CampaignSpec)


@dataclass
class CampaignGetRequest(Request):
    """CAMPAIGN_GET (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_GET
    REPLY: ClassVar[Any] = Campaign
    IDEMPOTENT: ClassVar[bool] = True
    id: int = wire("u64")


@dataclass
class CampaignUpdateRequest(Request):
    """CAMPAIGN_UPDATE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_UPDATE
    REPLY: ClassVar[Any] = Campaign
    IDEMPOTENT: ClassVar[bool] = False
    id: int = wire("u64")
    expected_revision: int = wire("u64")
    spec: CampaignSpec = wire(CampaignSpec)


@dataclass
class CampaignListRequest(Request):
    """CAMPAIGN_LIST (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_LIST
    REPLY: ClassVar[Any] = CampaignPage
    IDEMPOTENT: ClassVar[bool] = True
    after_id: int = wire("u64")
    limit: int = wire("u16", 100)


@dataclass
class CampaignSetStatusRequest(Request):
    """CAMPAIGN_SET_STATUS (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_SET_STATUS
    REPLY: ClassVar[Any] = Campaign
    IDEMPOTENT: ClassVar[bool] = False
    id: int = wire("u64")
    status: CampaignStatus = wire(("enum", CampaignStatus), None)


@dataclass
class CampaignGenerateRequest(Request):
    """CAMPAIGN_GENERATE: ``count`` more codes. With ``expected_revision`` (not 0) a
    retry cannot ask for the codes twice, so only then is it retried."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_GENERATE
    REPLY: ClassVar[Any] = Campaign
    id: int = wire("u64")
    count: int = wire("u64")
    expected_revision: int = wire("u64")

    def is_idempotent(self) -> bool:
        return self.expected_revision != 0


@dataclass
class CampaignCodesRequest(Request):
    """CAMPAIGN_CODES (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_CODES
    REPLY: ClassVar[Any] = CodePage
    IDEMPOTENT: ClassVar[bool] = True
    id: int = wire("u64")
    after_coupon_id: int = wire("u64")
    limit: int = wire("u16", 100)


@dataclass
class CampaignDeleteRequest(Request):
    """CAMPAIGN_DELETE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_DELETE
    REPLY: ClassVar[Any] = None
    IDEMPOTENT: ClassVar[bool] = False
    id: int = wire("u64")


@dataclass
class OrderValidateRequest(Request):
    """ORDER_VALIDATE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ORDER_VALIDATE
    REPLY: ClassVar[Any] = OrderValidation
    IDEMPOTENT: ClassVar[bool] = True
    codes: list[str] = wire(("list", "str"))
    mode: OrderMode = wire(("enum", OrderMode), OrderMode.ALL_OR_NOTHING)
    order: Order = wire(Order)


@dataclass
class OrderRedeemRequest(Request):
    """ORDER_REDEEM (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ORDER_REDEEM
    REPLY: ClassVar[Any] = OrderRedemption
    IDEMPOTENT: ClassVar[bool] = True
    codes: list[str] = wire(("list", "str"))
    mode: OrderMode = wire(("enum", OrderMode), OrderMode.ALL_OR_NOTHING)
    order_id: str = wire("str")
    transaction_id: str = wire("str")
    order: Order = wire(Order)


@dataclass
class OrderReserveRequest(Request):
    """ORDER_RESERVE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ORDER_RESERVE
    REPLY: ClassVar[Any] = OrderRedemption
    IDEMPOTENT: ClassVar[bool] = True
    codes: list[str] = wire(("list", "str"))
    mode: OrderMode = wire(("enum", OrderMode), OrderMode.ALL_OR_NOTHING)
    order_id: str = wire("str")
    ttl_ms: int = wire("u32")
    order: Order = wire(Order)


@dataclass
class OrderConfirmRequest(Request):
    """ORDER_CONFIRM (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ORDER_CONFIRM
    REPLY: ClassVar[Any] = OrderRedemption
    IDEMPOTENT: ClassVar[bool] = True
    order_id: str = wire("str")
    transaction_id: str = wire("str")


@dataclass
class OrderReleaseRequest(Request):
    """ORDER_RELEASE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ORDER_RELEASE
    REPLY: ClassVar[Any] = OrderRedemption
    IDEMPOTENT: ClassVar[bool] = True
    order_id: str = wire("str")


@dataclass
class OrderReverseRequest(Request):
    """ORDER_REVERSE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ORDER_REVERSE
    REPLY: ClassVar[Any] = OrderRedemption
    IDEMPOTENT: ClassVar[bool] = False
    order_id: str = wire("str")
    reason: str = wire("str")


@dataclass
class QualifyRequest(Request):
    """QUALIFY (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.QUALIFY
    REPLY: ClassVar[Any] = Qualification
    IDEMPOTENT: ClassVar[bool] = True
    limit: int = wire("u16", 10)
    order: Order = wire(Order)


@dataclass
class CampaignAssignRequest(Request):
    """CAMPAIGN_ASSIGN (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_ASSIGN
    REPLY: ClassVar[Any] = ("list", AssignedCode)
    IDEMPOTENT: ClassVar[bool] = True
    id: int = wire("u64")
    customer_ids: list[str] = wire(("list", "str"))


@dataclass
class FraudOutcomeRequest(Request):
    """FRAUD_OUTCOME (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.FRAUD_OUTCOME
    REPLY: ClassVar[Any] = FraudModel
    IDEMPOTENT: ClassVar[bool] = True
    redemption_id: int = wire("u64")
    label: FraudLabel = wire(("enum", FraudLabel), None)


@dataclass
class FraudModelRequest(Request):
    """FRAUD_MODEL (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.FRAUD_MODEL
    REPLY: ClassVar[Any] = FraudModel
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class FraudReportRequest(Request):
    """FRAUD_REPORT (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.FRAUD_REPORT
    REPLY: ClassVar[Any] = FraudReport
    IDEMPOTENT: ClassVar[bool] = True
    from_: int = wire("i64")
    to: int = wire("i64")


@dataclass
class AnalyticsCouponRequest(Request):
    """ANALYTICS_COUPON (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ANALYTICS_COUPON
    REPLY: ClassVar[Any] = CouponAnalytics
    IDEMPOTENT: ClassVar[bool] = True
    coupon: AnyCouponRef = wire(CouponRef, None)


@dataclass
class AnalyticsCampaignRequest(Request):
    """ANALYTICS_CAMPAIGN (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ANALYTICS_CAMPAIGN
    REPLY: ClassVar[Any] = CampaignAnalytics
    IDEMPOTENT: ClassVar[bool] = True
    id: int = wire("u64")


@dataclass
class AnalyticsOverviewRequest(Request):
    """ANALYTICS_OVERVIEW (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.ANALYTICS_OVERVIEW
    REPLY: ClassVar[Any] = AnalyticsOverview
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class EventsSubscribeRequest(Request):
    """EVENTS_SUBSCRIBE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.EVENTS_SUBSCRIBE
    REPLY: ClassVar[Any] = EventBatch
    IDEMPOTENT: ClassVar[bool] = True
    from_: int = wire("u64")
    types: int = wire("u64")
    coupon_id: int = wire("u64")
    campaign_id: int = wire("u64")
    max_batch: int = wire("u32")


@dataclass
class WebhookEnableRequest(Request):
    """WEBHOOK_ENABLE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.WEBHOOK_ENABLE
    REPLY: ClassVar[Any] = Webhook
    IDEMPOTENT: ClassVar[bool] = True
    id: int = wire("u64")


@dataclass
class WebhookAddRequest(Request):
    """WEBHOOK_ADD (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.WEBHOOK_ADD
    REPLY: ClassVar[Any] = WebhookAdded
    IDEMPOTENT: ClassVar[bool] = False
    url: str = wire("str")
    types: int = wire("u64")
    description: str = wire("str")


@dataclass
class WebhookListRequest(Request):
    """WEBHOOK_LIST (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.WEBHOOK_LIST
    REPLY: ClassVar[Any] = ("list", Webhook)
    IDEMPOTENT: ClassVar[bool] = True


@dataclass
class WebhookRemoveRequest(Request):
    """WEBHOOK_REMOVE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.WEBHOOK_REMOVE
    REPLY: ClassVar[Any] = None
    IDEMPOTENT: ClassVar[bool] = False
    id: int = wire("u64")


@dataclass
class WebhookDeliveriesRequest(Request):
    """WEBHOOK_DELIVERIES (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.WEBHOOK_DELIVERIES
    REPLY: ClassVar[Any] = ("list", DeliveryAttempt)
    IDEMPOTENT: ClassVar[bool] = True
    id: int = wire("u64")


@dataclass
class CampaignDistributeRequest(Request):
    """CAMPAIGN_DISTRIBUTE (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.CAMPAIGN_DISTRIBUTE
    REPLY: ClassVar[Any] = ("list", DistributionEntry)
    IDEMPOTENT: ClassVar[bool] = True
    campaign_id: int = wire("u64")
    recipients: list[Recipient] = wire(("list", Recipient))


@dataclass
class DistributionStatusRequest(Request):
    """DISTRIBUTION_STATUS (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.DISTRIBUTION_STATUS
    REPLY: ClassVar[Any] = DistributionStatus
    IDEMPOTENT: ClassVar[bool] = True
    campaign_id: int = wire("u64")
    after_seq: int = wire("u64")
    limit: int = wire("u16", 100)


@dataclass
class DistributionReportRequest(Request):
    """DISTRIBUTION_REPORT (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.DISTRIBUTION_REPORT
    REPLY: ClassVar[Any] = ("list", DistributionEntry)
    IDEMPOTENT: ClassVar[bool] = True
    campaign_id: int = wire("u64")
    customer_id: str = wire("str")
    status: DeliveryStatus = wire(("enum", DeliveryStatus), None)
    reason: str = wire("str")


@dataclass
class BackupBeginRequest(Request):
    """BACKUP_BEGIN (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.BACKUP_BEGIN
    REPLY: ClassVar[Any] = BackupHeader
    IDEMPOTENT: ClassVar[bool] = False
    flags: int = wire("u8")


@dataclass
class BackupPartRequest(Request):
    """BACKUP_PART (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.BACKUP_PART
    REPLY: ClassVar[Any] = BackupPart
    IDEMPOTENT: ClassVar[bool] = False
    seq: int = wire("u32")


@dataclass
class BackupEndRequest(Request):
    """BACKUP_END (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.BACKUP_END
    REPLY: ClassVar[Any] = BackupEnd
    IDEMPOTENT: ClassVar[bool] = False


@dataclass
class BackupAbortRequest(Request):
    """BACKUP_ABORT (protocol.md section 9)."""

    OPCODE: ClassVar[int] = Opcode.BACKUP_ABORT
    REPLY: ClassVar[Any] = None
    IDEMPOTENT: ClassVar[bool] = False


def _collect() -> dict[int, type[Request]]:
    table: dict[int, type[Request]] = {}
    for cls in Request.__subclasses__():
        table[int(cls.OPCODE)] = cls
    return table


#: Every request class by opcode (the node-to-node RAFT_* and VIEWS_FORWARD excepted).
REQUESTS: dict[int, type[Request]] = _collect()
