"""Client options: timeouts, limits, auth and TLS."""

from __future__ import annotations

import ssl
from dataclasses import dataclass


@dataclass
class ClientOptions:
    """How a client connects and calls. Durations are seconds (``*_s``)."""

    #: The secret of a token (protocol.md "Tokens, roles and protected mode"); empty for none.
    token: str = ""
    #: Free text the server logs.
    client_name: str = "couponsd-python"
    #: TLS: a context (``ssl.create_default_context(cafile=...)``); None for plaintext.
    tls: ssl.SSLContext | None = None
    #: The name the server's certificate must carry; by default the address's host.
    tls_server_name: str | None = None
    #: Connecting, TLS and HELLO together.
    connect_timeout_s: float = 5.0
    #: One request's reply; past it the call raises RequestTimeout (outcome unknown).
    request_timeout_s: float = 30.0
    #: Connections kept per node; calls spread over them.
    pool_size: int = 1
    #: Requests in flight per connection, at most (also bounded by the server's max_in_flight).
    max_in_flight: int = 256
    #: Follow a NOT_LEADER that names the leader.
    follow_leader: bool = True
    #: How long a call keeps looking for a leader / another node; None: 10 s with several
    #: addresses, 0 with one (then only up to three NOT_LEADER hops are followed).
    failover_timeout_s: float | None = None

    def __post_init__(self) -> None:
        if self.pool_size < 1 or self.pool_size > 1024:
            raise ValueError("pool_size must be 1..=1024")
        if self.max_in_flight < 1 or self.max_in_flight > 65536:
            raise ValueError("max_in_flight must be 1..=65536")
