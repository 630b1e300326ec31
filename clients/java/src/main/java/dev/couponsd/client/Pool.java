package dev.couponsd.client;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections to one node: a fixed number of slots, each connected on
 * first use and again after its connection failed. Requests go round-robin,
 * skipping a connection whose in-flight slots are all taken when another has room.
 */
final class Pool implements AutoCloseable {
    private final String addr;
    private final ClientOptions options;
    private final Connection[] slots;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    Pool(String addr, ClientOptions options) {
        this.addr = addr;
        this.options = options;
        this.slots = new Connection[options.poolSize];
    }

    String addr() {
        return addr;
    }

    /** A live connection; connects one if needed (throws {@link ConnectionException} or the server's refusal). */
    Connection pick() {
        int n = slots.length;
        int start = Math.floorMod(next.getAndIncrement(), n);
        Connection first = slot(start);
        if (first.freeSlots() > 0 || n == 1) {
            return first;
        }
        for (int k = 1; k < n; k++) {
            Connection c = slot((start + k) % n);
            if (c.freeSlots() > 0) {
                return c;
            }
        }
        return first;
    }

    private Connection slot(int i) {
        Connection c = slots[i];
        if (c != null && c.isOpen()) {
            return c;
        }
        synchronized (this) {
            if (closed) {
                throw new ConnectionException("client closed");
            }
            c = slots[i];
            if (c == null || !c.isOpen()) {
                c = Dialer.open(addr, options);
                slots[i] = c;
            }
            return c;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Connection c : slots) {
            if (c != null) {
                c.close();
            }
        }
    }
}
