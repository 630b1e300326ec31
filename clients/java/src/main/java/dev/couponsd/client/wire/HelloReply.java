package dev.couponsd.client.wire;

/** The HELLO reply: the server's limits for this connection. */
public record HelloReply(
        @Wire.U16 int version,
        String serverVersion,
        NodeRole role,
        @Wire.U32 long maxFrameLength,
        @Wire.U32 long maxInFlight) {}
