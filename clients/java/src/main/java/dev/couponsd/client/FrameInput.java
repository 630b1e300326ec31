package dev.couponsd.client;

import dev.couponsd.client.wire.DecodeException;
import dev.couponsd.client.wire.Frame;
import java.io.DataInputStream;
import java.io.IOException;

/** Reads whole frames from a stream (protocol.md section 2). */
final class FrameInput {
    private FrameInput() {}

    /** Reads one frame; never allocates from a length it has not checked. */
    static Frame read(DataInputStream i, long maxLength) throws IOException {
        long length = i.readInt() & 0xffffffffL;
        if (length > maxLength) {
            throw new ProtocolException("frame length " + length + " is over the maximum " + maxLength);
        }
        if (length < 12) {
            throw new ProtocolException("frame length " + length + " is shorter than the 12-byte header");
        }
        byte[] rest = new byte[(int) length];
        i.readFully(rest);
        try {
            return Frame.parse(rest);
        } catch (DecodeException e) {
            throw new ProtocolException(e.getMessage());
        }
    }
}
