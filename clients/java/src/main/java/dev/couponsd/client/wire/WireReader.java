package dev.couponsd.client.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads big-endian fields from one frame body. Every read names its field so that
 * a truncated or invalid body says where; nothing is allocated from an unchecked count.
 */
public final class WireReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public WireReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public WireReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    public int remaining() {
        return end - pos;
    }

    private void need(int n, String field) throws DecodeException {
        if (n < 0 || n > end - pos) {
            throw new DecodeException("body ends inside field `" + field + "`");
        }
    }

    public int u8(String field) throws DecodeException {
        need(1, field);
        return buf[pos++] & 0xff;
    }

    public int u16(String field) throws DecodeException {
        need(2, field);
        int v = ((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    public long u32(String field) throws DecodeException {
        need(4, field);
        long v = ((long) (buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16)
                | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    public long u64(String field) throws DecodeException {
        long hi = u32(field);
        long lo = u32(field);
        return (hi << 32) | lo;
    }

    public boolean bool(String field) throws DecodeException {
        int v = u8(field);
        if (v > 1) {
            throw new DecodeException("field `" + field + "` has unknown value " + v);
        }
        return v == 1;
    }

    public byte[] bytes(int n, String field) throws DecodeException {
        need(n, field);
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public byte[] blob(String field) throws DecodeException {
        long n = u32(field);
        if (n > remaining()) {
            throw new DecodeException("body ends inside field `" + field + "`");
        }
        return bytes((int) n, field);
    }

    public String str(String field) throws DecodeException {
        int n = u16(field);
        need(n, field);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new DecodeException("field `" + field + "` is not valid UTF-8");
        }
    }
}
