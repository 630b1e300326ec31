package dev.couponsd.client;

import dev.couponsd.client.wire.Wire;
import dev.couponsd.client.wire.WireEnum;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts the wire records to and from the golden vectors' JSON conventions
 * (clients/vectors/README.md): every integer a decimal string, enums by name,
 * bytes as lowercase hex, choices as one-key objects, snake_case field names.
 */
final class WireJson {
    private WireJson() {}

    static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String jsonName(RecordComponent c) {
        Wire.Name name = c.getAnnotation(Wire.Name.class);
        return name != null ? name.value() : snake(c.getName());
    }

    // ---- record -> JSON ------------------------------------------------------

    static Object toJson(Object value) {
        if (value == null) {
            return null;
        }
        Class<?> t = value.getClass();
        Wire.Tag tag = t.getAnnotation(Wire.Tag.class);
        if (tag != null) {
            RecordComponent[] comps = t.getRecordComponents();
            Object inner = comps.length == 1 ? field(comps[0], get(comps[0], value)) : recordToJson(value);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(tag.name(), inner);
            return m;
        }
        if (t.isAnnotationPresent(Wire.Tuple.class)) {
            return new ArrayList<>(recordToJson(value).values());
        }
        if (t.isRecord()) {
            return recordToJson(value);
        }
        throw new IllegalArgumentException("not a record: " + t);
    }

    private static Map<String, Object> recordToJson(Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : value.getClass().getRecordComponents()) {
            m.put(jsonName(c), field(c, get(c, value)));
        }
        return m;
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object field(RecordComponent c, Object v) {
        if (v == null) {
            return null;
        }
        Class<?> t = c.getType();
        if (t == long.class || t == Long.class) {
            long x = (Long) v;
            return c.isAnnotationPresent(Wire.I64.class) ? Long.toString(x) : Long.toUnsignedString(x);
        }
        if (t == int.class) {
            return Integer.toString((Integer) v);
        }
        if (t == boolean.class || t == String.class) {
            return v;
        }
        if (t == BigInteger.class) {
            return v.toString();
        }
        if (t == byte[].class) {
            return HexFormat.of().formatHex((byte[]) v);
        }
        if (v instanceof WireEnum e) {
            return e.wireName();
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object item : list) {
                out.add(item instanceof String ? item : toJson(item));
            }
            return out;
        }
        return toJson(v);
    }

    // ---- JSON -> record ------------------------------------------------------

    @SuppressWarnings("unchecked")
    static Object fromJson(Class<?> t, Object json) {
        if (t.isSealed()) {
            Map<String, Object> m = (Map<String, Object>) json;
            if (m.size() != 1) {
                throw new IllegalArgumentException("a choice needs one key: " + m);
            }
            Map.Entry<String, Object> e = m.entrySet().iterator().next();
            for (Class<?> variant : t.getPermittedSubclasses()) {
                if (variant.getAnnotation(Wire.Tag.class).name().equals(e.getKey())) {
                    RecordComponent[] comps = variant.getRecordComponents();
                    if (comps.length == 1 && !(e.getValue() instanceof Map)) {
                        return construct(variant, new Object[] {fieldFromJson(comps[0], e.getValue())});
                    }
                    return fromJson(variant, e.getValue());
                }
            }
            throw new IllegalArgumentException("unknown variant " + e.getKey() + " of " + t);
        }
        RecordComponent[] comps = t.getRecordComponents();
        if (t.isAnnotationPresent(Wire.Tuple.class)) {
            List<Object> items = (List<Object>) json;
            Object[] args = new Object[comps.length];
            for (int i = 0; i < comps.length; i++) {
                args[i] = fieldFromJson(comps[i], items.get(i));
            }
            return construct(t, args);
        }
        Map<String, Object> m = (Map<String, Object>) json;
        Object[] args = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            String key = jsonName(comps[i]);
            if (!m.containsKey(key)) {
                throw new IllegalArgumentException(t.getSimpleName() + ": JSON has no `" + key + "` in " + m.keySet());
            }
            args[i] = fieldFromJson(comps[i], m.get(key));
        }
        if (m.size() != comps.length) {
            throw new IllegalArgumentException(t.getSimpleName() + ": JSON has fields this client does not: " + m.keySet());
        }
        return construct(t, args);
    }

    static Object construct(Class<?> t, Object[] args) {
        try {
            Class<?>[] types = new Class<?>[args.length];
            RecordComponent[] comps = t.getRecordComponents();
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
            }
            Constructor<?> k = t.getDeclaredConstructor(types);
            return k.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Object fieldFromJson(RecordComponent c, Object v) {
        Class<?> t = c.getType();
        if (v == null) {
            if (t.isPrimitive()) {
                throw new IllegalArgumentException(c.getName() + " is null");
            }
            return null;
        }
        if (t == long.class || t == Long.class) {
            String s = (String) v;
            return c.isAnnotationPresent(Wire.I64.class) ? Long.parseLong(s) : Long.parseUnsignedLong(s);
        }
        if (t == int.class) {
            long x = Long.parseLong((String) v);
            return (int) x;
        }
        if (t == boolean.class || t == String.class) {
            return v;
        }
        if (t == BigInteger.class) {
            return new BigInteger((String) v);
        }
        if (t == byte[].class) {
            return HexFormat.of().parseHex((String) v);
        }
        if (t.isEnum()) {
            for (Object e : t.getEnumConstants()) {
                if (((WireEnum) e).wireName().equals(v)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("unknown " + t.getSimpleName() + " " + v);
        }
        if (t == List.class) {
            Class<?> item = (Class<?>) ((ParameterizedType) c.getGenericType()).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (Object x : (List<Object>) v) {
                out.add(item == String.class ? x : fromJson(item, x));
            }
            return out;
        }
        return fromJson(t, v);
    }
}
