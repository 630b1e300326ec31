package dev.couponsd.client.wire;

/**
 * A request body; {@code R} is the record its OK reply decodes to.
 * The record's components are the body's fields, in order.
 */
public interface Request<R extends Record> {
    Opcode opcode();

    /**
     * Whether sending it twice has the effect of sending it once, so that a
     * client may repeat it when it cannot tell whether the first one arrived.
     */
    default boolean idempotent() {
        return opcode().idempotent;
    }

    @SuppressWarnings("unchecked")
    default Class<R> replyType() {
        return (Class<R>) opcode().replyType;
    }
}
