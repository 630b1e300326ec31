package dev.couponsd.client;

/** The server sent bytes that break the protocol (a bad frame, a body that does not decode). */
public final class ProtocolException extends CouponsException {
    public ProtocolException(String message) {
        super("protocol error: " + message);
    }
}
