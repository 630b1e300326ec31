"""A small pool of connections to one node: up to ``pool_size`` connections,
opened on demand, each call going to the least busy one."""

from __future__ import annotations

import asyncio

from .connection import Connection
from .options import ClientOptions


class NodePool:
    """Connections to one address."""

    def __init__(self, addr: str, options: ClientOptions) -> None:
        self.addr = addr
        self._options = options
        self._connections: list[Connection] = []
        self._opening = asyncio.Lock()

    async def get(self) -> Connection:
        """A live connection: an idle one, a new one while under ``pool_size``,
        else the least busy."""
        live = [c for c in self._connections if not c.closed]
        self._connections = live
        for c in live:
            if c.in_flight == 0:
                return c
        if len(live) < self._options.pool_size:
            async with self._opening:
                live = [c for c in self._connections if not c.closed]
                if len(live) < self._options.pool_size:
                    try:
                        c = await Connection.open(self.addr, self._options)
                    except Exception:
                        if live:
                            return min(live, key=lambda c: c.in_flight)
                        raise
                    self._connections = live + [c]
                    return c
        return min(self._connections, key=lambda c: c.in_flight)

    async def close(self) -> None:
        connections, self._connections = self._connections, []
        for c in connections:
            await c.close()
