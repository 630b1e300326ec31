package dev.couponsd.client;

import dev.couponsd.client.wire.Codec;
import dev.couponsd.client.wire.DecodeException;
import dev.couponsd.client.wire.ErrorBody;
import dev.couponsd.client.wire.Frame;
import dev.couponsd.client.wire.HelloReply;
import dev.couponsd.client.wire.HelloRequest;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Opens a connection: TCP, TLS when asked (checking the certificate's name),
 * then the HELLO handshake (protocol.md section 3), all within the connect timeout.
 */
final class Dialer {
    private Dialer() {}

    /** Connects, does TLS if asked, and completes the HELLO handshake. */
    static Connection open(String addr, ClientOptions options) {
        HostPort hp = HostPort.parse(addr);
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(hp.host(), hp.port()), (int) options.connectTimeoutMs);
            socket.setSoTimeout((int) options.connectTimeoutMs);
            if (options.tls != null) {
                socket = startTls(socket, hp, options.tls);
            }
            HelloReply hello = handshake(socket, options);
            socket.setSoTimeout(0);
            return Connection.start(addr, socket, hello, options);
        } catch (CouponsException e) {
            Connection.closeQuietly(socket);
            throw e;
        } catch (SSLException e) {
            Connection.closeQuietly(socket);
            throw new TlsException(e.getMessage(), e);
        } catch (IOException e) {
            Connection.closeQuietly(socket);
            throw new ConnectionException("cannot connect to " + addr + ": " + e.getMessage(), e);
        }
    }

    private static Socket startTls(Socket plain, HostPort hp, TlsOptions tls) throws IOException {
        String name = tls.serverName() != null ? tls.serverName() : hp.host();
        SSLSocket ssl = (SSLSocket) tls.context().getSocketFactory()
                .createSocket(plain, name, hp.port(), true);
        SSLParameters params = ssl.getSSLParameters();
        // Check the certificate names the server (DNS name or IP address).
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!HostPort.isIpLiteral(name)) {
            params.setServerNames(java.util.List.of(new SNIHostName(name)));
        }
        ssl.setSSLParameters(params);
        ssl.startHandshake();
        return ssl;
    }

    private static HelloReply handshake(Socket socket, ClientOptions options) throws IOException {
        OutputStream o = socket.getOutputStream();
        o.write(Frame.encodeRequest(0x7fffffff, new HelloRequest(1, options.token, options.clientName)));
        o.flush();
        DataInputStream i = new DataInputStream(socket.getInputStream());
        Frame frame;
        try {
            frame = FrameInput.read(i, Frame.MAX_FRAME_LENGTH);
        } catch (SocketTimeoutException e) {
            throw new ConnectionException("no HELLO reply from " + socket.getRemoteSocketAddress() + " within "
                    + options.connectTimeoutMs + " ms", e);
        }
        if (frame.status() != 0) {
            throw ServerException.of(frame.status(), ErrorBody.decode(frame.body()));
        }
        try {
            HelloReply hello = Codec.decode(HelloReply.class, frame.body());
            if (hello.version() != 1) {
                throw new ProtocolException("the server speaks protocol version " + hello.version() + ", not 1");
            }
            return hello;
        } catch (DecodeException e) {
            throw new ProtocolException("HELLO reply: " + e.getMessage());
        }
    }
}
