package dev.couponsd.client.wire;

/** The DISTRIBUTION_STATUS request; its OK reply is a {@link DistributionStatus}. */
public record DistributionStatusRequest(
        long campaignId,
        long afterSeq,
        @Wire.U16 int limit) implements Request<DistributionStatus> {
    @Override
    public Opcode opcode() {
        return Opcode.DISTRIBUTION_STATUS;
    }
}
