package dev.couponsd.client.wire;

/** PING's reply: the node's wall clock. */
public record Pong(
        @Wire.I64 long serverTimeMs) {}
