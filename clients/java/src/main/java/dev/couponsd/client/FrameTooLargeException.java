package dev.couponsd.client;

/** The request would not fit in a frame the server accepts; it was not sent. */
public final class FrameTooLargeException extends CouponsException {
    public FrameTooLargeException(long length, long max) {
        super("FRAME_TOO_LARGE: the request is " + length + " bytes, over the server's maximum of " + max);
    }
}
