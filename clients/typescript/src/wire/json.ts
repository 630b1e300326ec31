/**
 * The protocol's JSON form of a value (the golden vectors' convention):
 * every integer a decimal string, enums by name, bytes as lowercase hex,
 * absent optionals null, choices as one-key objects. Never a float.
 *
 * @packageDocumentation
 */
import type { FieldType, Fields, Variants } from './schema.js';

export type Json = null | boolean | string | Json[] | { [key: string]: Json };

/** `value` (of `type`) in JSON form. */
export function toJson(type: FieldType, value: unknown): Json {
  if (typeof type === 'string') {
    switch (type) {
      case 'bool': return value as boolean;
      case 'str': return value as string;
      case 'magic': return Buffer.from(value as Uint8Array).toString('hex');
      default: return (value as number | bigint).toString();
    }
  }
  switch (type.kind) {
    case 'opt':
    case 'flagged':
      return value === null ? null : toJson(type.of, value);
    case 'list':
      return (value as unknown[]).map((item) => toJson(type.of, item));
    case 'enum':
      return value as string | null;
    case 'struct': {
      const obj = value as Record<string, unknown>;
      const out: Record<string, Json> = {};
      for (const [name, ft] of Object.entries(type.fields as Fields)) out[name] = toJson(ft, obj[name]);
      return out;
    }
    case 'choice': {
      const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!;
      return { [key]: toJson((type.variants as Variants)[key]!.type, inner) };
    }
    case 'appended':
    case 'default':
      return toJson(type.of, value);
    case 'rest':
      return Buffer.from(value as Uint8Array).toString('hex');
    case 'tuple':
      return type.items.map((t: FieldType, i: number) => toJson(t, (value as unknown[])[i]));
    case 'custom':
      return type.toJson(value) as Json;
  }
}

/** The value of `type` that `json` stands for (the inverse of {@link toJson}). */
export function fromJson(type: FieldType, json: Json): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'bool': return json as boolean;
      case 'str': return json as string;
      case 'magic': return new Uint8Array(Buffer.from(json as string, 'hex'));
      case 'u64': case 'i64': case 'u128': return BigInt(json as string);
      default: {
        const n = Number(json as string);
        if (!Number.isSafeInteger(n) || String(n) !== json) throw new RangeError(`not an integer: ${String(json)}`);
        return n;
      }
    }
  }
  switch (type.kind) {
    case 'opt':
    case 'flagged':
      return json === null ? null : fromJson(type.of, json);
    case 'list':
      return (json as Json[]).map((item) => fromJson(type.of, item));
    case 'enum':
      return json;
    case 'struct': {
      const obj = json as Record<string, Json>;
      const out: Record<string, unknown> = {};
      for (const [name, ft] of Object.entries(type.fields as Fields)) {
        if (!(name in obj)) throw new TypeError(`${type.name}: JSON has no field \`${name}\``);
        out[name] = fromJson(ft, obj[name]!);
      }
      const extra = Object.keys(obj).filter((k) => !(k in (type.fields as Fields)));
      if (extra.length > 0) throw new TypeError(`${type.name}: JSON has unknown fields ${extra.join(', ')}`);
      return out;
    }
    case 'choice': {
      const entries = Object.entries(json as Record<string, Json>);
      const variant = entries.length === 1 ? (type.variants as Variants)[entries[0]![0]] : undefined;
      if (!variant) throw new TypeError(`${type.name}: not one of ${Object.keys(type.variants).join(', ')}`);
      return { [entries[0]![0]]: fromJson(variant.type, entries[0]![1]) };
    }
    case 'appended':
    case 'default':
      return fromJson(type.of, json);
    case 'rest':
      return new Uint8Array(Buffer.from(json as string, 'hex'));
    case 'tuple': {
      const items = json as Json[];
      if (!Array.isArray(items) || items.length !== type.items.length) throw new TypeError(`expected a ${type.items.length}-item array`);
      return type.items.map((t: FieldType, i: number) => fromJson(t, items[i]!));
    }
    case 'custom':
      return type.fromJson(json);
  }
}
