"""Every method of the client against the real couponsd: each opcode's request
is accepted and its real reply decodes (the vectors check the bytes; this
checks the server agrees)."""

from __future__ import annotations

import pytest

from couponsd import (CampaignSpec, CampaignStatus, CampaignType, CouponSpec, DeliveryStatus,
                      DistributionMethod, FraudLabel, NodeRole, OrderMode, Recipient, RedemptionRef,
                      RedemptionStatus, SyncClient, errors)
from couponsd.campaign import DistributionStrategy
from couponsd.enums import EventType
from helpers import order, percent_coupon, run, unique_code, eventually
from servers import Server


def test_server_and_cluster_reads(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        assert client.ping() > 1_700_000_000_000
        info = client.server_info()
        assert info.role == NodeRole.LEADER and info.writes_failing_since_ms == 0
        digest = client.digest()
        assert digest.lsn == client.server_info().lsn
        status = client.cluster_status()
        assert status.role == NodeRole.LEADER and len(status.members) == 1
        with pytest.raises(errors.ServerError):
            client.cluster_remove(99)


def test_coupon_and_redemption_opcodes(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        code = unique_code("ALL")
        coupon = client.create_coupon(percent_coupon(code, 1000, usage_limit=10))
        spec = coupon.spec
        spec.name = "renamed"
        updated = client.update_coupon(coupon.id, spec, expected_revision=coupon.revision)
        assert updated.revision == coupon.revision + 1 and updated.spec.name == "renamed"
        page, _ = client.list_coupons(after_id=coupon.id - 1, limit=1)
        assert [c.id for c in page] == [coupon.id]

        hold = client.reserve(code, "held", order("a", 10_000), ttl_ms=60_000)
        assert hold.redemption.status == RedemptionStatus.PENDING and hold.remaining_uses == 9
        confirmed = client.confirm(RedemptionRef.by_order(code, "held"))
        assert confirmed.redemption.status == RedemptionStatus.PROCESSED
        client.reserve(code, "released", order("b", 10_000))
        released = client.release(RedemptionRef.by_order(code, "released"))
        assert released.redemption.status == RedemptionStatus.RELEASED
        redeemed = client.redeem(code, "refunded", order("c", 10_000), transaction_id="tx-1")
        refund = client.refund(redeemed.redemption.id, 4_500, refund_id="refund-1", reason="one item back")
        assert refund.redemption.status == RedemptionStatus.PROCESSED
        again = client.refund(redeemed.redemption.id, 4_500, refund_id="refund-1", reason="one item back")
        assert again.replayed
        reversals = client.list_reversals(redeemed.redemption.id)
        assert len(reversals) == 1 and reversals[0].refund_amount == 4_500 and not reversals[0].full
        got = client.get_redemption(redeemed.redemption.id)
        assert got.redemption.transaction_id == "tx-1"
        redemptions, _ = client.list_redemptions(coupon.id)
        assert {r.order_id for r in redemptions} == {"held", "released", "refunded"}

        model = client.fraud_outcome(redeemed.redemption.id, FraudLabel.LEGIT)
        assert model.outcomes >= 1 and model.weights
        assert client.fraud_model().outcomes == model.outcomes
        report = client.fraud_report(0, 4_000_000_000_000)
        assert report.attempts >= 3 and report.patterns

        analytics = client.analytics_coupon(code)
        assert analytics.coupon_id == coupon.id and analytics.metrics.total_redemptions == 2
        assert client.analytics_overview().coupons >= 1

        batch = client.events(0, coupon_id=coupon.id, max_batch=100)
        types = [e.event_type for e in batch.events]
        assert EventType.COUPON_CREATED in types and EventType.REDEMPTION_REVERSED in types


def test_order_opcodes(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        a, b = unique_code("ORDA"), unique_code("ORDB")
        client.create_coupon(percent_coupon(a, 1000))
        client.create_coupon(percent_coupon(b, 500))
        cart = order("shopper", 10_000)
        judged = client.order_validate([a, b], cart, mode=OrderMode.BEST_EFFORT)
        assert judged.totals.original_amount == 10_000 and judged.totals.discount_amount > 0
        redeemed = client.order_redeem([a, b], "multi-1", cart, mode=OrderMode.BEST_EFFORT)
        assert len(redeemed.redemptions) == sum(c.applied for c in redeemed.codes) >= 1
        reversed_ = client.order_reverse("multi-1", reason="cancelled")
        assert all(r.status == RedemptionStatus.REVERSED for r in reversed_.redemptions)
        held = client.order_reserve([a], "multi-2", cart, ttl_ms=60_000)
        assert held.redemptions[0].status == RedemptionStatus.PENDING
        assert client.order_confirm("multi-2").redemptions[0].status == RedemptionStatus.PROCESSED
        client.order_reserve([b], "multi-3", cart)
        assert client.order_release("multi-3").redemptions[0].status == RedemptionStatus.RELEASED
        qualification = client.qualify(cart, limit=10)
        assert qualification.candidates_evaluated >= 2 and qualification.best
        assert qualification.best_totals.original_amount == 10_000


def test_campaign_distribution_and_webhook_opcodes(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        template = CouponSpec(name="personal", discount_value=1500, currency="USD", usage_limit=1, is_public=True)
        spec = CampaignSpec(name=unique_code("personal"), campaign_type=CampaignType.PERSONALIZED,
                            template=template, distribution=DistributionStrategy(method=DistributionMethod.MANUAL))
        campaign = client.create_campaign(spec)
        spec.description = "updated"
        campaign = client.update_campaign(campaign.id, spec, expected_revision=campaign.revision)
        assert campaign.spec.description == "updated"
        campaigns, _ = client.list_campaigns(after_id=campaign.id - 1, limit=1)
        assert [c.id for c in campaigns] == [campaign.id]
        assigned = client.assign_codes(campaign.id, ["ann", "bob"])
        assert [a.customer_id for a in assigned] == ["ann", "bob"] and all(a.created for a in assigned)
        assert client.assign_codes(campaign.id, ["ann"])[0].code == assigned[0].code  # idempotent
        client.set_campaign_status(campaign.id, CampaignStatus.ACTIVE)
        entries = client.distribute(campaign.id, [Recipient(customer_id="ann"), Recipient(customer_id="cy")])
        assert entries[0].code == assigned[0].code and entries[1].created

        async def sent() -> bool | None:
            from couponsd import Client
            async with await Client.connect(server.addr) as c:
                status = await c.distribution_status(campaign.id)
                return True if status.sent == 2 else None
        run(eventually(sent, 20, "the MANUAL entries marked SENT"))
        bounced = client.distribution_report(campaign.id, "ann", DeliveryStatus.BOUNCED, "mailbox full")
        assert bounced[0].status == DeliveryStatus.BOUNCED
        status = client.distribution_status(campaign.id)
        assert (status.total, status.bounced) == (2, 1)
        analytics = client.analytics_campaign(campaign.id)
        assert analytics.campaign_id == campaign.id and analytics.coupons_bounced == 1
        codes, _ = client.list_campaign_codes(campaign.id)
        assert {c.code for c in codes} >= {a.code for a in assigned}

        draft = client.create_campaign(CampaignSpec(name=unique_code("draft"), template=template))
        client.delete_campaign(draft.id)
        with pytest.raises(errors.NotFoundError):
            client.get_campaign(draft.id)

        added = client.webhook_add("http://127.0.0.1:9/hook", types=0, description="test endpoint")
        assert added.secret
        hooks = client.webhook_list()
        assert [h.id for h in hooks if h.id == added.id] == [added.id]
        assert client.webhook_enable(added.id).enabled
        assert all(d.event_id > 0 for d in client.webhook_deliveries(added.id))
        client.webhook_remove(added.id)
        assert all(h.id != added.id for h in client.webhook_list())


def test_backup_opcodes(server: Server) -> None:
    with SyncClient.connect(server.addr) as client:
        header = client.backup_begin(digest=True)
        assert header.lsn > 0
        parts = 0
        while (part := client.backup_part(parts)) is not None:
            assert part
            parts += 1
        end = client.backup_end()
        assert end.parts == parts and end.digest is not None and end.digest.lsn == end.lsn
        client.backup_begin()
        client.backup_abort()
        with pytest.raises(errors.InvalidStateError):
            client.backup_part(0)
