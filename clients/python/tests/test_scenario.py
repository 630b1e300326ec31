"""The conformance scenario every client runs against the real couponsd:
the seed example, 64 connections racing for a limit of 1000, a racing retry
of one order, reverse twice, a hold that expires, a campaign generated,
paused and its code refused, and the error codes these provoke."""

from __future__ import annotations

import asyncio

import pytest

from couponsd import (CampaignSpec, CampaignStatus, Client, CouponRef, CouponSpec, DiscountType,
                      GenerationRules, RedemptionRef, RedemptionStatus, SyncClient, errors, money)
from couponsd.messages import Request
from helpers import eventually, order, percent_coupon, run, unique_code
from servers import Server


def test_seed_example_20_percent_of_150_capped_at_50_gives_30(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        code = unique_code("SEED")
        client.create_coupon(percent_coupon(code, 2000, max_discount_amount=money.parse("50.00", "USD")))
        reply = client.redeem(code, "seed-order", order("seed-customer", money.parse("150.00", "USD")))
        assert money.format(reply.redemption.discount_amount, "USD") == "30.00"
        assert money.format(reply.redemption.final_amount, "USD") == "120.00"
        assert reply.redemption.status == RedemptionStatus.PROCESSED
        assert reply.replayed is False


def test_64_connections_racing_for_a_limit_of_1000_get_exactly_1000(server: Server) -> None:
    code = unique_code("RACE")

    async def scenario() -> tuple[int, int]:
        admin = await Client.connect(server.addr)
        await admin.create_coupon(percent_coupon(code, 1000, usage_limit=1000))
        clients = [await Client.connect(server.addr) for _ in range(64)]
        refused = 0

        async def worker(i: int, client: Client) -> int:
            nonlocal refused
            won = 0
            for n in range(10_000):
                try:
                    await client.redeem(code, f"race-{i}-{n}", order(f"customer-{i}-{n}", 10_000))
                    won += 1
                except errors.ExhaustedError:
                    refused += 1
                    return won
            raise AssertionError("never exhausted")

        won = sum(await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients))))
        coupon = await admin.get_coupon(code)
        for c in clients:
            await c.close()
        await admin.close()
        assert refused == 64
        return won, coupon.current_usage

    won, usage = run(scenario(), timeout_s=110)
    assert won == 1000
    assert usage == 1000


def test_a_racing_retry_of_one_order_redeems_once(server: Server) -> None:
    code = unique_code("RETRY")

    async def scenario() -> None:
        admin = await Client.connect(server.addr)
        coupon = await admin.create_coupon(percent_coupon(code, 1000))
        clients = [await Client.connect(server.addr) for _ in range(16)]
        replies = await asyncio.gather(*(c.redeem(code, "one-order", order("shopper", 5000)) for c in clients))
        assert len({r.redemption.id for r in replies}) == 1
        assert sum(not r.replayed for r in replies) == 1
        redemptions, _ = await admin.list_redemptions(coupon.id)
        assert len(redemptions) == 1
        assert (await admin.get_coupon(coupon.id)).current_usage == 1
        # The same order with other details is a CONFLICT, not a second use.
        with pytest.raises(errors.ConflictError):
            await admin.redeem(code, "one-order", order("shopper", 9999))
        for c in clients:
            await c.close()
        await admin.close()

    run(scenario())


def test_reverse_twice_gives_one_reversal(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        code = unique_code("REV")
        client.create_coupon(percent_coupon(code, 1000, usage_limit=5))
        redeemed = client.redeem(code, "rev-order", order("c", 10_000))
        ref = RedemptionRef.by_order(code, "rev-order")
        first = client.reverse(ref, reason="returned")
        assert first.redemption.status == RedemptionStatus.REVERSED
        with pytest.raises(errors.AlreadyReversedError) as refused:
            client.reverse(redeemed.redemption.id, reason="returned again")
        assert refused.value.code == 26 and refused.value.message
        assert len(client.list_reversals(ref)) == 1
        assert client.get_coupon(code).current_usage == 0


def test_a_hold_with_a_ttl_expires(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        code = unique_code("HOLD")
        client.create_coupon(percent_coupon(code, 1000, usage_limit=1))
        hold = client.reserve(code, "hold-order", order("c", 10_000), ttl_ms=300)
        assert hold.redemption.status == RedemptionStatus.PENDING
        assert hold.redemption.hold_expires_at is not None
        with pytest.raises(errors.ExhaustedError):
            client.redeem(code, "other-order", order("d", 10_000))  # the hold counts

        async def expired() -> None:
            async with await Client.connect(server.addr) as c:
                async def check() -> bool | None:
                    r = await c.get_redemption(RedemptionRef.by_order(code, "hold-order"))
                    return True if r.redemption.status == RedemptionStatus.EXPIRED else None
                await eventually(check, 10, "the hold expiring")
        run(expired())
        with pytest.raises(errors.HoldExpiredError):
            client.confirm(RedemptionRef.by_order(code, "hold-order"))
        assert client.get_coupon(code).reserved_uses == 0
        client.redeem(code, "other-order", order("d", 10_000))  # the use came back


def test_a_campaign_generated_paused_and_its_code_refused(server: Server) -> None:
    async def scenario() -> None:
        async with await Client.connect(server.addr) as client:
            template = CouponSpec(name="campaign code", discount_value=1000, currency="USD", usage_limit=1,
                                  is_public=True)
            spec = CampaignSpec(name=unique_code("camp"), template=template,
                                rules=GenerationRules(prefix=unique_code("PY") + "-"))
            campaign = await client.create_campaign(spec)
            assert campaign.status == CampaignStatus.DRAFT
            campaign = await client.generate_codes(campaign.id, 5, expected_revision=campaign.revision)

            async def generated() -> int | None:
                c = await client.get_campaign(campaign.id)
                return c.coupons_generated if c.coupons_generated >= 5 else None
            assert await eventually(generated, 60, "5 codes generated") == 5
            codes, _ = await client.list_campaign_codes(campaign.id)
            assert len(codes) == 5
            with pytest.raises(errors.CampaignInactiveError):
                await client.redeem(codes[0].code, "draft-order", order("c", 10_000))
            await client.set_campaign_status(campaign.id, CampaignStatus.ACTIVE)
            first = await client.redeem(codes[0].code, "camp-order-1", order("c1", 10_000))
            assert first.redemption.discount_amount == 1000
            paused = await client.set_campaign_status(campaign.id, CampaignStatus.PAUSED)
            assert paused.status == CampaignStatus.PAUSED
            with pytest.raises(errors.CampaignInactiveError):
                await client.redeem(codes[1].code, "camp-order-2", order("c2", 10_000))
            assert (await client.get_campaign(campaign.id)).redemptions == 1

    run(scenario(), timeout_s=90)


class UnknownOpcodeRequest(Request):
    """A request with an opcode no server knows."""

    OPCODE = 0x7ABC
    REPLY = None

    def encode_body(self) -> bytes:
        return b""


class TruncatedRedeemRequest(Request):
    """A REDEEM whose body ends inside its first field."""

    OPCODE = 0x0021
    REPLY = None

    def encode_body(self) -> bytes:
        return b"\x00\x10AB"


def test_each_error_the_scenario_provokes_is_typed(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        code = unique_code("ERR")
        created = client.create_coupon(percent_coupon(code, 1000, usage_limit=1, usage_limit_per_customer=1,
                                                      min_order_amount=5000))
        cases: list[tuple[type[errors.ServerError], object]] = [
            (errors.NotFoundError, lambda: client.get_coupon("NO-SUCH-CODE")),
            (errors.AlreadyExistsError, lambda: client.create_coupon(percent_coupon(code, 1000))),
            (errors.InvalidArgumentError, lambda: client.create_coupon(percent_coupon("", 1000))),
            (errors.ConflictError, lambda: client.update_coupon(created.id, created.spec, expected_revision=99)),
            (errors.MinOrderNotMetError, lambda: client.redeem(code, "small", order("a", 100))),
            (errors.CurrencyMismatchError, lambda: client.redeem(code, "eur", order("a", 10_000, "EUR"))),
        ]
        for error_class, call in cases:
            with pytest.raises(error_class) as caught:
                call()  # type: ignore[operator]
            assert caught.value.code == error_class.code and caught.value.message, error_class

        client.redeem(code, "first", order("a", 10_000))
        with pytest.raises(errors.InvalidStateError):
            client.release(RedemptionRef.by_order(code, "first"))  # a captured use is not a hold
        with pytest.raises(errors.ExhaustedError):
            client.redeem(code, "second", order("b", 10_000))

        per_customer = unique_code("PERCUST")
        client.create_coupon(percent_coupon(per_customer, 1000, usage_limit_per_customer=1))
        client.redeem(per_customer, "p1", order("same", 10_000))
        with pytest.raises(errors.CustomerLimitError):
            client.redeem(per_customer, "p2", order("same", 10_000))

        later = unique_code("LATER")
        client.create_coupon(percent_coupon(later, 1000, starts_at=4_000_000_000_000))
        with pytest.raises(errors.NotStartedError):
            client.redeem(later, "l1", order("a", 10_000))
        ended = unique_code("ENDED")
        client.create_coupon(percent_coupon(ended, 1000, starts_at=1_000, ends_at=2_000))
        with pytest.raises(errors.ExpiredError):
            client.redeem(ended, "e1", order("a", 10_000))
        from couponsd import AdminStatus
        inactive = unique_code("OFF")
        client.create_coupon(percent_coupon(inactive, 1000, status=AdminStatus.INACTIVE))
        with pytest.raises(errors.InactiveError):
            client.redeem(inactive, "i1", order("a", 10_000))
        fixed = unique_code("FIX")
        coupon = client.create_coupon(CouponSpec(code=fixed, discount_type=DiscountType.FIXED,
                                                 discount_value=money.parse("5.00", "USD"), currency="USD"))
        assert client.validate(fixed, order("a", 10_000)).discount_amount == 500
        client.delete_coupon(coupon.id)
        with pytest.raises(errors.NotFoundError):
            client.get_coupon(CouponRef.by_id(coupon.id))

    async def raw_errors() -> None:
        async with await Client.connect(server.addr) as client:
            with pytest.raises(errors.UnknownOpcodeError):
                await client.call(UnknownOpcodeRequest())
            with pytest.raises(errors.MalformedFrameError):
                await client.call(TruncatedRedeemRequest())
            assert await client.ping() > 0  # both leave the connection open
    run(raw_errors())
