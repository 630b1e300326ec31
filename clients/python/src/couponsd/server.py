"""Handshake, server and cluster structs (protocol.md sections 6 and 14)."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import NodeRole
from .schema import wire


@dataclass
class HelloReply:
    """The server's answer to HELLO: its limits for this connection."""

    version: int = wire("u16")
    server_version: str = wire("str")
    role: NodeRole = wire(("enum", NodeRole))
    max_frame_length: int = wire("u32")
    max_in_flight: int = wire("u32")


@dataclass
class Pong:
    """PING's answer: the node's wall clock."""

    server_time_ms: int = wire("i64")


@dataclass
class ServerInfo:
    """SERVER_INFO's answer."""

    server_version: str = wire("str")
    role: NodeRole = wire(("enum", NodeRole))
    term: int = wire("u64")
    lsn: int = wire("u64")
    coupons: int = wire("u64")
    redemptions: int = wire("u64")
    uptime_ms: int = wire("u64")
    connections: int = wire("u32")
    writes_failing_since_ms: int = wire("i64", at_end=True)
    storage_error: str = wire("str", at_end=True)


@dataclass
class DigestReply:
    """A digest of everything a node stores, at an LSN."""

    lsn: int = wire("u64")
    digest: int = wire("u128")
    entries: int = wire("u64")


@dataclass
class ClusterMember:
    """One member of a cluster."""

    node_id: int = wire("u64")
    addr: str = wire("str")
    voter: bool = wire("bool")
    matched_index: int = wire("u64")
    lag_entries: int = wire("u64")
    last_contact_ms: int = wire("u64")


@dataclass
class ClusterStatus:
    """CLUSTER_STATUS's answer: the node's view of its cluster."""

    node_id: int = wire("u64")
    cluster_id: int = wire("u64")
    role: NodeRole = wire(("enum", NodeRole))
    term: int = wire("u64")
    leader_id: int = wire("u64")
    leader_addr: str = wire("str")
    last_log_index: int = wire("u64")
    committed_index: int = wire("u64")
    applied_index: int = wire("u64")
    lsn: int = wire("u64")
    snapshot_index: int = wire("u64")
    purged_index: int = wire("u64")
    leader_contact_ms: int = wire("u64")
    members: list[ClusterMember] = wire(("list", ClusterMember))
