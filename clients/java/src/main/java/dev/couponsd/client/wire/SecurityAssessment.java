package dev.couponsd.client.wire;

import java.util.List;

/** The fraud score of a request (ppm), its risk level (null: not assessed), whether it was flagged, and the checks behind it. */
public record SecurityAssessment(
        @Wire.U32 long fraudScorePpm,
        @Wire.ZeroIsNone RiskLevel riskLevel,
        boolean flagged,
        List<SecurityCheck> checks) {}
