package dev.couponsd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.couponsd.client.wire.Codec;
import dev.couponsd.client.wire.CouponType;
import dev.couponsd.client.wire.DecodeException;
import dev.couponsd.client.wire.ErrorBody;
import dev.couponsd.client.wire.Frame;
import dev.couponsd.client.wire.Opcode;
import dev.couponsd.client.wire.WireEnum;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The golden vectors (clients/vectors/vectors.json, generated from the Rust
 * codec): every request encoded from its value must give exactly its bytes,
 * every reply and error decoded must give exactly its value, and the money,
 * frames and tables must agree. A missing file is a failure, not a skip.
 */
class VectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static Map<String, Object> root;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        Path path = Path.of(System.getProperty("couponsd.vectors", "../vectors/vectors.json"));
        if (!Files.exists(path)) {
            fail("golden vectors not found at " + path.toAbsolutePath());
        }
        root = (Map<String, Object>) Json.parse(Files.readString(path));
        assertEquals("1", text(root.get("format")), "vectors format");
    }

    private static String text(Object o) {
        return o instanceof Json.Num n ? n.text() : (String) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @Test
    void opcodeAndErrorCodeTablesMatch() {
        Map<String, Object> opcodes = map(root.get("opcodes"));
        assertTrue(opcodes.size() > 50, "opcodes table");
        for (Map.Entry<String, Object> e : opcodes.entrySet()) {
            Opcode op;
            try {
                op = Opcode.valueOf(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new AssertionError("the vectors have opcode " + e.getKey() + ", which this client does not handle");
            }
            assertEquals(Long.decode(text(e.getValue())).intValue(), op.code, e.getKey());
        }
        assertEquals(opcodes.size(), Opcode.values().length, "opcodes this client has that the vectors do not");
        Map<String, Object> codes = map(root.get("error_codes"));
        for (Map.Entry<String, Object> e : codes.entrySet()) {
            ErrorCode code = ErrorCode.valueOf(e.getKey());
            assertEquals(Integer.parseInt(text(e.getValue())), code.number, e.getKey());
        }
        assertTrue(codes.size() >= ErrorCode.values().length - 1, "error codes");
    }

    @Test
    void enumTablesMatch() throws ClassNotFoundException {
        int checked = 0;
        for (Map.Entry<String, Object> e : map(root.get("enums")).entrySet()) {
            Class<?> type = Class.forName(CouponType.class.getPackageName() + "." + e.getKey());
            Map<String, Object> values = map(e.getValue());
            Map<String, String> mine = new LinkedHashMap<>();
            for (Object c : type.getEnumConstants()) {
                mine.put(((WireEnum) c).wireName(), Integer.toString(((WireEnum) c).code()));
            }
            Map<String, String> theirs = new LinkedHashMap<>();
            values.forEach((k, v) -> theirs.put(k, text(v)));
            assertEquals(theirs, mine, e.getKey());
            checked++;
        }
        System.out.println("vectors: " + checked + " enums checked");
    }

    @Test
    void currenciesAndMoney() {
        int checked = 0;
        for (Map.Entry<String, Object> e : map(root.get("currencies")).entrySet()) {
            assertEquals(Integer.parseInt(text(e.getValue())), Currencies.decimals(e.getKey()), e.getKey());
            checked++;
        }
        for (Object o : list(root.get("money"))) {
            Map<String, Object> m = map(o);
            String currency = (String) m.get("currency");
            long minor = Long.parseLong(text(m.get("minor")));
            String decimal = (String) m.get("decimal");
            assertEquals(decimal, Money.format(minor, currency), "format " + m);
            assertEquals(minor, Money.parse(decimal, currency), "parse " + m);
            checked++;
        }
        System.out.println("vectors: " + checked + " currencies and money entries checked");
        assertTrue(checked > 10);
    }

    @Test
    void frames() throws DecodeException {
        int checked = 0;
        for (Object o : list(root.get("frames"))) {
            Map<String, Object> f = map(o);
            int id = (int) Long.parseLong(text(f.get("request_id")));
            String opName = text(f.get("opcode"));
            int opcode = opName.matches("\\d+") ? Integer.parseInt(opName) : Opcode.valueOf(opName).code;
            String statusName = text(f.get("status"));
            int status = statusName.matches("\\d+") ? Integer.parseInt(statusName) : ErrorCode.valueOf(statusName).number;
            byte[] body = HEX.parseHex((String) f.get("body_hex"));
            byte[] whole = HEX.parseHex((String) f.get("frame_hex"));
            assertEquals(f.get("frame_hex"), HEX.formatHex(Frame.encode(id, opcode, status, body)), "encode " + f.get("name"));
            Frame parsed = Frame.parseWhole(whole, Frame.MAX_FRAME_LENGTH);
            assertEquals(id, parsed.requestId(), "request id " + f.get("name"));
            assertEquals(opcode, parsed.opcode(), "opcode " + f.get("name"));
            assertEquals(status, parsed.status(), "status " + f.get("name"));
            assertEquals(f.get("body_hex"), HEX.formatHex(parsed.body()), "body " + f.get("name"));
            checked++;
        }
        System.out.println("vectors: " + checked + " frames checked");
        assertTrue(checked > 0);
    }

    @Test
    void messages() {
        int requests = 0;
        int replies = 0;
        int errors = 0;
        int nodeToNode = 0;
        List<String> failures = new ArrayList<>();
        for (Object o : list(root.get("messages"))) {
            Map<String, Object> m = map(o);
            String name = (String) m.get("name");
            Opcode op;
            try {
                op = Opcode.valueOf((String) m.get("opcode"));
            } catch (IllegalArgumentException e) {
                failures.add(name + ": opcode " + m.get("opcode") + " is not one this client handles");
                continue;
            }
            if (Boolean.TRUE.equals(m.get("node_to_node"))) {
                nodeToNode++;
                continue;
            }
            try {
                switch ((String) m.get("direction")) {
                    case "request" -> {
                        checkRequest(op, m);
                        requests++;
                    }
                    case "reply" -> {
                        checkReply(op, m, "body_hex");
                        if (m.get("canonical_hex") != null) {
                            checkReply(op, m, "canonical_hex");
                        }
                        replies++;
                    }
                    case "error" -> {
                        checkError(m, "body_hex");
                        if (m.get("canonical_hex") != null) {
                            checkError(m, "canonical_hex");
                        }
                        errors++;
                    }
                    default -> failures.add(name + ": unknown direction " + m.get("direction"));
                }
            } catch (AssertionError | RuntimeException | DecodeException e) {
                failures.add(name + ": " + e.getMessage());
            }
        }
        System.out.printf("vectors: %d requests, %d replies, %d errors checked (%d node-to-node skipped)%n",
                requests, replies, errors, nodeToNode);
        if (!failures.isEmpty()) {
            fail(failures.size() + " vectors fail:\n  " + String.join("\n  ", failures.subList(0, Math.min(Integer.getInteger("vectors.show", 40), failures.size()))));
        }
        assertTrue(requests > 0 && replies > 0 && errors > 0, "every kind of vector is present");
    }

    /**
     * Bad input from the network: every cut of every reply vector, and random
     * bytes for every reply type, decode or fail with a DecodeException, never
     * anything else (no crash, no huge allocation).
     */
    @Test
    void truncatedAndRandomRepliesFailCleanly() {
        int cuts = 0;
        for (Object o : list(root.get("messages"))) {
            Map<String, Object> m = map(o);
            if (!"reply".equals(m.get("direction")) || Boolean.TRUE.equals(m.get("node_to_node"))) {
                continue;
            }
            Opcode op = Opcode.valueOf((String) m.get("opcode"));
            byte[] body = HEX.parseHex((String) m.get("body_hex"));
            int step = Math.max(1, body.length / 64);
            for (int cut = 0; cut < body.length; cut += step) {
                byte[] part = java.util.Arrays.copyOf(body, cut);
                try {
                    Codec.decode(op.replyType, part);
                } catch (DecodeException expected) {
                    // A typed failure is the point.
                }
                cuts++;
            }
        }
        java.util.Random random = new java.util.Random(7);
        int randoms = 0;
        for (Opcode op : Opcode.values()) {
            for (int i = 0; i < 300; i++) {
                byte[] body = new byte[random.nextInt(64)];
                random.nextBytes(body);
                try {
                    Codec.decode(op.replyType, body);
                } catch (DecodeException expected) {
                    // A typed failure is the point.
                }
                randoms++;
            }
        }
        System.out.println("vectors: " + cuts + " truncated and " + randoms + " random reply bodies decoded or refused");
        assertTrue(cuts > 1000);
    }

    private static void checkRequest(Opcode op, Map<String, Object> m) {
        Object value = m.get("value");
        Class<? extends Record> type = op.requestType;
        RecordComponent[] comps = type.getRecordComponents();
        Record request;
        Map<String, Object> fields = map(value);
        if (comps.length == 1 && !fields.containsKey(WireJson.snake(comps[0].getName()))
                && (comps[0].getType().isRecord() || comps[0].getType().isSealed())) {
            // A body that is one struct or choice: the value is that struct's fields.
            request = (Record) WireJson.construct(type, new Object[] {WireJson.fromJson(comps[0].getType(), value)});
        } else {
            request = (Record) WireJson.fromJson(type, value);
        }
        assertEquals(m.get("body_hex"), HEX.formatHex(Codec.encode(request)), "encoding");
    }

    private static void checkReply(Opcode op, Map<String, Object> m, String hexKey) throws DecodeException {
        Record reply = Codec.decode(op.replyType, HEX.parseHex((String) m.get(hexKey)));
        Object json = WireJson.toJson(reply);
        if (reply instanceof dev.couponsd.client.wire.BackupEnd end && end.digest() != null) {
            // The Rust value repeats the backup's lsn inside its digest (a DigestReply); the wire does not.
            Map<String, Object> digest = new LinkedHashMap<>();
            digest.put("lsn", Long.toUnsignedString(end.lsn()));
            digest.putAll(map(map(json).get("digest")));
            map(json).put("digest", digest);
        }
        RecordComponent[] comps = op.replyType.getRecordComponents();
        if (comps.length == 1 && (comps[0].getType() == List.class || comps[0].getType() == byte[].class)) {
            // A body that is one list or blob is written {"value": ...}.
            Map<String, Object> wrapped = new LinkedHashMap<>();
            wrapped.put("value", map(WireJson.toJson(reply)).values().iterator().next());
            json = wrapped;
        }
        String difference = diff(m.get("value"), json, "");
        if (difference != null) {
            throw new AssertionError("decoding " + hexKey + ": " + difference);
        }
    }

    /** The first difference between two JSON trees, or null when equal. */
    @SuppressWarnings("unchecked")
    static String diff(Object expected, Object actual, String path) {
        if (expected instanceof Map && actual instanceof Map) {
            Map<String, Object> e = (Map<String, Object>) expected;
            Map<String, Object> a = (Map<String, Object>) actual;
            if (!e.keySet().equals(a.keySet())) {
                return path + ": keys " + e.keySet() + " expected, got " + a.keySet();
            }
            for (String k : e.keySet()) {
                String d = diff(e.get(k), a.get(k), path + "." + k);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (expected instanceof List && actual instanceof List) {
            List<Object> e = (List<Object>) expected;
            List<Object> a = (List<Object>) actual;
            if (e.size() != a.size()) {
                return path + ": " + e.size() + " items expected, got " + a.size();
            }
            for (int i = 0; i < e.size(); i++) {
                String d = diff(e.get(i), a.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return java.util.Objects.equals(expected, actual) ? null
                : path + ": expected " + abbreviate(expected) + ", got " + abbreviate(actual);
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static void checkError(Map<String, Object> m, String hexKey) {
        ErrorBody body = ErrorBody.decode(HEX.parseHex((String) m.get(hexKey)));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("message", body.message());
        json.put("leader", body.leader());
        assertEquals(m.get("value"), json, "decoding " + hexKey);
    }
}
