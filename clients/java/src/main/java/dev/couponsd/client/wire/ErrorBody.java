package dev.couponsd.client.wire;

/** The body of every reply whose status is not OK; leader is set with NOT_LEADER. */
public record ErrorBody(String message, String leader) {
    /** Lenient, as protocol.md says: a missing or truncated field reads as empty. */
    public static ErrorBody decode(byte[] body) {
        WireReader r = new WireReader(body);
        String message = "";
        String leader = "";
        try {
            message = r.str("message");
            leader = r.str("leader");
        } catch (DecodeException e) {
            // Keep what decoded.
        }
        return new ErrorBody(message, leader);
    }
}
