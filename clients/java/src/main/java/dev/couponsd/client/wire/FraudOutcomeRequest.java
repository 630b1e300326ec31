package dev.couponsd.client.wire;

/** The FRAUD_OUTCOME request; its OK reply is a {@link FraudModel}. */
public record FraudOutcomeRequest(
        long redemptionId,
        FraudLabel label) implements Request<FraudModel> {
    @Override
    public Opcode opcode() {
        return Opcode.FRAUD_OUTCOME;
    }
}
