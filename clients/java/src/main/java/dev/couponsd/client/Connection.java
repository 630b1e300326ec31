package dev.couponsd.client;

import dev.couponsd.client.wire.ErrorBody;
import dev.couponsd.client.wire.Frame;
import dev.couponsd.client.wire.HelloReply;
import dev.couponsd.client.wire.Request;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pipelined connection to one node: any number of threads send on it;
 * replies are matched to requests by request id, so many are in flight at once
 * (at most the smaller of the option's and the server's max_in_flight). A
 * reader thread owns the input side.
 */
final class Connection implements AutoCloseable {
    private final String addr;
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final HelloReply hello;
    private final long maxFrameLength;
    private final long requestTimeoutMs;
    private final Semaphore inFlight;
    private final Map<Integer, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    /**
     * Frames waiting for the writer thread, which writes whatever is queued in
     * one go and flushes. Callers never touch the socket: a full send buffer
     * (the server not reading) blocks the writer only, never the reader thread
     * or a caller's callback. At most max-in-flight frames wait here.
     */
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> outgoing =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private static final byte[] STOP = new byte[0];
    private volatile CouponsException failure;

    private Connection(String addr, Socket socket, HelloReply hello, long requestTimeoutMs, int maxInFlight)
            throws IOException {
        this.addr = addr;
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.hello = hello;
        this.maxFrameLength = Math.min(hello.maxFrameLength(), Frame.MAX_FRAME_LENGTH);
        this.requestTimeoutMs = requestTimeoutMs;
        this.inFlight = new Semaphore((int) Math.max(1, Math.min(maxInFlight, hello.maxInFlight())));
    }

    /** Takes over a socket that completed its HELLO and starts its reader thread. */
    static Connection start(String addr, Socket socket, HelloReply hello, ClientOptions options) throws IOException {
        Connection c = new Connection(addr, socket, hello, options.requestTimeoutMs, options.maxInFlight);
        Thread reader = new Thread(c::readLoop, "couponsd-reader-" + addr);
        reader.setDaemon(true);
        reader.start();
        Thread writer = new Thread(c::writeLoop, "couponsd-writer-" + addr);
        writer.setDaemon(true);
        writer.start();
        return c;
    }

    private void readLoop() {
        CouponsException why;
        try {
            while (true) {
                Frame frame = FrameInput.read(in, maxFrameLength);
                if (frame.requestId() == 0 && frame.status() != 0) {
                    // A connection-level error (BUSY, FRAME_TOO_LARGE, a timeout):
                    // the server closes after it; every waiting request gets it, typed.
                    why = ServerException.of(frame.status(), ErrorBody.decode(frame.body()));
                    break;
                }
                CompletableFuture<Frame> waiter = pending.remove(frame.requestId());
                if (waiter != null) {
                    waiter.complete(frame);
                }
            }
        } catch (CouponsException e) {
            why = e;
        } catch (EOFException e) {
            why = new ConnectionException("connection to " + addr + " closed");
        } catch (IOException e) {
            why = new ConnectionException("connection to " + addr + " failed: " + e.getMessage(), e);
        }
        fail(why);
    }

    private void fail(CouponsException why) {
        if (failure == null) {
            failure = why;
        }
        outgoing.add(STOP);
        closeQuietly(socket);
        for (Integer id : pending.keySet()) {
            CompletableFuture<Frame> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(failure);
            }
        }
        for (Outgoing o; (o = waiting.poll()) != null; ) {
            queued.decrementAndGet();
            o.reply().completeExceptionally(failure);
        }
    }

    boolean isOpen() {
        return failure == null;
    }

    String addr() {
        return addr;
    }

    HelloReply hello() {
        return hello;
    }

    /** Requests that may still be sent before this connection is at its in-flight limit (negative: queued). */
    int freeSlots() {
        return inFlight.availablePermits() - queued.get();
    }

    /**
     * Sends a request and returns its reply frame, whatever its status. Never
     * blocks: when every in-flight slot is taken the request waits in a bounded
     * queue and goes out as soon as a reply frees a slot (so a callback on the
     * reader thread may send again). The future fails with
     * {@link RequestTimeoutException} after the request timeout, counted from
     * now; cancelling it forgets the request (a late reply is dropped).
     */
    CompletableFuture<Frame> send(Request<?> request) {
        CouponsException dead = failure;
        if (dead != null) {
            return CompletableFuture.failedFuture(dead);
        }
        byte[] body = Frame.encodeRequest(0, request);
        if (body.length - 4 > maxFrameLength) {
            return CompletableFuture.failedFuture(new FrameTooLargeException(body.length - 4, maxFrameLength));
        }
        CompletableFuture<Frame> reply = new CompletableFuture<>();
        reply.orTimeout(requestTimeoutMs, TimeUnit.MILLISECONDS);
        Outgoing out = new Outgoing(body, reply);
        if (inFlight.tryAcquire()) {
            transmit(out);
        } else if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            reply.completeExceptionally(new ConnectionException(
                    "more than " + MAX_QUEUED + " requests waiting for an in-flight slot on " + addr));
        } else {
            waiting.add(out);
            drain(); // a slot may have been freed between tryAcquire and add
        }
        return reply;
    }

    /** A request that has its bytes but no request id yet. */
    private record Outgoing(byte[] frame, CompletableFuture<Frame> reply) {}

    /** Most requests waiting for an in-flight slot on one connection. */
    static final int MAX_QUEUED = 65_536;
    private final java.util.concurrent.ConcurrentLinkedQueue<Outgoing> waiting =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();

    /** Sends queued requests while slots are free. */
    private void drain() {
        while (!waiting.isEmpty() && inFlight.tryAcquire()) {
            Outgoing next = waiting.poll();
            if (next == null) {
                inFlight.release();
                return;
            }
            queued.decrementAndGet();
            transmit(next);
        }
    }

    /** Holds a slot: gives the request its id, registers it and writes it. */
    private void transmit(Outgoing o) {
        CompletableFuture<Frame> reply = o.reply();
        if (reply.isDone()) {
            // Cancelled or timed out while queued.
            inFlight.release();
            drain();
            return;
        }
        int id = nextId.getAndIncrement();
        if (id == 0) {
            id = nextId.getAndIncrement(); // 0 is the server's "no request" id.
        }
        final int key = id;
        pending.put(key, reply);
        reply.whenComplete((f, e) -> {
            pending.remove(key);
            inFlight.release();
            drain();
        });
        if (failure != null) {
            // The reader failed after the check in send(): nobody else will complete it.
            reply.completeExceptionally(failure);
            return;
        }
        byte[] bytes = o.frame();
        Frame.setRequestId(bytes, key);
        outgoing.add(bytes);
    }

    private void writeLoop() {
        java.util.ArrayList<byte[]> batch = new java.util.ArrayList<>();
        try {
            while (true) {
                batch.add(outgoing.take());
                outgoing.drainTo(batch, 1024);
                for (byte[] frame : batch) {
                    if (frame == STOP) {
                        return;
                    }
                    out.write(frame);
                }
                out.flush();
                batch.clear();
            }
        } catch (IOException e) {
            fail(new ConnectionException("connection to " + addr + " failed: " + e.getMessage(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
    /** Maps the JDK's timeout to the client's type. */
    static Throwable translate(Throwable e) {
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TimeoutException) {
            return new RequestTimeoutException("no reply within the request timeout");
        }
        return e;
    }

    @Override
    public void close() {
        fail(new ConnectionException("connection to " + addr + " closed by the client"));
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Nothing to do.
        }
    }
}
