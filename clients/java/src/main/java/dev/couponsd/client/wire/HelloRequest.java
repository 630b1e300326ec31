package dev.couponsd.client.wire;

/** The HELLO request; its OK reply is a {@link HelloReply}. */
public record HelloRequest(
        @Wire.Fixed(4) byte[] magic,
        @Wire.U16 int version,
        String token,
        String clientName) implements Request<HelloReply> {
    @Override
    public Opcode opcode() {
        return Opcode.HELLO;
    }
}
