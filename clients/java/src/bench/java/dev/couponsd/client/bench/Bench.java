package dev.couponsd.client.bench;

import dev.couponsd.client.ClientOptions;
import dev.couponsd.client.CouponsClient;
import dev.couponsd.client.wire.Order;
import dev.couponsd.client.wire.RedeemRequest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Redeem throughput through the library: {@code connections} pooled
 * connections with {@code inFlight} requests each, every request a new order
 * id, for {@code durationMs} after a short JIT warm-up. Prints one JSON line.
 */
public final class Bench {
    private final CouponsClient client;
    private final String code;
    private final String run = Long.toString(System.nanoTime(), 36);
    private final AtomicLong orders = new AtomicLong();
    private final AtomicLong redeems = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile long stopAtNanos;
    private volatile boolean counting;
    private CountDownLatch done;

    private Bench(CouponsClient client, String code) {
        this.client = client;
        this.code = code;
    }

    public static void main(String[] args) throws InterruptedException {
        String addr = "127.0.0.1:7878";
        String code = null;
        String token = System.getenv().getOrDefault("COUPONSD_TOKEN", "");
        int connections = 64;
        int inFlight = 16;
        long durationMs = 5000;
        long warmupMs = 1000;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--addr" -> addr = v;
                case "--code" -> code = v;
                case "--token" -> token = v;
                case "--connections" -> connections = Integer.parseInt(v);
                case "--in-flight" -> inFlight = Integer.parseInt(v);
                case "--duration-ms" -> durationMs = Long.parseLong(v);
                case "--warmup-ms" -> warmupMs = Long.parseLong(v);
                default -> usage("unknown flag " + args[i]);
            }
            i++;
        }
        if (code == null) {
            usage("--code is required (a coupon with no usage limit)");
        }
        ClientOptions options = ClientOptions.builder().token(token).poolSize(connections).maxInFlight(inFlight)
                .clientName("couponsd-client-java-bench").build();
        try (CouponsClient client = CouponsClient.connect(addr, options)) {
            Bench b = new Bench(client, code);
            if (warmupMs > 0) {
                b.phase(connections * inFlight, warmupMs, false);
            }
            long start = System.nanoTime();
            b.phase(connections * inFlight, durationMs, true);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            long n = b.redeems.get();
            if (b.errors.get() > 0) {
                System.err.println("bench: " + b.errors.get() + " redeems failed");
            }
            System.out.printf("{\"client\":\"java\",\"redeems\":%d,\"seconds\":%d.%03d,\"per_second\":%d}%n",
                    n, elapsedMs / 1000, elapsedMs % 1000, elapsedMs == 0 ? 0 : n * 1000 / elapsedMs);
        }
    }

    private static void usage(String why) {
        System.err.println("bench: " + why + "\nusage: bench.sh --addr HOST:PORT --code CODE [--connections 64]"
                + " [--in-flight 16] [--duration-ms 5000] [--warmup-ms 1000] [--token SECRET]");
        System.exit(2);
    }

    /** Runs {@code loops} redeem loops for {@code ms}, waiting for every loop's last reply. */
    private void phase(int loops, long ms, boolean count) throws InterruptedException {
        counting = count;
        done = new CountDownLatch(loops);
        stopAtNanos = System.nanoTime() + ms * 1_000_000;
        for (int i = 0; i < loops; i++) {
            next();
        }
        done.await();
    }

    private void next() {
        if (System.nanoTime() >= stopAtNanos) {
            done.countDown();
            return;
        }
        String orderId = "jb-" + run + "-" + orders.incrementAndGet();
        Order order = Order.builder().customerId("c-" + orderId).amount(15000).currency("USD").build();
        client.redeemAsync(new RedeemRequest(code, orderId, "", order)).whenComplete((r, e) -> {
            if (counting) {
                (e == null ? redeems : errors).incrementAndGet();
            }
            if (e == null) {
                next();
            } else {
                ForkJoinPool.commonPool().execute(this::next); // no deep recursion on repeated failures
            }
        });
    }
}
