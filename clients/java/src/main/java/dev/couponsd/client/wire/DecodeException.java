package dev.couponsd.client.wire;

/** A body or frame that does not decode: always the peer's protocol violation. */
public final class DecodeException extends Exception {
    public DecodeException(String message) {
        super(message);
    }
}
