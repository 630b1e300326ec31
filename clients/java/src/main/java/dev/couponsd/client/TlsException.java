package dev.couponsd.client;

/** The TLS handshake failed (an untrusted certificate, a wrong name, a server without TLS). */
public final class TlsException extends ConnectionException {
    public TlsException(String message, Throwable cause) {
        super("TLS: " + message, cause);
    }
}
