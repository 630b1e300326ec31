"""Python client for couponsd (protocol version 1), standard library only.

- ``Client``: asyncio, pipelined, pooled, follows the leader of a cluster.
- ``SyncClient``: the same methods, blocking.
- Structs (``CouponSpec``, ``Order``, ``Redemption``, ...) are dataclasses in
  wire order; money is integer minor units (``couponsd.money`` converts).
- Errors: one ``ServerError`` subclass per protocol error code
  (``couponsd.errors``), plus connection, timeout and decoding errors.
"""

from . import errors, money
from .campaign import AssignedCode, Campaign, CampaignCode, CampaignSpec, GenerationRules
from .client import Client
from .coupon import Coupon, CouponSpec, IdentifierLimit, ProductCriteria, SecuritySettings
from .enums import (AdminStatus, CampaignStatus, CampaignType, CodeCheck, CouponStatus, CouponType,
                    CriteriaOperator, CriteriaType, DeliveryStatus, DiscountType, DistributionMethod,
                    EventType, FraudLabel, Identifier, NodeRole, OrderMode, RedemptionStatus,
                    RefundBelowMinimum, RiskLevel, StackClass)
from .errors import (ConnectionFailed, CouponsdError, DecodeError, Disconnected, ProtocolError,
                     RequestTimeout, RequestTooLarge, ServerError, TlsError)
from .options import ClientOptions
from .order import LineItem, Order, Validation
from .outreach import Recipient
from .redemption import Redemption, RedemptionReply, Reversal
from .refs import CouponRef, RedemptionRef
from .sync_client import SyncClient

__all__ = [
    "AdminStatus", "AssignedCode", "Campaign", "CampaignCode", "CampaignSpec", "CampaignStatus",
    "CampaignType", "Client", "ClientOptions", "CodeCheck", "ConnectionFailed", "Coupon", "CouponRef",
    "CouponSpec", "CouponStatus", "CouponType", "CouponsdError", "CriteriaOperator", "CriteriaType",
    "DecodeError", "DeliveryStatus", "Disconnected", "DiscountType", "DistributionMethod", "EventType",
    "FraudLabel", "GenerationRules", "Identifier", "IdentifierLimit", "LineItem", "NodeRole", "Order",
    "OrderMode", "ProductCriteria", "ProtocolError", "Recipient", "Redemption", "RedemptionRef",
    "RedemptionReply", "RedemptionStatus", "RefundBelowMinimum", "RequestTimeout", "RequestTooLarge",
    "Reversal", "RiskLevel", "SecuritySettings", "ServerError", "StackClass", "SyncClient", "TlsError",
    "Validation", "errors", "money",
]
__version__ = "0.1.0"
