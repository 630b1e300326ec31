package dev.couponsd.client.wire;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Encodes and decodes the records of this package field by field, in the order
 * their components are declared, which is the order of protocol.md and of the
 * Rust codec (clients/rust/src/wire). Each record's layout is worked out once,
 * from its component types and {@link Wire} annotations, and cached.
 */
public final class Codec {
    private Codec() {}

    /** One field's encoding. */
    interface Field {
        void write(WireWriter w, Object value);

        Object read(WireReader r) throws DecodeException;

        /** What the field holds when an appended field is absent. */
        Object absent();
    }

    private static final ClassValue<RecordCodec> CACHE = new ClassValue<>() {
        @Override
        protected RecordCodec computeValue(Class<?> type) {
            return new RecordCodec(type);
        }
    };

    /** Appends {@code value}'s fields. */
    public static void write(WireWriter w, Record value) {
        CACHE.get(value.getClass()).write(w, value);
    }

    /** Reads a {@code type} from {@code r}; bytes after its last field are left unread. */
    public static <T extends Record> T read(Class<T> type, WireReader r) throws DecodeException {
        return type.cast(CACHE.get(type).read(r));
    }

    public static byte[] encode(Record value) {
        WireWriter w = new WireWriter(64);
        write(w, value);
        return w.toByteArray();
    }

    public static <T extends Record> T decode(Class<T> type, byte[] body) throws DecodeException {
        return read(type, new WireReader(body));
    }

    /** The layout of one record class. */
    static final class RecordCodec implements Field {
        final Class<?> type;
        final String[] names;
        final Field[] fields;
        final boolean[] appended;
        final MethodHandle[] getters;
        final MethodHandle constructor;
        final byte[] prefix;

        RecordCodec(Class<?> type) {
            if (!type.isRecord()) {
                throw new IllegalArgumentException(type + " is not a record");
            }
            this.type = type;
            Wire.Prefix p = type.getAnnotation(Wire.Prefix.class);
            prefix = new byte[p == null ? 0 : p.value().length];
            for (int i = 0; i < prefix.length; i++) {
                prefix[i] = (byte) p.value()[i];
            }
            RecordComponent[] comps = type.getRecordComponents();
            names = new String[comps.length];
            fields = new Field[comps.length];
            appended = new boolean[comps.length];
            getters = new MethodHandle[comps.length];
            Class<?>[] params = new Class<?>[comps.length];
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            try {
                for (int i = 0; i < comps.length; i++) {
                    RecordComponent c = comps[i];
                    names[i] = c.getName();
                    fields[i] = fieldFor(c, c.getType(), c.getGenericType());
                    appended[i] = c.isAnnotationPresent(Wire.Appended.class);
                    getters[i] = lookup.unreflect(c.getAccessor())
                            .asType(MethodType.methodType(Object.class, Object.class));
                    params[i] = c.getType();
                }
                constructor = lookup.findConstructor(type, MethodType.methodType(void.class, params))
                        .asSpreader(Object[].class, comps.length)
                        .asType(MethodType.methodType(Object.class, Object[].class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot build a codec for " + type, e);
            }
        }

        @Override
        public void write(WireWriter w, Object value) {
            w.bytes(prefix);
            int i = 0;
            try {
                for (; i < fields.length; i++) {
                    fields[i].write(w, getters[i].invokeExact(value));
                }
            } catch (NullPointerException e) {
                throw new IllegalArgumentException(type.getSimpleName() + "." + names[i]
                        + " is null (use \"\", an empty list or a builder's default)", e);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object read(WireReader r) throws DecodeException {
            if (prefix.length > 0 && !java.util.Arrays.equals(prefix, r.bytes(prefix.length, "magic"))) {
                throw new DecodeException(type.getSimpleName() + ": wrong magic");
            }
            Object[] args = new Object[fields.length];
            for (int i = 0; i < fields.length; i++) {
                args[i] = appended[i] && r.remaining() == 0 ? fields[i].absent() : fields[i].read(r);
            }
            try {
                return constructor.invokeExact(args);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new DecodeException(type.getSimpleName() + ": " + e.getMessage());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        /** An appended struct an older peer did not send: every field at its own absent value. */
        @Override
        public Object absent() {
            Object[] args = new Object[fields.length];
            for (int i = 0; i < fields.length; i++) {
                args[i] = fields[i].absent();
            }
            try {
                return constructor.invokeExact(args);
            } catch (Throwable e) {
                throw new IllegalStateException("no absent value for " + type, e);
            }
        }
    }

    private static Field fieldFor(RecordComponent c, Class<?> t, Type generic) {
        String name = c.getName();
        boolean u32 = c.isAnnotationPresent(Wire.U32.class);
        if (t == boolean.class) {
            return simple((w, v) -> w.bool((Boolean) v), r -> r.bool(name), false);
        }
        if (t == long.class || t == Long.class) {
            Field base = u32
                    ? simple((w, v) -> w.u32((Long) v), r -> r.u32(name), 0L)
                    : simple((w, v) -> w.u64((Long) v), r -> r.u64(name), 0L);
            return t == Long.class ? optional(base, name) : base;
        }
        if (t == int.class) {
            if (c.isAnnotationPresent(Wire.U8.class)) {
                return simple((w, v) -> w.u8((Integer) v), r -> r.u8(name), 0);
            }
            if (c.isAnnotationPresent(Wire.U16.class)) {
                return simple((w, v) -> w.u16((Integer) v), r -> r.u16(name), 0);
            }
            if (c.isAnnotationPresent(Wire.I32.class)) {
                return simple((w, v) -> w.u32((Integer) v), r -> (int) r.u32(name), 0);
            }
            throw new IllegalStateException(name + ": an int needs @U8, @U16 or @I32");
        }
        if (t == String.class) {
            return simple((w, v) -> w.str((String) v), r -> r.str(name), "");
        }
        if (t == BigInteger.class) {
            return simple((w, v) -> w.bytes(u128((BigInteger) v)),
                    r -> new BigInteger(1, r.bytes(16, name)), BigInteger.ZERO);
        }
        if (t == byte[].class) {
            Field base;
            Wire.Fixed fixed = c.getAnnotation(Wire.Fixed.class);
            if (fixed != null) {
                int n = fixed.value();
                base = simple((w, v) -> w.bytes((byte[]) v), r -> r.bytes(n, name), new byte[n]);
            } else if (c.isAnnotationPresent(Wire.Rest.class)) {
                base = simple((w, v) -> w.bytes((byte[]) v), r -> r.bytes(r.remaining(), name), new byte[0]);
            } else {
                base = simple((w, v) -> w.blob((byte[]) v), r -> r.blob(name), new byte[0]);
            }
            return c.isAnnotationPresent(Wire.Opt.class) ? presence(base, name) : base;
        }
        if (t.isEnum() && WireEnum.class.isAssignableFrom(t)) {
            return enumField(c, t, name);
        }
        if (t == List.class) {
            Type item = ((ParameterizedType) generic).getActualTypeArguments()[0];
            return listField(c, (Class<?>) item, name);
        }
        if (t.isRecord()) {
            Field base = CACHE.get(t);
            return c.isAnnotationPresent(Wire.Opt.class) ? presence(base, name) : base;
        }
        if (t.isSealed()) {
            return new Choice(t, name);
        }
        throw new IllegalStateException(name + ": no wire type for " + t);
    }

    private static Field listField(RecordComponent c, Class<?> item, String name) {
        Field each;
        if (item == String.class) {
            each = simple((w, v) -> w.str((String) v), r -> r.str(name), "");
        } else if (item.isRecord()) {
            each = CACHE.get(item);
        } else {
            throw new IllegalStateException(name + ": no wire type for a list of " + item);
        }
        return new Field() {
            @Override
            public void write(WireWriter w, Object value) {
                List<?> list = (List<?>) value;
                int n = Math.min(list.size(), 0xffff);
                w.u16(n);
                for (int i = 0; i < n; i++) {
                    each.write(w, list.get(i));
                }
            }

            @Override
            public Object read(WireReader r) throws DecodeException {
                int n = r.u16(name);
                // Never trust a count for allocation: every item takes at least one byte.
                List<Object> out = new ArrayList<>(Math.min(n, r.remaining()));
                for (int i = 0; i < n; i++) {
                    out.add(each.read(r));
                }
                return Collections.unmodifiableList(out);
            }

            @Override
            public Object absent() {
                return List.of();
            }
        };
    }

    private static Field enumField(RecordComponent c, Class<?> t, String name) {
        WireEnum[] values = (WireEnum[]) t.getEnumConstants();
        WireEnum[] byCode = new WireEnum[256];
        for (WireEnum v : values) {
            byCode[v.code()] = v;
        }
        boolean zeroIsNone = c.isAnnotationPresent(Wire.ZeroIsNone.class);
        boolean lenient = c.isAnnotationPresent(Wire.Lenient.class);
        return new Field() {
            @Override
            public void write(WireWriter w, Object value) {
                w.u8(value == null ? 0 : ((WireEnum) value).code());
            }

            @Override
            public Object read(WireReader r) throws DecodeException {
                int v = r.u8(name);
                WireEnum e = byCode[v];
                if (e == null && !lenient && !(zeroIsNone && v == 0)) {
                    throw new DecodeException("field `" + name + "` has unknown value " + v);
                }
                return e;
            }

            @Override
            public Object absent() {
                return null;
            }
        };
    }

    /** A presence bool, then the value when true; null when false. */
    private static Field presence(Field base, String name) {
        return new Field() {
            @Override
            public void write(WireWriter w, Object value) {
                w.bool(value != null);
                if (value != null) {
                    base.write(w, value);
                }
            }

            @Override
            public Object read(WireReader r) throws DecodeException {
                return r.bool(name) ? base.read(r) : null;
            }

            @Override
            public Object absent() {
                return null;
            }
        };
    }

    private static Field optional(Field base, String name) {
        return presence(base, name);
    }

    /** A sealed interface whose permitted records carry {@link Wire.Tag}: a tag byte, then the variant. */
    static final class Choice implements Field {
        final String name;
        final RecordCodec[] byTag = new RecordCodec[256];

        Choice(Class<?> sealed, String name) {
            this.name = name;
            for (Class<?> variant : sealed.getPermittedSubclasses()) {
                byTag[variant.getAnnotation(Wire.Tag.class).value()] = CACHE.get(variant);
            }
        }

        @Override
        public void write(WireWriter w, Object value) {
            w.u8(value.getClass().getAnnotation(Wire.Tag.class).value());
            CACHE.get(value.getClass()).write(w, value);
        }

        @Override
        public Object read(WireReader r) throws DecodeException {
            int tag = r.u8(name);
            RecordCodec variant = byTag[tag];
            if (variant == null) {
                throw new DecodeException("field `" + name + "` has unknown value " + tag);
            }
            return variant.read(r);
        }

        @Override
        public Object absent() {
            return null;
        }
    }

    private static byte[] u128(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[16];
        int n = Math.min(raw.length, 16);
        System.arraycopy(raw, raw.length - n, out, 16 - n, n);
        return out;
    }

    interface Writes {
        void write(WireWriter w, Object v);
    }

    interface Reads {
        Object read(WireReader r) throws DecodeException;
    }

    private static Field simple(Writes writes, Reads reads, Object absent) {
        return new Field() {
            @Override
            public void write(WireWriter w, Object value) {
                writes.write(w, value);
            }

            @Override
            public Object read(WireReader r) throws DecodeException {
                return reads.read(r);
            }

            @Override
            public Object absent() {
                return absent;
            }
        };
    }
}
