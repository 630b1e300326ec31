package dev.couponsd.client.wire;

import java.util.zip.CRC32;

/**
 * One frame (protocol.md section 2): a 16-byte header (length, CRC-32,
 * request id, opcode, status) and a body.
 */
public record Frame(int requestId, int opcode, int status, byte[] body) {
    public static final int HEADER_LENGTH = 16;
    /** The default and largest accepted value of {@code length}: 1 MiB. */
    public static final int MAX_FRAME_LENGTH = 1 << 20;

    /** Encodes a request's whole frame. */
    public static byte[] encodeRequest(int requestId, Request<?> request) {
        WireWriter w = new WireWriter(128);
        w.u32(0);
        w.u32(0);
        w.u32(requestId & 0xffffffffL);
        w.u16(request.opcode().code);
        w.u16(0);
        Codec.write(w, (Record) request);
        return finish(w);
    }

    /** Sets the request id of an encoded frame and updates its checksum. */
    public static void setRequestId(byte[] frame, int requestId) {
        frame[8] = (byte) (requestId >>> 24);
        frame[9] = (byte) (requestId >>> 16);
        frame[10] = (byte) (requestId >>> 8);
        frame[11] = (byte) requestId;
        CRC32 crc = new CRC32();
        crc.update(frame, 8, frame.length - 8);
        long v = crc.getValue();
        frame[4] = (byte) (v >>> 24);
        frame[5] = (byte) (v >>> 16);
        frame[6] = (byte) (v >>> 8);
        frame[7] = (byte) v;
    }

    /** Encodes any frame (tests and tools). */
    public static byte[] encode(int requestId, int opcode, int status, byte[] body) {
        WireWriter w = new WireWriter(HEADER_LENGTH + body.length);
        w.u32(0);
        w.u32(0);
        w.u32(requestId & 0xffffffffL);
        w.u16(opcode);
        w.u16(status);
        w.bytes(body);
        return finish(w);
    }

    private static byte[] finish(WireWriter w) {
        int length = w.length() - 4;
        w.putU32At(0, length);
        CRC32 crc = new CRC32();
        crc.update(w.array(), 8, w.length() - 8);
        w.putU32At(4, crc.getValue());
        return w.toByteArray();
    }

    /**
     * Parses the {@code length} bytes after the length field (checksum onward)
     * into a frame, verifying the checksum.
     */
    public static Frame parse(byte[] afterLength) throws DecodeException {
        if (afterLength.length < 12) {
            throw new DecodeException("frame length " + afterLength.length + " is shorter than the 12-byte header");
        }
        WireReader r = new WireReader(afterLength);
        long expected = r.u32("checksum");
        CRC32 crc = new CRC32();
        crc.update(afterLength, 4, afterLength.length - 4);
        if (crc.getValue() != expected) {
            throw new DecodeException(String.format("frame checksum mismatch: header says %08x, bytes give %08x",
                    expected, crc.getValue()));
        }
        int requestId = (int) r.u32("request_id");
        int opcode = r.u16("opcode");
        int status = r.u16("status");
        byte[] body = new byte[afterLength.length - 12];
        System.arraycopy(afterLength, 12, body, 0, body.length);
        return new Frame(requestId, opcode, status, body);
    }

    /** Parses one whole frame held in {@code whole} (tests and tools). */
    public static Frame parseWhole(byte[] whole, long maxLength) throws DecodeException {
        WireReader r = new WireReader(whole);
        long length = r.u32("length");
        if (length > maxLength) {
            throw new DecodeException("frame length " + length + " is over the maximum " + maxLength);
        }
        if (length != whole.length - 4) {
            throw new DecodeException("frame length " + length + " does not match " + (whole.length - 4) + " bytes");
        }
        byte[] rest = new byte[whole.length - 4];
        System.arraycopy(whole, 4, rest, 0, rest.length);
        return parse(rest);
    }
}
