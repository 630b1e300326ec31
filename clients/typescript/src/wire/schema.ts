/**
 * A small schema language for protocol.md's structs: each struct is declared
 * once, as its fields in wire order, and that one declaration gives the
 * encoder, the decoder, the TypeScript type ({@link Infer}), the defaults a
 * caller may leave out, and the JSON form the golden vectors use.
 *
 * @packageDocumentation
 */
import { DecodeError, Reader, Writer } from './primitives.js';

/** Integer and other fixed-layout field types. */
export type Scalar = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'u128' | 'bool' | 'str' | 'magic';

/** `opt<T>`: a presence byte then T. */
export interface OptType<T extends FieldType = FieldType> {
  readonly kind: 'opt';
  readonly of: T;
}
/** `list<T>`: a u16 count then the items. */
export interface ListType<T extends FieldType = FieldType> {
  readonly kind: 'list';
  readonly of: T;
}
/**
 * A u8 enum carried by name. `none`: 0 decodes as null (and null encodes as
 * 0). `lenient`: an unknown value decodes as null too (protocol.md section 8
 * names the fields that are lenient); otherwise it is a decode error.
 */
export interface EnumType<N extends string = string, Nullable extends boolean = boolean> {
  readonly kind: 'enum';
  readonly name: string;
  readonly values: Readonly<Record<N, number>>;
  readonly none: Nullable;
  readonly lenient: boolean;
}
/** A struct: fields in wire order. */
export interface StructType<F extends Fields = Fields> {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: F;
}
/** A tagged union (CouponRef, RedemptionRef): a u8 tag then the variant. */
export interface ChoiceType<V extends Variants = Variants> {
  readonly kind: 'choice';
  readonly name: string;
  readonly variants: V;
}
/**
 * A field appended within version 1 at the end of a reply body: a body that
 * ends before it reads as `fallback` (protocol.md section 8).
 */
export interface AppendedType<T extends FieldType = FieldType> {
  readonly kind: 'appended';
  readonly of: T;
  readonly fallback: unknown;
}
/** A field with the value a caller gets when it leaves the field out. */
export interface DefaultedType<T extends FieldType = FieldType> {
  readonly kind: 'default';
  readonly of: T;
  readonly value: unknown;
}
/** Every bytes left in the body (opaque parts). */
export interface RestType {
  readonly kind: 'rest';
}
/** A value that encodes as `more` bool, then T only when true (null when false). */
export interface FlaggedType<T extends FieldType = FieldType> {
  readonly kind: 'flagged';
  readonly of: T;
}

/** Fields in order that form one value, an array (FraudModel's (name, weight) pairs). */
export interface TupleType<I extends readonly FieldType[] = readonly FieldType[]> {
  readonly kind: 'tuple';
  readonly items: I;
}
/** A layout the other kinds cannot say (BACKUP_END's conditional digest): its own functions. */
export interface CustomType<V = unknown> {
  readonly kind: 'custom';
  readonly name: string;
  encode(value: V, w: Writer): void;
  decode(r: Reader): V;
  toJson(value: V): unknown;
  fromJson(json: unknown): V;
  /** Phantom: the value's type. */
  readonly __value?: V;
}

export type FieldType =
  | Scalar
  | TupleType<any>
  | CustomType<any>
  | OptType<any>
  | ListType<any>
  | EnumType<any, any>
  | StructType<any>
  | ChoiceType<any>
  | AppendedType<any>
  | DefaultedType<any>
  | RestType
  | FlaggedType<any>;
export type Fields = { readonly [name: string]: FieldType };
export type Variants = { readonly [name: string]: { readonly tag: number; readonly type: FieldType } };

interface ScalarValues {
  u8: number;
  u16: number;
  u32: number;
  i32: number;
  u64: bigint;
  i64: bigint;
  u128: bigint;
  bool: boolean;
  str: string;
  magic: Uint8Array;
}

/** The TypeScript value of a field type. 64-bit integers are bigint. Kept shallow for the compiler. */
export type Infer<T> = T extends Scalar
  ? ScalarValues[T]
  : T extends StructType<infer F>
    ? { -readonly [K in keyof F]: Infer<F[K]> }
    : T extends { readonly kind: 'opt' | 'flagged'; readonly of: infer U }
      ? Infer<U> | null
      : T extends { readonly kind: 'list'; readonly of: infer U }
        ? Infer<U>[]
        : T extends { readonly kind: 'appended' | 'default'; readonly of: infer U }
          ? Infer<U>
          : T extends EnumType<infer N, infer Nullable>
            ? Nullable extends true ? N | null : N
            : T extends ChoiceType<infer V>
              ? { [K in keyof V]: { [P in K]: Infer<V[K]['type']> } }[keyof V]
              : T extends RestType
                ? Uint8Array
                : T extends TupleType<infer I>
                  ? { -readonly [K in keyof I]: Infer<I[K]> }
                  : T extends CustomType<infer V>
                    ? V
                    : never;

/** A value a caller builds: every field may be left out and takes its default. */
export type Input<T> = DeepPartial<Infer<T>>;
/** Every field optional, recursively (arrays, bigints and bytes as they are). */
export type DeepPartial<T> = T extends bigint | string | number | boolean | Uint8Array | null | undefined
  ? T
  : T extends (infer U)[]
    ? DeepPartial<U>[]
    : { [K in keyof T]?: DeepPartial<T[K]> };

export const opt = <T extends FieldType>(of: T): OptType<T> => ({ kind: 'opt', of });
export const list = <T extends FieldType>(of: T): ListType<T> => ({ kind: 'list', of });
export const struct = <F extends Fields>(name: string, fields: F): StructType<F> => ({ kind: 'struct', name, fields });
export const choice = <V extends Variants>(name: string, variants: V): ChoiceType<V> => ({ kind: 'choice', name, variants });
export const appended = <T extends FieldType>(of: T, fallback: unknown): AppendedType<T> => ({ kind: 'appended', of, fallback });
export const withDefault = <T extends FieldType>(of: T, value: unknown): DefaultedType<T> => ({ kind: 'default', of, value });
export const rest: RestType = { kind: 'rest' };
export const tuple = <const I extends readonly FieldType[]>(...items: I): TupleType<I> => ({ kind: 'tuple', items });
export const flagged = <T extends FieldType>(of: T): FlaggedType<T> => ({ kind: 'flagged', of });

/** A strict enum: 0 and unknown values are decode errors. */
export function enumType<const V extends Record<string, number>>(name: string, values: V): EnumType<Extract<keyof V, string>, false> {
  return { kind: 'enum', name, values, none: false, lenient: false };
}
/** The same enum, where 0 means "none" (null). */
export function nullable<N extends string>(e: EnumType<N, any>, lenient = false): EnumType<N, true> {
  return { ...e, none: true, lenient };
}

const fieldLists = new WeakMap<object, [string, FieldType][]>();
/** A struct's fields as [name, type] pairs, computed once (the hot path walks them per message). */
function fieldsOf(type: StructType<any>): [string, FieldType][] {
  let list = fieldLists.get(type);
  if (!list) {
    list = Object.entries(type.fields as Fields);
    fieldLists.set(type, list);
  }
  return list;
}

const byValue = new WeakMap<object, Map<number, string>>();
function nameOf(e: EnumType, value: number): string | undefined {
  let m = byValue.get(e.values);
  if (!m) {
    m = new Map(Object.entries(e.values).map(([k, v]) => [v as number, k]));
    byValue.set(e.values, m);
  }
  return m.get(value);
}

/** Encodes `value` as `type` (fields missing from `value` take their defaults). */
export function encode(type: FieldType, value: unknown, w: Writer, field = ''): void {
  if (typeof type === 'string') {
    switch (type) {
      case 'u8': return w.u8(value as number);
      case 'u16': return w.u16(value as number);
      case 'u32': return w.u32(value as number);
      case 'i32': return w.i32(value as number);
      case 'u64': return w.u64(value as bigint);
      case 'i64': return w.i64(value as bigint);
      case 'u128': return w.u128(value as bigint);
      case 'bool': return w.bool(value as boolean);
      case 'str': return w.str(value as string);
      case 'magic': {
        const b = value as Uint8Array;
        if (b.length !== 4) throw new RangeError('magic must be 4 bytes');
        return w.bytes(b);
      }
    }
  }
  switch (type.kind) {
    case 'opt':
      if (value === null || value === undefined) return w.u8(0);
      w.u8(1);
      return encode(type.of, value, w, field);
    case 'flagged':
      if (value === null || value === undefined) return w.bool(false);
      w.bool(true);
      return encode(type.of, value, w, field);
    case 'list': {
      const items = (value ?? []) as unknown[];
      if (items.length > 0xffff) throw new RangeError(`list \`${field}\` has ${items.length} items, over 65535`);
      w.u16(items.length);
      for (const item of items) encode(type.of, item, w, field);
      return;
    }
    case 'enum': {
      if (value === null || value === undefined) {
        if (type.none) return w.u8(0);
        throw new TypeError(`field \`${field}\` needs a ${type.name}`);
      }
      const v = (type.values as Record<string, number>)[value as string];
      if (v === undefined) throw new TypeError(`field \`${field}\`: ${String(value)} is not a ${type.name}`);
      return w.u8(v);
    }
    case 'struct': {
      const obj = (value ?? {}) as Record<string, unknown>;
      for (const [name, ft] of fieldsOf(type)) {
        const v = obj[name];
        encode(ft, v === undefined ? defaultOf(ft, name) : v, w, name);
      }
      return;
    }
    case 'choice': {
      const obj = value as Record<string, unknown>;
      const keys = obj ? Object.keys(obj) : [];
      const variant = keys.length === 1 ? (type.variants as Variants)[keys[0]!] : undefined;
      if (!variant) throw new TypeError(`${type.name} needs exactly one of ${Object.keys(type.variants).join(', ')}`);
      w.u8(variant.tag);
      return encode(variant.type, obj[keys[0]!], w, keys[0]!);
    }
    case 'appended':
    case 'default':
      return encode(type.of, value === undefined ? defaultOf(type, field) : value, w, field);
    case 'rest':
      return w.bytes(value as Uint8Array);
    case 'tuple': {
      const items = value as unknown[];
      type.items.forEach((t: FieldType, i: number) => encode(t, items[i], w, `${field}[${i}]`));
      return;
    }
    case 'custom':
      return type.encode(value, w);
  }
}

/** Decodes a `type` from `r`. Bytes after it are left for the caller to ignore. */
export function decode(type: FieldType, r: Reader, field = ''): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'u8': return r.u8(field);
      case 'u16': return r.u16(field);
      case 'u32': return r.u32(field);
      case 'i32': return r.i32(field);
      case 'u64': return r.u64(field);
      case 'i64': return r.i64(field);
      case 'u128': return r.u128(field);
      case 'bool': return r.bool(field);
      case 'str': return r.str(field);
      case 'magic': return r.bytes(4, field);
    }
  }
  switch (type.kind) {
    case 'opt':
      return r.present(field) ? decode(type.of, r, field) : null;
    case 'flagged':
      return r.bool(field) ? decode(type.of, r, field) : null;
    case 'list': {
      const count = r.u16(field);
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) items.push(decode(type.of, r, field));
      return items;
    }
    case 'enum': {
      const v = r.u8(field);
      if (v === 0 && type.none) return null;
      const name = nameOf(type, v);
      if (name !== undefined) return name;
      if (type.lenient) return null;
      throw new DecodeError(`field \`${field}\` has unknown value ${v}`, field);
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, ft] of fieldsOf(type)) out[name] = decode(ft, r, name);
      return out;
    }
    case 'choice': {
      const tag = r.u8(type.name);
      for (const [name, variant] of Object.entries(type.variants as Variants)) {
        if (variant.tag === tag) return { [name]: decode(variant.type, r, name) };
      }
      throw new DecodeError(`${type.name} has unknown tag ${tag}`, type.name);
    }
    case 'appended':
      return r.remaining() > 0 ? decode(type.of, r, field) : type.fallback;
    case 'default':
      return decode(type.of, r, field);
    case 'rest':
      return r.rest();
    case 'tuple':
      return type.items.map((t: FieldType, i: number) => decode(t, r, `${field}[${i}]`));
    case 'custom':
      return type.decode(r);
  }
}

/** The value a caller gets for a field it leaves out. */
export function defaultOf(type: FieldType, field = ''): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'u8': case 'u16': case 'u32': case 'i32': return 0;
      case 'u64': case 'i64': case 'u128': return 0n;
      case 'bool': return false;
      case 'str': return '';
      case 'magic': return new Uint8Array([0x43, 0x50, 0x4e, 0x44]);
    }
  }
  switch (type.kind) {
    case 'opt': case 'flagged': return null;
    case 'list': return [];
    case 'enum':
      if (type.none) return null;
      throw new TypeError(`field \`${field}\` (${type.name}) has no default: give it`);
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, ft] of Object.entries(type.fields as Fields)) {
        try {
          out[name] = defaultOf(ft, name);
        } catch {
          // A required field stays absent; encoding names it if still missing.
        }
      }
      return out;
    }
    case 'choice': throw new TypeError(`field \`${field}\` (${type.name}) has no default: give it`);
    case 'appended': return type.fallback;
    case 'default': return type.value;
    case 'rest': return new Uint8Array(0);
    case 'tuple': return type.items.map((t: FieldType, i: number) => defaultOf(t, `${field}[${i}]`));
    case 'custom': throw new TypeError(`field \`${field}\` (${type.name}) has no default: give it`);
  }
}

/** Encodes a whole body. */
export function encodeBody(type: FieldType, value: unknown): Buffer {
  const w = new Writer();
  encode(type, value, w);
  return w.finish();
}

/**
 * Decodes a whole body. Bytes after the last known field are ignored
 * (protocol.md section 8: a newer server may append fields).
 */
export function decodeBody(type: FieldType, body: Uint8Array): unknown {
  return decode(type, new Reader(body));
}
