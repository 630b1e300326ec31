package dev.couponsd.client.wire;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Annotations that give a record component its wire type where the Java type
 * alone does not say it (protocol.md section 4). The {@link Codec} reads them.
 *
 * <ul>
 *   <li>{@code long}: u64 unless {@link I64} or {@link U32};</li>
 *   <li>{@code int}: must carry {@link U8}, {@link U16} or {@link I32};</li>
 *   <li>{@code Long}: an optional (a presence byte, then the value), same widths;</li>
 *   <li>{@code byte[]}: a blob (u32 length) unless {@link Fixed} or {@link Rest};</li>
 *   <li>an enum: one byte; {@link ZeroIsNone} lets 0 mean null, {@link Lenient}
 *       reads an unknown value as null;</li>
 *   <li>a record: its fields inline; with {@link Opt}, a presence byte first.</li>
 * </ul>
 */
public final class Wire {
    private Wire() {}

    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface U8 {}

    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface U16 {}

    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface U32 {}

    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface I32 {}

    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface I64 {}

    /** Exactly this many bytes, no length prefix. */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface Fixed { int value(); }

    /** Every byte left in the body. */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface Rest {}

    /** A record or bytes preceded by a presence bool; null when absent. */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface Opt {}

    /** An enum byte where 0 means "none" (null). */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface ZeroIsNone {}

    /** An enum byte read as null when this client does not know it (section 8). */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface Lenient {}

    /** A field appended to a reply body: an older server's reply ends before it. */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface Appended {}

    /** The name JSON gives a component when Java cannot (a keyword such as {@code class}). */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.RECORD_COMPONENT)
    public @interface Name { String value(); }

    /** Constant bytes before a record's fields (HELLO's magic); checked when read. */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.TYPE)
    public @interface Prefix { int[] value(); }

    /** A pair protocol.md writes as "(name str, weight i64)": JSON gives it as an array. */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.TYPE)
    public @interface Tuple {}

    /** The tag byte and JSON name of one variant of a choice (CouponRef, RedemptionRef). */
    @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.TYPE)
    public @interface Tag { int value(); String name(); }
}
