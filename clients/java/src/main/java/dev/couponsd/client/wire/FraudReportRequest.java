package dev.couponsd.client.wire;

/** The FRAUD_REPORT request; its OK reply is a {@link FraudReport}. */
public record FraudReportRequest(
        @Wire.I64 long from,
        @Wire.I64 long to) implements Request<FraudReport> {
    @Override
    public Opcode opcode() {
        return Opcode.FRAUD_REPORT;
    }
}
