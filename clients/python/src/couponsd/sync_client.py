"""The blocking client: the asyncio ``Client`` run on an event loop in a
background thread, with the same methods (each blocks until its reply).
Safe to call from many threads at once: their requests are pipelined.

    with SyncClient.connect("127.0.0.1:7878") as client:
        print(client.ping())
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from typing import Any, Callable, Coroutine, Sequence, TypeVar

from .client import Client
from .options import ClientOptions

T = TypeVar("T")


class SyncClient:
    """Blocking twin of ``Client``; every public coroutine method of ``Client``
    is a blocking method here, with the same arguments and documentation."""

    def __init__(self, client: Client, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self._client = client
        self._loop = loop
        self._thread = thread

    @classmethod
    def connect(cls, addresses: str | Sequence[str], options: ClientOptions | None = None,
                **option_fields: Any) -> "SyncClient":
        """Connects as ``Client.connect`` does, on a loop thread of its own."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="couponsd-client", daemon=True)
        thread.start()
        try:
            client = asyncio.run_coroutine_threadsafe(
                Client.connect(addresses, options, **option_fields), loop).result()
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
            raise
        return cls(client, loop, thread)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # a KeyboardInterrupt cancels the call on the loop too
            raise

    @property
    def target(self) -> str:
        """The address requests go to now."""
        return self._client.target

    def close(self) -> None:
        """Closes the connections and stops the loop thread."""
        if self._loop.is_closed():
            return
        self._run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> "SyncClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _blocking(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: SyncClient, *args: Any, **kwargs: Any) -> Any:
        return self._run(getattr(self._client, name)(*args, **kwargs))
    return call


for _name, _method in inspect.getmembers(Client, inspect.iscoroutinefunction):
    if not _name.startswith("_") and _name not in ("connect", "close"):
        setattr(SyncClient, _name, _blocking(_name, _method))
