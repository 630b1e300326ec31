package dev.couponsd.client;

/**
 * The connection could not be made or was lost. When it was lost with the
 * request in flight, the request's outcome is unknown.
 */
public class ConnectionException extends CouponsException {
    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
