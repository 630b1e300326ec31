package dev.couponsd.client;

import dev.couponsd.client.wire.Codec;
import dev.couponsd.client.wire.DecodeException;
import dev.couponsd.client.wire.ErrorBody;
import dev.couponsd.client.wire.Frame;
import dev.couponsd.client.wire.Request;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Where each request goes: the node requests go to now (the leader once a
 * NOT_LEADER named it), a pool of connections per node, and the retry rules
 * of protocol.md section 14 ("Finding the leader"): a NOT_LEADER naming the
 * leader is sent on there; after a failure whose outcome is unknown, only
 * requests that are safe to repeat are tried again, on the next node, until
 * the failover timeout.
 */
final class Router implements AutoCloseable {
    private final List<String> nodes;
    private final ClientOptions options;
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();
    private volatile String route;
    private final long failoverTimeoutMs;
    private volatile boolean closed;

    Router(List<String> nodes, ClientOptions options) {
        this.nodes = List.copyOf(nodes);
        this.options = options;
        this.route = nodes.get(0);
        // Unset: 10 s with several nodes to go to, as the Rust client; none with one.
        this.failoverTimeoutMs = options.failoverTimeoutMs >= 0 ? options.failoverTimeoutMs
                : nodes.size() > 1 ? 10_000 : 0;
    }

    String current() {
        return route;
    }

    void routeTo(String addr) {
        route = addr;
    }

    Pool pool(String addr) {
        if (closed) {
            throw new ConnectionException("client closed");
        }
        return pools.computeIfAbsent(addr, a -> new Pool(a, options));
    }

    <R extends Record> CompletableFuture<R> send(Request<R> request) {
        CompletableFuture<R> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(failoverTimeoutMs);
        attempt(request, result, deadline, 0, 20);
        return result;
    }

    private <R extends Record> void attempt(Request<R> request, CompletableFuture<R> result,
                                            long deadline, int hops, long pauseMs) {
        if (result.isDone()) {
            return; // cancelled
        }
        String addr = route;
        CompletableFuture<Frame> sent;
        boolean reachedServer = true;
        try {
            sent = pool(addr).pick().send(request);
        } catch (ConnectionException e) {
            sent = CompletableFuture.failedFuture(e);
            reachedServer = false; // nothing was sent: safe to try elsewhere, whatever the request
        } catch (CouponsException e) {
            sent = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            // A request that cannot be encoded (a null field): the caller's mistake, never retried.
            result.completeExceptionally(e);
            return;
        }
        CompletableFuture<Frame> inFlight = sent;
        result.whenComplete((v, e) -> {
            if (e instanceof CancellationException) {
                inFlight.cancel(true);
            }
        });
        boolean notSent = !reachedServer;
        inFlight.whenComplete((frame, err) -> {
            Throwable failure = err == null ? null : Connection.translate(err);
            R value = null;
            if (failure == null) {
                if (frame.status() != 0) {
                    failure = ServerException.of(frame.status(), ErrorBody.decode(frame.body()));
                } else if (frame.opcode() != request.opcode().code) {
                    failure = new ProtocolException("reply opcode " + frame.opcode() + " for request opcode "
                            + request.opcode().code);
                } else {
                    try {
                        value = Codec.decode(request.replyType(), frame.body());
                    } catch (DecodeException e) {
                        failure = new ProtocolException(request.opcode() + " reply: " + e.getMessage());
                    }
                }
            }
            if (failure == null) {
                result.complete(value);
                return;
            }
            String next = nextNode(request, failure, addr, notSent);
            boolean inTime = System.nanoTime() < deadline;
            if (next != null && !next.isEmpty() && (hops < 3 || inTime)) {
                route = next; // a named leader: worth a few direct hops even without failover
                later(0).execute(() -> attempt(request, result, deadline, hops + 1, pauseMs));
            } else if (next != null && next.isEmpty() && inTime && options.followLeader && !closed) {
                routeToNext(addr);
                later(pauseMs).execute(() -> attempt(request, result, deadline, hops + 1, Math.min(pauseMs * 2, 500)));
            } else {
                result.completeExceptionally(failure);
            }
        });
    }

    /**
     * Where to try next: the leader a NOT_LEADER names; "" for "another node,
     * after a pause"; null to give up.
     */
    private String nextNode(Request<?> request, Throwable failure, String addr, boolean notSent) {
        if (closed) {
            return null;
        }
        if (failure instanceof ServerException se && se.code() != null) {
            switch (se.code()) {
                case NOT_LEADER:
                    if (options.followLeader && !se.leader().isEmpty() && !se.leader().equals(addr)) {
                        return se.leader();
                    }
                    return ""; // nothing was applied
                case SHUTTING_DOWN:
                case NO_QUORUM:
                case STORAGE_UNAVAILABLE:
                    return ""; // nothing was applied (protocol.md, "Finding the leader")
                default:
                    // NOT_COMMITTED among them: the caller's to decide, never retried.
                    return null;
            }
        }
        if (failure instanceof ConnectionException && !(failure instanceof TlsException)) {
            return notSent || request.idempotent() ? "" : null;
        }
        if (failure instanceof RequestTimeoutException) {
            return request.idempotent() ? "" : null;
        }
        return null;
    }

    private void routeToNext(String failed) {
        int at = nodes.indexOf(failed);
        route = nodes.get((at + 1) % nodes.size());
    }

    private static Executor later(long ms) {
        return CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        for (Pool p : pools.values()) {
            p.close();
        }
    }
}
