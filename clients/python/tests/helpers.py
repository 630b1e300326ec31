"""Small helpers shared by the tests against a real server."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Awaitable, Callable, TypeVar

from couponsd import CouponSpec, Order, SecuritySettings

T = TypeVar("T")
_codes = itertools.count(1)


def unique_code(prefix: str) -> str:
    """A code no other test of the run uses (tests share one server per module)."""
    return f"{prefix}{next(_codes)}"


def percent_coupon(code: str, basis_points: int, **fields: Any) -> CouponSpec:
    """A public USD percentage coupon without velocity checks (tests redeem often)."""
    return CouponSpec(code=code, name=f"{code} test coupon", discount_value=basis_points, currency="USD",
                      is_public=True, security=SecuritySettings(velocity_checks=False), **fields)


def order(customer: str, amount_minor: int, currency: str = "USD") -> Order:
    return Order(customer_id=customer, amount=amount_minor, currency=currency)


def run(coroutine: Awaitable[T], timeout_s: float = 60.0) -> T:
    """Runs a coroutine on a fresh event loop, bounded in time."""
    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout_s)
    return asyncio.run(bounded())


async def eventually(check: Callable[[], Awaitable[T | None]], timeout_s: float, what: str) -> T:
    """Polls ``check`` until it returns something other than None."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = await check()
        if result is not None:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        await asyncio.sleep(0.05)
