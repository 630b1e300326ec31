package dev.couponsd.client.wire;

import java.util.List;

/** The fraud score's model. */
public record FraudModel(
        long outcomes,
        @Wire.I64 long biasPpm,
        List<FraudWeight> weights) {}
