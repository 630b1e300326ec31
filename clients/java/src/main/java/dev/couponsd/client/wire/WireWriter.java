package dev.couponsd.client.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Appends big-endian fields to a growable buffer (protocol.md section 4). */
public final class WireWriter {
    private byte[] buf;
    private int len;

    public WireWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    public void u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
    }

    public void u16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    public void u32(long v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    public void u64(long v) {
        u32(v >>> 32);
        u32(v & 0xffffffffL);
    }

    public void bool(boolean v) {
        u8(v ? 1 : 0);
    }

    public void bytes(byte[] v) {
        ensure(v.length);
        System.arraycopy(v, 0, buf, len, v.length);
        len += v.length;
    }

    public void blob(byte[] v) {
        u32(v.length);
        bytes(v);
    }

    /**
     * A u16 byte length then UTF-8. A longer string is cut at the last whole
     * character that fits, as the Rust codec does (the server refuses far shorter ones).
     */
    public void str(String v) {
        byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
        int end = Math.min(utf8.length, 0xffff);
        while (end < utf8.length && (utf8[end] & 0xc0) == 0x80) {
            end--;
        }
        u16(end);
        ensure(end);
        System.arraycopy(utf8, 0, buf, len, end);
        len += end;
    }

    /** Overwrites 4 bytes at {@code at} (frame length and checksum). */
    void putU32At(int at, long v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    byte[] array() {
        return buf;
    }

    public int length() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}
