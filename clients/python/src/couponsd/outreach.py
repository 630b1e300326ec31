"""Webhook, distribution and backup structs (protocol.md sections 6 and 9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .enums import DeliveryStatus
from .primitives import Reader, Writer
from .schema import to_json, wire
from .server import DigestReply


@dataclass
class WebhookAdded:
    """WEBHOOK_ADD's answer: the endpoint's id and its secret (shown once)."""

    id: int = wire("u64")
    secret: str = wire("str")


@dataclass
class Webhook:
    """A webhook endpoint (never its secret)."""

    id: int = wire("u64")
    url: str = wire("str")
    types: int = wire("u64")
    description: str = wire("str")
    created_at: int = wire("i64")
    enabled: bool = wire("bool")
    disabled_reason: str = wire("str")
    position: int = wire("u64")
    consecutive_failures: int = wire("u32")
    last_error: str = wire("str")
    backlog_records: int = wire("u64")


@dataclass
class DeliveryAttempt:
    """One attempt to deliver an event to a webhook."""

    at: int = wire("i64")
    event_id: int = wire("u64")
    status: int = wire("u16")
    error: str = wire("str")
    latency_ms: int = wire("u32")


@dataclass
class Recipient:
    """One recipient of CAMPAIGN_DISTRIBUTE."""

    customer_id: str = wire("str")
    email: str = wire("str")
    phone: str = wire("str")
    locale: str = wire("str")


@dataclass
class DistributionEntry:
    """One recipient's entry of a campaign's outbox."""

    seq: int = wire("u64")
    recipient: Recipient = wire(Recipient)
    coupon_id: int = wire("u64")
    code: str = wire("str")
    status: DeliveryStatus = wire(("enum", DeliveryStatus))
    reason: str = wire("str")
    updated_at: int = wire("i64")
    created: bool = wire("bool")


@dataclass
class DistributionStatus:
    """DISTRIBUTION_STATUS's answer."""

    campaign_id: int = wire("u64")
    total: int = wire("u64")
    queued: int = wire("u64")
    sent: int = wire("u64")
    failed: int = wire("u64")
    bounced: int = wire("u64")
    redeemed: int = wire("u64")
    entries: list[DistributionEntry] = wire(("list", DistributionEntry))
    next_after: int = wire("u64")


@dataclass
class BackupHeader:
    """BACKUP_BEGIN's answer."""

    cluster_id: int = wire("u64")
    node_id: int = wire("u64")
    lsn: int = wire("u64")
    term: int = wire("u64")
    created_ms: int = wire("i64")


@dataclass
class BackupEnd:
    """BACKUP_END's answer; ``digest`` is set when BACKUP_BEGIN asked for it."""

    parts: int = 0
    checkpoint_lsn: int = 0
    lsn: int = 0
    digest: DigestReply | None = None

    def wire_write(self, w: Writer) -> None:
        w.u32(self.parts)
        w.u64(self.checkpoint_lsn)
        w.u64(self.lsn)
        w.bool(self.digest is not None)
        if self.digest is not None:
            w.u128(self.digest.digest)
            w.u64(self.digest.entries)

    @staticmethod
    def wire_read(r: Reader) -> "BackupEnd":
        end = BackupEnd(r.u32("parts"), r.u64("checkpoint_lsn"), r.u64("lsn"))
        if r.bool("digested"):
            end.digest = DigestReply(lsn=end.lsn, digest=r.u128("digest"), entries=r.u64("entries"))
        return end

    def to_json(self) -> dict[str, Any]:
        return {"parts": str(self.parts), "checkpoint_lsn": str(self.checkpoint_lsn), "lsn": str(self.lsn),
                "digest": None if self.digest is None else to_json(DigestReply, self.digest)}


@dataclass
class BackupPart:
    """BACKUP_PART's answer: the next part's bytes (a RAFT_SNAPSHOT_PART body,
    opaque here), or None when every part was sent."""

    part: bytes | None = None

    def wire_write(self, w: Writer) -> None:
        w.bool(self.part is not None)
        if self.part is not None:
            w.raw(self.part)

    @staticmethod
    def wire_read(r: Reader) -> "BackupPart":
        if not r.bool("more"):
            return BackupPart(None)
        return BackupPart(r.take(r.remaining(), "part"))

    def to_json(self) -> dict[str, Any]:
        return {"value": None if self.part is None else self.part.hex()}
