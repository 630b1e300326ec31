package dev.couponsd.client;

/** No reply came within the request timeout; the request's outcome is unknown. */
public final class RequestTimeoutException extends CouponsException {
    public RequestTimeoutException(String message) {
        super(message);
    }
}
