package dev.couponsd.client.wire;

/** An enum carried on the wire as one byte, with its protocol.md name. */
public interface WireEnum {
    /** The byte on the wire. */
    int code();

    /** The name protocol.md gives it (as in JSON and the CLI). */
    String wireName();
}
