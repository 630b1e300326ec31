package dev.couponsd.client.wire;

/** A node-to-node reply body, passed through. */
public record RaftReply(
        @Wire.Rest byte[] body) {}
