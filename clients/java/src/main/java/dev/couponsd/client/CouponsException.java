package dev.couponsd.client;

/** Every failure of a call: a server's typed refusal or a local failure. */
public class CouponsException extends RuntimeException {
    public CouponsException(String message) {
        super(message);
    }

    public CouponsException(String message, Throwable cause) {
        super(message, cause);
    }
}
