package dev.couponsd.client.wire;

/** The FRAUD_MODEL request (an empty body); its OK reply is a {@link FraudModel}. */
public record FraudModelRequest() implements Request<FraudModel> {
    @Override
    public Opcode opcode() {
        return Opcode.FRAUD_MODEL;
    }
}
