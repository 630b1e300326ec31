package dev.couponsd.client.wire;

import java.util.List;

/** REVERSAL_LIST's reply. */
public record Reversals(
        List<Reversal> reversals) {}
