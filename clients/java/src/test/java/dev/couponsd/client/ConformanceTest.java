package dev.couponsd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.couponsd.client.wire.*;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conformance scenario every client runs against the real couponsd binary
 * (one shared single node): the seed example, a race for a limit, a racing
 * retry, reversals, an expiring hold, a campaign, and the error codes the
 * scenario provokes. Tokens, TLS and a leader change have their own classes.
 */
@ExtendWith(PrintServerLogOnFailure.class)
class ConformanceTest {
    static ServerProcess server;
    static CouponsClient client;
    private static final AtomicInteger SEQ = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("--hold-sweep-ms", "100");
        PrintServerLogOnFailure.register(server);
        client = CouponsClient.connect(server.addr());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    static String unique(String prefix) {
        return prefix + SEQ.incrementAndGet() + "X" + Long.toString(System.nanoTime() % 1_000_000, 36).toUpperCase();
    }

    static Order order(String customer, long amount) {
        return Order.builder().customerId(customer).amount(amount).currency("USD").build();
    }

    static RedeemRequest redeem(String code, String orderId, String customer, long amount) {
        return new RedeemRequest(code, orderId, "", order(customer, amount));
    }

    static <T extends ServerException> T refused(Class<T> type, Runnable call) {
        ServerException e = assertThrows(ServerException.class, call::run);
        return assertInstanceOf(type, e, "got " + e);
    }

    @Test
    void seedExample() {
        String code = unique("SEED");
        Coupon c = client.createCoupon(CouponSpec.builder().code(code).isPublic(true).name("20% off")
                .discountType(DiscountType.PERCENTAGE).discountValue(2000)
                .currency("USD").maxDiscountAmount(Money.parse("50.00", "USD")).build());
        assertEquals(code, c.spec().code());
        assertEquals(CouponStatus.ACTIVE, c.status());
        RedemptionReply r = client.redeem(redeem(code, "seed-order-1", "customer-123", Money.parse("150.00", "USD")));
        assertEquals("30.00", Money.format(r.redemption().discountAmount(), "USD"));
        assertEquals("120.00", Money.format(r.redemption().finalAmount(), "USD"));
        assertEquals(RedemptionStatus.PROCESSED, r.redemption().status());
        assertFalse(r.replayed());
        // The cap: 20% of 400.00 is 80.00, capped at 50.00.
        RedemptionReply capped = client.redeem(redeem(code, "seed-order-2", "customer-123", 40000));
        assertEquals(5000, capped.redemption().discountAmount());
        assertEquals(2, client.getCoupon(CouponRef.code(code)).currentUsage());
    }

    @Test
    void sixtyFourConnectionsRaceForALimitOfOneThousand() {
        String code = unique("RACE");
        client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).usageLimit(1000L).build());
        try (CouponsClient wide = CouponsClient.connect(server.addr(),
                ClientOptions.builder().poolSize(64).maxInFlight(16).build())) {
            List<CompletableFuture<RedemptionReply>> calls = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                calls.add(wide.redeemAsync(redeem(code, "race-" + i, "racer-" + i, 10000)));
            }
            int ok = 0;
            int exhausted = 0;
            for (CompletableFuture<RedemptionReply> f : calls) {
                try {
                    f.join();
                    ok++;
                } catch (CompletionException e) {
                    assertInstanceOf(ServerException.Exhausted.class, e.getCause(), "got " + e.getCause());
                    exhausted++;
                }
            }
            assertEquals(1000, ok);
            assertEquals(500, exhausted);
        }
        Coupon after = client.getCoupon(CouponRef.code(code));
        assertEquals(1000, after.currentUsage());
        assertEquals(CouponStatus.EXHAUSTED, after.status());
    }

    @Test
    void aRacingRetryOfOneOrderRedeemsOnce() {
        String code = unique("RETRY");
        client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).build());
        List<CompletableFuture<RedemptionReply>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(client.redeemAsync(redeem(code, "the-order", "shopper", 10000)));
        }
        Set<Long> ids = new HashSet<>();
        int firsts = 0;
        for (CompletableFuture<RedemptionReply> f : calls) {
            RedemptionReply r = f.join();
            ids.add(r.redemption().id());
            if (!r.replayed()) {
                firsts++;
            }
        }
        assertEquals(1, ids.size(), "one redemption");
        assertEquals(1, firsts, "one reply that was not a replay");
        assertEquals(1, client.getCoupon(CouponRef.code(code)).currentUsage());
        RedemptionPage page = client.listRedemptions(client.getCoupon(CouponRef.code(code)).id(), 0, 100);
        assertEquals(1, page.redemptions().size());
    }

    @Test
    void reverseTwiceReversesOnce() {
        String code = unique("REV");
        client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).usageLimit(5L).build());
        client.redeem(redeem(code, "rev-1", "c", 10000));
        RedemptionRef ref = RedemptionRef.order(code, "rev-1");
        RedemptionReply reversed = client.reverse(ref, "cancelled");
        assertEquals(RedemptionStatus.REVERSED, reversed.redemption().status());
        refused(ServerException.AlreadyReversed.class, () -> client.reverse(ref, "again"));
        List<Reversal> reversals = client.listReversals(ref);
        assertEquals(1, reversals.size());
        assertTrue(reversals.get(0).full());
        assertEquals(0, client.getCoupon(CouponRef.code(code)).currentUsage());
    }

    @Test
    void aHoldWithATtlExpires() throws InterruptedException {
        String code = unique("HOLD");
        client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).usageLimit(1L).build());
        RedemptionReply held = client.reserve(new ReserveRequest(code, "hold-1", 1500, order("h", 10000)));
        assertEquals(RedemptionStatus.PENDING, held.redemption().status());
        assertNotNull(held.redemption().holdExpiresAt());
        // The hold counts against the limit while it lasts.
        refused(ServerException.Exhausted.class, () -> client.redeem(redeem(code, "hold-2", "h2", 10000)));
        long deadline = System.currentTimeMillis() + 10_000;
        RedemptionStatus status;
        do {
            Thread.sleep(100);
            status = client.getRedemption(RedemptionRef.order(code, "hold-1")).redemption().status();
        } while (status == RedemptionStatus.PENDING && System.currentTimeMillis() < deadline);
        assertEquals(RedemptionStatus.EXPIRED, status);
        refused(ServerException.HoldExpired.class, () -> client.confirm(RedemptionRef.order(code, "hold-1")));
        // The use came back.
        assertEquals(RedemptionStatus.PROCESSED, client.redeem(redeem(code, "hold-3", "h3", 10000)).redemption().status());
    }

    @Test
    void holdConfirmAndRelease() {
        String code = unique("CONF");
        client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).build());
        client.reserve(new ReserveRequest(code, "o1", 60_000, order("a", 10000)));
        assertEquals(RedemptionStatus.PROCESSED, client.confirm(RedemptionRef.order(code, "o1")).redemption().status());
        client.reserve(new ReserveRequest(code, "o2", 60_000, order("b", 10000)));
        assertEquals(RedemptionStatus.RELEASED, client.release(RedemptionRef.order(code, "o2")).redemption().status());
        // Releasing a captured use is not allowed.
        refused(ServerException.InvalidState.class, () -> client.release(RedemptionRef.order(code, "o1")));
    }

    @Test
    void aCampaignGeneratedPausedAndItsCodeRefused() throws InterruptedException {
        CouponSpec template = CouponSpec.builder().name("campaign code").discountValue(1000).currency("USD")
                .usageLimit(1L).isPublic(true).build();
        Campaign campaign = client.createCampaign(CampaignSpec.builder().name(unique("Campaign"))
                .template(template).rules(GenerationRules.builder().prefix(unique("G")).build()).build());
        assertEquals(CampaignStatus.DRAFT, campaign.status());
        client.generateCodes(campaign.id(), 20, campaign.revision());
        long deadline = System.currentTimeMillis() + 30_000;
        while (client.getCampaign(campaign.id()).couponsGenerated() < 20) {
            assertTrue(System.currentTimeMillis() < deadline, "generation stalled");
            Thread.sleep(50);
        }
        CodePage codes = client.listCampaignCodes(campaign.id(), 0, 100);
        assertEquals(20, codes.codes().size());
        String code = codes.codes().get(0).code();
        client.setCampaignStatus(campaign.id(), CampaignStatus.ACTIVE);
        RedemptionReply used = client.redeem(redeem(code, "camp-1", "c1", 9000));
        assertEquals(900, used.redemption().discountAmount());
        assertEquals(8100, used.redemption().finalAmount());
        client.setCampaignStatus(campaign.id(), CampaignStatus.PAUSED);
        String other = codes.codes().get(1).code();
        refused(ServerException.CampaignInactive.class, () -> client.redeem(redeem(other, "camp-2", "c2", 9000)));
        Validation v = client.validate(other, order("c2", 9000));
        assertFalse(v.valid());
        assertEquals(ErrorCode.CAMPAIGN_INACTIVE.number, v.reason());
    }

    @Test
    void theErrorCodesTheScenarioProvokes() {
        String code = unique("ERR");
        long now = System.currentTimeMillis();
        Coupon c = client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).currency("USD")
                .minOrderAmount(5000L).usageLimitPerCustomer(1L).build());
        refused(ServerException.NotFound.class, () -> client.getCoupon(CouponRef.code(unique("NOPE"))));
        refused(ServerException.NotFound.class, () -> client.getRedemption(RedemptionRef.id(987654321L)));
        refused(ServerException.AlreadyExists.class,
                () -> client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).build()));
        ServerException bad = refused(ServerException.InvalidArgument.class,
                () -> client.createCoupon(CouponSpec.builder().code("").discountValue(1000).build()));
        assertTrue(bad.serverMessage().contains("code"), bad.serverMessage());
        refused(ServerException.Conflict.class,
                () -> client.updateCoupon(c.id(), c.revision() + 7, c.spec()));
        refused(ServerException.MinOrderNotMet.class, () -> client.redeem(redeem(code, "e1", "c1", 4999)));
        refused(ServerException.CurrencyMismatch.class, () -> client.redeem(new RedeemRequest(code, "e2", "",
                Order.builder().customerId("c1").amount(9000).currency("EUR").build())));
        client.redeem(redeem(code, "e3", "c1", 9000));
        refused(ServerException.CustomerLimit.class, () -> client.redeem(redeem(code, "e4", "c1", 9000)));
        // The same order with other details is a conflict, not a replay.
        refused(ServerException.Conflict.class, () -> client.redeem(redeem(code, "e3", "c1", 9500)));
        Coupon suspended = client.updateCoupon(c.id(), 0, c.spec().toBuilder().status(AdminStatus.INACTIVE).build());
        assertEquals(CouponStatus.INACTIVE, suspended.status());
        refused(ServerException.Inactive.class, () -> client.redeem(redeem(code, "e5", "c2", 9000)));

        String past = unique("PAST");
        client.createCoupon(CouponSpec.builder().code(past).isPublic(true).discountValue(1000)
                .startsAt(now - 7_200_000L).endsAt(now - 3_600_000L).build());
        refused(ServerException.Expired.class, () -> client.redeem(redeem(past, "e6", "c", 9000)));
        String future = unique("SOON");
        client.createCoupon(CouponSpec.builder().code(future).isPublic(true).discountValue(1000)
                .startsAt(now + 3_600_000L).build());
        refused(ServerException.NotStarted.class, () -> client.redeem(redeem(future, "e7", "c", 9000)));
        String gone = unique("GONE");
        Coupon g = client.createCoupon(CouponSpec.builder().code(gone).isPublic(true).discountValue(1000).build());
        client.deleteCoupon(g.id());
        refused(ServerException.NotFound.class, () -> client.getCoupon(CouponRef.id(g.id())));
    }

    @Test
    void aRequestOverTheFrameLimitIsNotSent() {
        List<String> many = new ArrayList<>();
        String segment = "s".repeat(60_000);
        for (int i = 0; i < 20; i++) {
            many.add(segment);
        }
        CouponSpec huge = CouponSpec.builder().code(unique("BIG")).discountValue(1000).customerSegments(many).build();
        assertThrows(FrameTooLargeException.class, () -> client.createCoupon(huge));
        // The connection is still fine.
        assertTrue(client.ping() > 0);
    }

    @Test
    void everyReadOpcodeAnswers() {
        String listed = unique("LIST");
        client.createCoupon(CouponSpec.builder().code(listed).isPublic(true).discountValue(1000).build());
        ServerInfo info = client.serverInfo();
        assertEquals(NodeRole.LEADER, info.role());
        assertTrue(info.coupons() >= 1);
        assertEquals(1, client.serverHello().version());
        assertTrue(client.serverHello().maxInFlight() > 0);
        assertTrue(client.digest().entries() > 0);
        ClusterStatus status = client.clusterStatus();
        assertEquals(NodeRole.LEADER, status.role());
        assertEquals(1, status.members().size());
        CouponPage page = client.listCoupons(0, 1000);
        assertTrue(page.coupons().stream().anyMatch(c -> c.spec().code().equals(listed)));
        assertEquals(0, client.fraudModel().outcomes());
        long now = System.currentTimeMillis();
        FraudReport report = client.fraudReport(0, now);
        assertEquals(0, report.from());
        assertEquals(now, report.to());
        assertTrue(client.analyticsOverview().coupons() >= 1);
        EventBatch events = client.events(new EventsSubscribeRequest(0, EventType.COUPON_CREATED.bit(), 0, 0, 10));
        assertFalse(events.events().isEmpty());
        assertTrue(events.events().stream().allMatch(e -> e.eventType() == EventType.COUPON_CREATED));
        assertTrue(client.listWebhooks().isEmpty());
        String code = unique("MULTI");
        client.createCoupon(CouponSpec.builder().code(code).isPublic(true).discountValue(1000).isPublic(true).build());
        OrderRedemption or = client.orderRedeem(new OrderRedeemRequest(List.of(code), OrderMode.ALL_OR_NOTHING,
                "multi-1", "", order("m", 10000)));
        assertEquals(1000, or.totals().discountAmount());
        assertEquals(1, or.redemptions().size());
        assertEquals(1, client.orderReverse("multi-1", "cancel").redemptions().size());
        Qualification q = client.qualify(10, order("m2", 10000));
        assertNotNull(q.bestTotals());
        CouponAnalytics a = client.analyticsCoupon(CouponRef.code(code));
        assertEquals(code, a.code());
    }
}
