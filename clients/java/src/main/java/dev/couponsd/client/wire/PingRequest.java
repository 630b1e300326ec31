package dev.couponsd.client.wire;

/** The PING request (an empty body); its OK reply is a {@link Pong}. */
public record PingRequest() implements Request<Pong> {
    @Override
    public Opcode opcode() {
        return Opcode.PING;
    }
}
