package dev.couponsd.client.wire;

import java.util.List;

/** CAMPAIGN_ASSIGN's reply, in the order asked. */
public record AssignedCodes(
        List<AssignedCode> codes) {}
