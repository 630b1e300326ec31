package dev.couponsd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.couponsd.client.wire.Codec;
import dev.couponsd.client.wire.CouponSpec;
import dev.couponsd.client.wire.ErrorBody;
import dev.couponsd.client.wire.Frame;
import dev.couponsd.client.wire.Opcode;
import dev.couponsd.client.wire.PingRequest;
import dev.couponsd.client.wire.Pong;
import dev.couponsd.client.wire.WireWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Timeouts, cancellation, bad bytes from the network, and leader following,
 * against scripted fake servers: whatever arrives, a call ends with a typed
 * error, never a crash or a hang.
 */
@Timeout(30)
class ConnectionBehaviourTest {
    static byte[] pong(long ms) {
        return Codec.encode(new Pong(ms));
    }

    static byte[] error(String message, String leader) {
        WireWriter w = new WireWriter(32);
        w.str(message);
        w.str(leader);
        return w.toByteArray();
    }

    static ClientOptions quick() {
        return ClientOptions.builder().requestTimeoutMs(500).connectTimeoutMs(2000).poolSize(1).build();
    }

    @Test
    void aReplyThatNeverComesTimesOut() throws Exception {
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> {
            while (true) {
                c.read(); // never answers
            }
        }); CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            long start = System.nanoTime();
            assertThrows(RequestTimeoutException.class, client::ping);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 450 && ms < 5000, "timed out after " + ms + " ms");
        }
    }

    @Test
    void aCancelledRequestFreesItsSlot() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> {
            c.read(); // the first request: never answered
            first.countDown();
            Frame second = c.read();
            c.reply(second, 0, pong(42));
            while (true) {
                c.read();
            }
        }); CouponsClient client = CouponsClient.connect(fake.addr(),
                ClientOptions.builder().maxInFlight(1).poolSize(1).requestTimeoutMs(5000).build())) {
            CompletableFuture<Pong> stuck = client.callAsync(new PingRequest());
            assertTrue(first.await(5, TimeUnit.SECONDS));
            assertTrue(stuck.cancel(true));
            // With one slot per connection, this only goes out if the cancel gave it back.
            assertEquals(42, client.ping());
        }
    }

    @Test
    void aBadChecksumIsAProtocolErrorNotAHang() throws Exception {
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> {
            Frame req = c.read();
            byte[] bytes = Frame.encode(req.requestId(), req.opcode(), 0, pong(1));
            bytes[bytes.length - 1] ^= 1;
            c.send(bytes);
            c.read();
        }); CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            CouponsException e = assertThrows(CouponsException.class, client::ping);
            assertInstanceOf(ProtocolException.class, e, e.toString());
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        }
    }

    @Test
    void aFrameOverTheAnnouncedMaximumIsRefusedUnread() throws Exception {
        try (FakeServer fake = new FakeServer(4096, 256, c -> {
            Frame req = c.read();
            c.send(Frame.encode(req.requestId(), req.opcode(), 0, new byte[10_000]));
            c.read();
        }); CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            CouponsException e = assertThrows(ProtocolException.class, client::ping);
            assertTrue(e.getMessage().contains("over the maximum"), e.getMessage());
        }
    }

    @Test
    void aShortBodyUnknownStatusAndTrailingBytes() throws Exception {
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> {
            Frame a = c.read();
            c.reply(a, 0, new byte[3]); // a PONG needs 8 bytes
            Frame b = c.read();
            c.reply(b, 999, error("from a newer server", ""));
            Frame d = c.read();
            byte[] longer = new byte[12];
            System.arraycopy(pong(7), 0, longer, 0, 8);
            c.reply(d, 0, longer); // bytes after the last known field are ignored
            while (true) {
                c.read();
            }
        }); CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            assertThrows(ProtocolException.class, client::ping);
            ServerException unknown = assertThrows(ServerException.class, client::ping);
            assertInstanceOf(ServerException.Unknown.class, unknown);
            assertEquals(999, unknown.status());
            assertEquals("from a newer server", unknown.serverMessage());
            // The connection survived both: a body that does not decode is not a framing error.
            assertEquals(7, client.ping());
        }
    }

    @Test
    void aConnectionLevelErrorReachesEveryWaitingRequest() throws Exception {
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> {
            c.read();
            c.read();
            c.send(Frame.encode(0, 0, ErrorCode.BUSY.number, error("too many connections", "")));
        }); CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            CompletableFuture<Pong> a = client.callAsync(new PingRequest());
            CompletableFuture<Pong> b = client.callAsync(new PingRequest());
            for (CompletableFuture<Pong> f : List.of(a, b)) {
                CompletionException e = assertThrows(CompletionException.class, f::join);
                assertInstanceOf(ServerException.Busy.class, e.getCause());
            }
        }
    }

    @Test
    void aDroppedConnectionFailsTheRequestInFlight() throws Exception {
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> c.read());
             CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            assertThrows(ConnectionException.class, client::ping);
        }
    }

    @Test
    void notLeaderIsFollowedToTheLeaderItNames() throws Exception {
        try (FakeServer leader = new FakeServer(1 << 20, 256, c -> {
            while (true) {
                Frame f = c.read();
                c.reply(f, 0, pong(99));
            }
        }); FakeServer follower = new FakeServer(1 << 20, 256, c -> {
            while (true) {
                Frame f = c.read();
                c.reply(f, ErrorCode.NOT_LEADER.number, error("not the leader", leader.addr()));
            }
        }); CouponsClient client = CouponsClient.connect(follower.addr(), quick())) {
            assertEquals(99, client.ping());
            assertEquals(leader.addr(), client.currentNode());
            // Without following, NOT_LEADER is the caller's, with the leader's address.
            try (CouponsClient stay = CouponsClient.connect(follower.addr(),
                    ClientOptions.builder().followLeader(false).build())) {
                ServerException e = assertThrows(ServerException.class, stay::ping);
                assertInstanceOf(ServerException.NotLeader.class, e);
                assertEquals(leader.addr(), e.leader());
            }
        }
    }

    @Test
    void onlyWhatIsSafeToRepeatIsRetriedElsewhere() throws Exception {
        try (FakeServer dropper = new FakeServer(1 << 20, 256, c -> c.read());
             FakeServer healthy = new FakeServer(1 << 20, 256, c -> {
                 while (true) {
                     Frame f = c.read();
                     c.reply(f, 0, pong(5));
                 }
             });
             CouponsClient client = CouponsClient.connect(List.of(dropper.addr(), healthy.addr()),
                     ClientOptions.builder().requestTimeoutMs(2000).failoverTimeoutMs(5000).poolSize(1).build())) {
            // PING is a read: lost on the first node, it is sent again to the next.
            assertEquals(5, client.ping());
            // COUPON_CREATE lost in flight has an unknown outcome: never repeated.
            try (CouponsClient create = CouponsClient.connect(List.of(dropper.addr(), healthy.addr()),
                    ClientOptions.builder().requestTimeoutMs(2000).failoverTimeoutMs(5000).poolSize(1).build())) {
                assertThrows(ConnectionException.class,
                        () -> create.createCoupon(CouponSpec.builder().code("ONCE").discountValue(1).build()));
            }
            assertTrue(healthy.seen.stream().noneMatch(f -> f.opcode() == Opcode.COUPON_CREATE.code),
                    "a create was repeated on another node");
            assertTrue(dropper.seen.stream().anyMatch(f -> f.opcode() == Opcode.COUPON_CREATE.code));
        }
    }

    @Test
    void neverMoreInFlightThanTheServerAllows() throws Exception {
        java.util.concurrent.atomic.AtomicInteger extraBytesAtLimit = new java.util.concurrent.atomic.AtomicInteger(-1);
        try (FakeServer fake = new FakeServer(1 << 20, 2, c -> {
            Frame a = c.read();
            Frame b = c.read();
            Thread.sleep(300);
            // Two are in flight, the server's max_in_flight: nothing more may come yet.
            extraBytesAtLimit.set(c.in.available());
            c.reply(a, 0, pong(1));
            c.reply(b, 0, pong(1));
            while (true) {
                c.reply(c.read(), 0, pong(1));
            }
        }); CouponsClient client = CouponsClient.connect(fake.addr(),
                ClientOptions.builder().poolSize(1).maxInFlight(100).build())) {
            assertEquals(2, client.serverHello().maxInFlight());
            List<CompletableFuture<Pong>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(client.callAsync(new PingRequest()));
            }
            for (CompletableFuture<Pong> f : calls) {
                assertEquals(1, f.join().serverTimeMs());
            }
            assertEquals(0, extraBytesAtLimit.get(), "a third request was sent while two were in flight");
        }
    }

    @Test
    void aNullFieldIsTheCallersErrorAndTheConnectionGoesOn() throws Exception {
        try (FakeServer fake = new FakeServer(1 << 20, 256, c -> {
            while (true) {
                Frame f = c.read();
                c.reply(f, 0, pong(3));
            }
        }); CouponsClient client = CouponsClient.connect(fake.addr(), quick())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> client.validate(null, dev.couponsd.client.wire.Order.builder().build()));
            assertTrue(e.getMessage().contains("ValidateRequest.code"), e.getMessage());
            assertEquals(3, client.ping());
        }
    }

    @Test
    void theErrorBodyIsDecodedLeniently() {
        assertEquals(new ErrorBody("", ""), ErrorBody.decode(new byte[] {0}));
        assertEquals(new ErrorBody("hi", ""), ErrorBody.decode(new byte[] {0, 2, 'h', 'i', 0}));
    }
}
