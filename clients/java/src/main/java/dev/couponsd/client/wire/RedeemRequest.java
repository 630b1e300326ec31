package dev.couponsd.client.wire;

/** The REDEEM request; its OK reply is a {@link RedemptionReply}. */
public record RedeemRequest(
        String code,
        String orderId,
        String transactionId,
        Order order) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.REDEEM;
    }
}
