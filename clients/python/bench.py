"""Redeem throughput through this library: CONNECTIONS connections, IN_FLIGHT
requests in flight on each, for DURATION_MS; every request a unique order id.
Prints one JSON line: {"client":"python","redeems":N,"seconds":S,"per_second":R}."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from couponsd import Client, ClientOptions, Order, errors  # noqa: E402

CUSTOMERS = 10_000


async def bench(addr: str, code: str, connections: int, in_flight: int, duration_ms: int, token: str) -> dict:
    options = ClientOptions(token=token, client_name="couponsd-python-bench", max_in_flight=in_flight)
    clients = await asyncio.gather(*(Client.connect(addr, options) for _ in range(connections)))
    run_id = f"{os.getpid()}-{time.time_ns()}"
    redeems = 0
    failures = 0
    deadline = 0.0

    async def worker(client: Client, worker_id: int) -> None:
        nonlocal redeems, failures
        n = 0
        while time.monotonic() < deadline:
            n += 1
            order_id = f"py-{run_id}-{worker_id}-{n}"
            customer = f"customer-{(worker_id * 7919 + n) % CUSTOMERS}"
            try:
                await client.redeem(code, order_id, Order(customer_id=customer, amount=15_000, currency="USD"))
                redeems += 1
            except errors.ServerError:
                failures += 1

    start = time.monotonic()
    deadline = start + duration_ms / 1000
    await asyncio.gather(*(worker(client, c * in_flight + i)
                           for c, client in enumerate(clients) for i in range(in_flight)))
    seconds = time.monotonic() - start
    for client in clients:
        await client.close()
    if failures:
        print(f"{failures} redeems failed", file=sys.stderr)
    return {"client": "python", "redeems": redeems, "seconds": round(seconds, 3),
            "per_second": int(redeems / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", required=True)
    parser.add_argument("--code", required=True, help="a coupon without usage limit")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--duration-ms", type=int, default=5000)
    args = parser.parse_args()
    token = os.environ.get("COUPONSD_TOKEN", "")
    result = asyncio.run(bench(args.addr, args.code, args.connections, args.in_flight, args.duration_ms, token))
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
