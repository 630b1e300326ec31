package dev.couponsd.client.wire;

import java.util.List;

/** A product criterion of a coupon: a line matches when its attribute compares true with the values. Both enums are lenient (an unknown value reads as null). */
public record ProductCriteria(
        @Wire.ZeroIsNone @Wire.Lenient CriteriaType criteriaType,
        @Wire.ZeroIsNone @Wire.Lenient CriteriaOperator operator,
        List<String> values) {}
