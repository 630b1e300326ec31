package dev.couponsd.client.wire;

/** The HELLO request (its body starts with the magic "CPND"); its OK reply is a {@link HelloReply}. */
@Wire.Prefix({0x43, 0x50, 0x4e, 0x44})
public record HelloRequest(
        @Wire.U16 int version,
        String token,
        String clientName) implements Request<HelloReply> {
    @Override
    public Opcode opcode() {
        return Opcode.HELLO;
    }
}
