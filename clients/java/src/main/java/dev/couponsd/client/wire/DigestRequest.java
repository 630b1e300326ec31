package dev.couponsd.client.wire;

/** The DIGEST request (an empty body); its OK reply is a {@link DigestReply}. */
public record DigestRequest() implements Request<DigestReply> {
    @Override
    public Opcode opcode() {
        return Opcode.DIGEST;
    }
}
