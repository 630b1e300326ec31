package dev.couponsd.client.wire;

/** The DISTRIBUTION_REPORT request; its OK reply is a {@link DistributionEntries}. */
public record DistributionReportRequest(
        long campaignId,
        String customerId,
        DeliveryStatus status,
        String reason) implements Request<DistributionEntries> {
    @Override
    public Opcode opcode() {
        return Opcode.DISTRIBUTION_REPORT;
    }
}
