"""Declarative wire layouts: a struct is a dataclass whose fields say their wire
type (``wire("u64")``), in wire order; this module encodes, decodes and converts
them to and from the JSON conventions of clients/vectors/README.md.

Field kinds:

- ``"u8" "u16" "u32" "u64" "u128" "i32" "i64" "bool" "str"``
- ``("opt", kind)``: ``opt<T>``; ``("list", kind)``: ``list<T>``
- ``("enum", Cls)``: strict enum; ``("enum0", Cls)``: 0 is ``None``;
  ``("lax", Cls)``: 0 or an unknown value is ``None`` (protocol.md's lenient fields)
- a struct class, or a class with ``wire_write``/``wire_read``/``to_json``/``from_json``
  (the tagged unions)

A field made with ``at_end=True`` was appended to its body in a later revision:
when the body ends before it, it takes its default (protocol.md section 8).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from .enums import WireEnum
from .errors import DecodeError
from .primitives import Reader, Writer, check_range

_INTS = ("u8", "u16", "u32", "u64", "u128", "i32", "i64")


def wire(kind: Any, default: Any = dataclasses.MISSING, *, at_end: bool = False) -> Any:
    """A dataclass field carrying its wire kind; the default is the kind's zero."""
    meta = {"wire": kind, "at_end": at_end}
    if default is not dataclasses.MISSING:
        return dataclasses.field(default=default, metadata=meta)
    if isinstance(kind, tuple) and kind[0] == "list":
        return dataclasses.field(default_factory=list, metadata=meta)
    if isinstance(kind, tuple) and kind[0] in ("opt", "enum0", "lax"):
        return dataclasses.field(default=None, metadata=meta)
    if isinstance(kind, tuple) and kind[0] == "enum":
        return dataclasses.field(default=kind[1](min(m.value for m in kind[1])), metadata=meta)
    if kind in _INTS:
        return dataclasses.field(default=0, metadata=meta)
    if kind == "bool":
        return dataclasses.field(default=False, metadata=meta)
    if kind == "str":
        return dataclasses.field(default="", metadata=meta)
    if isinstance(kind, type):
        return dataclasses.field(default_factory=kind, metadata=meta)
    raise TypeError(f"no default for wire kind {kind!r}")


# --- compiled codecs -----------------------------------------------------------

_writers: dict[type, Callable[[Writer, Any], None]] = {}
_readers: dict[type, Callable[[Reader], Any]] = {}


def _kind_writer(kind: Any, name: str) -> Callable[[Writer, Any], None]:
    if isinstance(kind, str):
        method = getattr(Writer, kind)
        if kind in _INTS:
            def write_int(w: Writer, v: Any, _m: Callable[[Writer, int], None] = method,
                          _k: str = kind) -> None:
                check_range(_k, v, name)
                _m(w, v)
            return write_int
        if kind == "str":
            def write_str(w: Writer, v: Any) -> None:
                if not isinstance(v, str):
                    raise TypeError(f"field {name!r} must be a str")
                w.str(v)
            return write_str
        return method
    if isinstance(kind, tuple):
        tag, inner = kind
        if tag == "opt":
            write_inner = _kind_writer(inner, name)

            def write_opt(w: Writer, v: Any) -> None:
                if v is None:
                    w.u8(0)
                else:
                    w.u8(1)
                    write_inner(w, v)
            return write_opt
        if tag == "list":
            write_item = _kind_writer(inner, name)

            def write_list(w: Writer, v: Any) -> None:
                w.count(len(v))
                for item in v:
                    write_item(w, item)
            return write_list
        if tag == "enum":
            def write_enum(w: Writer, v: Any) -> None:
                w.u8(inner(v).value)
            return write_enum
        if tag in ("enum0", "lax"):
            def write_enum0(w: Writer, v: Any) -> None:
                w.u8(0 if v is None else inner(v).value)
            return write_enum0
    if isinstance(kind, type):
        if hasattr(kind, "wire_encode"):
            return kind.wire_encode
        if hasattr(kind, "wire_write"):
            return lambda w, v: v.wire_write(w)
        return lambda w, v: struct_writer(kind)(w, v)
    raise TypeError(f"unknown wire kind {kind!r}")


def _kind_reader(kind: Any, name: str) -> Callable[[Reader], Any]:
    if isinstance(kind, str):
        method = getattr(Reader, kind)
        return lambda r: method(r, name)
    if isinstance(kind, tuple):
        tag, inner = kind
        if tag == "opt":
            read_inner = _kind_reader(inner, name)

            def read_opt(r: Reader) -> Any:
                present = r.u8(name)
                if present == 0:
                    return None
                if present != 1:
                    raise DecodeError(f"field `{name}` has presence byte {present}")
                return read_inner(r)
            return read_opt
        if tag == "list":
            read_item = _kind_reader(inner, name)

            def read_list(r: Reader) -> list[Any]:
                # Never trust a count for allocation: items are read one by one.
                return [read_item(r) for _ in range(r.count(name))]
            return read_list
        if tag == "enum":
            def read_enum(r: Reader) -> WireEnum:
                v = r.u8(name)
                try:
                    return inner(v)
                except ValueError:
                    raise DecodeError(f"field `{name}` has unknown value {v}") from None
            return read_enum
        if tag == "enum0":
            def read_enum0(r: Reader) -> WireEnum | None:
                v = r.u8(name)
                if v == 0:
                    return None
                try:
                    return inner(v)
                except ValueError:
                    raise DecodeError(f"field `{name}` has unknown value {v}") from None
            return read_enum0
        if tag == "lax":
            def read_lax(r: Reader) -> WireEnum | None:
                v = r.u8(name)
                try:
                    return inner(v) if v else None
                except ValueError:
                    return None
            return read_lax
    if isinstance(kind, type):
        if hasattr(kind, "wire_read"):
            return kind.wire_read
        return lambda r: struct_reader(kind)(r)
    raise TypeError(f"unknown wire kind {kind!r}")


def struct_writer(cls: type) -> Callable[[Writer, Any], None]:
    """The compiled encoder of a wire struct."""
    fn = _writers.get(cls)
    if fn is None:
        parts = [(f.name, _kind_writer(f.metadata["wire"], f.name)) for f in dataclasses.fields(cls)]

        def fn(w: Writer, value: Any) -> None:
            for name, write in parts:
                write(w, getattr(value, name))
        _writers[cls] = fn
    return fn


def struct_reader(cls: type) -> Callable[[Reader], Any]:
    """The compiled decoder of a wire struct."""
    fn = _readers.get(cls)
    if fn is None:
        parts = [(_kind_reader(f.metadata["wire"], f.name), f.metadata["at_end"])
                 for f in dataclasses.fields(cls)]
        if not any(at_end for _, at_end in parts):
            readers = [read for read, _ in parts]

            def fn(r: Reader) -> Any:
                return cls(*[read(r) for read in readers])
        else:
            def fn(r: Reader) -> Any:
                values = []
                for read, at_end in parts:
                    if at_end and r.remaining() == 0:
                        break  # an older peer's body: the rest take their defaults
                    values.append(read(r))
                return cls(*values)
        _readers[cls] = fn
    return fn


def encode(kind: Any, value: Any) -> bytes:
    """The bytes of ``value`` as wire kind ``kind`` (a struct class, usually)."""
    w = Writer()
    _kind_writer(kind, "value")(w, value)
    return w.getvalue()


def decode(kind: Any, body: bytes) -> Any:
    """Decodes ``body`` as ``kind``; bytes after the last known field are ignored."""
    return _kind_reader(kind, "value")(Reader(body))


# --- JSON conventions of clients/vectors/README.md -----------------------------

def to_json(kind: Any, value: Any) -> Any:
    """``value`` in the vectors' JSON conventions: integers as decimal strings,
    enums by protocol name, structs as objects, absent optionals as null."""
    if isinstance(kind, str):
        if kind in _INTS:
            return str(value)
        return value
    if isinstance(kind, tuple):
        tag, inner = kind
        if tag == "opt":
            return None if value is None else to_json(inner, value)
        if tag == "list":
            return [to_json(inner, v) for v in value]
        if value is None:
            return None
        return inner(value).protocol_name
    if hasattr(kind, "json_of"):
        return kind.json_of(value)
    if hasattr(kind, "to_json"):
        return value.to_json()
    if getattr(kind, "JSON_PAIR", False):
        return [to_json(f.metadata["wire"], getattr(value, f.name)) for f in dataclasses.fields(kind)]
    return {f.name.rstrip("_"): to_json(f.metadata["wire"], getattr(value, f.name))
            for f in dataclasses.fields(kind)}


def from_json(kind: Any, data: Any) -> Any:
    """The inverse of ``to_json``: builds a value of ``kind`` from JSON."""
    if isinstance(kind, str):
        if kind in _INTS:
            return int(data)
        return data
    if isinstance(kind, tuple):
        tag, inner = kind
        if tag == "opt":
            return None if data is None else from_json(inner, data)
        if tag == "list":
            return [from_json(inner, v) for v in data]
        if data is None:
            return None
        return inner.from_name(data)
    if hasattr(kind, "from_json"):
        return kind.from_json(data)
    fields = dataclasses.fields(kind)
    if getattr(kind, "JSON_PAIR", False):
        return kind(*[from_json(f.metadata["wire"], v) for f, v in zip(fields, data, strict=True)])
    unknown = set(data) - {f.name.rstrip("_") for f in fields}
    if unknown:
        raise KeyError(f"{kind.__name__} has no fields {sorted(unknown)}")
    return kind(**{f.name: from_json(f.metadata["wire"], data[f.name.rstrip("_")]) for f in fields})
