package dev.couponsd.client;

import dev.couponsd.client.wire.Codec;
import dev.couponsd.client.wire.DecodeException;
import dev.couponsd.client.wire.Frame;
import dev.couponsd.client.wire.HelloReply;
import dev.couponsd.client.wire.NodeRole;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted stand-in for a server, for what the real one never does: send
 * bad bytes, answer late or never, close mid-request. It answers HELLO, then
 * hands each connection to a script.
 */
final class FakeServer implements AutoCloseable {
    interface Script {
        void run(FakeServer.Conn conn) throws Exception;
    }

    /** One accepted connection, past its HELLO. */
    static final class Conn {
        final DataInputStream in;
        final OutputStream out;
        private final List<Frame> seen;

        Conn(Socket s, List<Frame> seen) throws IOException {
            in = new DataInputStream(s.getInputStream());
            out = s.getOutputStream();
            this.seen = seen;
        }

        Frame read() throws IOException, DecodeException {
            int length = in.readInt();
            byte[] rest = new byte[length];
            in.readFully(rest);
            Frame f = Frame.parse(rest);
            seen.add(f);
            return f;
        }

        void reply(Frame request, int status, byte[] body) throws IOException {
            send(Frame.encode(request.requestId(), request.opcode(), status, body));
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }
    }

    final ServerSocket listener;
    final List<Frame> seen = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeServer(long maxFrameLength, long maxInFlight, Script script) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    Thread t = new Thread(() -> serve(s, maxFrameLength, maxInFlight, script));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket s, long maxFrameLength, long maxInFlight, Script script) {
        try (s) {
            Conn c = new Conn(s, seen);
            Frame hello = c.read();
            c.reply(hello, 0, Codec.encode(new HelloReply(1, "fake", NodeRole.LEADER, maxFrameLength, maxInFlight)));
            script.run(c);
        } catch (Exception e) {
            // The client went away or the script ended: close.
        }
    }

    String addr() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
