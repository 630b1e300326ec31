package dev.couponsd.client.wire;

/** One check's weight in the fraud model (ppm of a logit). */
@Wire.Tuple
public record FraudWeight(
        String name,
        @Wire.I64 long weight) {}
