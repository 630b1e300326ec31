"""Writes API.rst, the API reference in Sphinx's reStructuredText (py: domain),
from the library's signatures and docstrings. tests/test_docs.py checks that
the committed API.rst is current: run ``python3 tools/api_rst.py > API.rst``."""

from __future__ import annotations

import dataclasses
import inspect
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import couponsd  # noqa: E402
from couponsd import errors, money  # noqa: E402
from couponsd.enums import ENUMS  # noqa: E402


def doc(obj: object, indent: str) -> str:
    text = inspect.cleandoc(obj.__doc__ or "")
    return "\n".join(indent + line if line else "" for line in text.splitlines())


def signature(fn: object) -> str:
    return str(inspect.signature(fn)).replace("(self, ", "(").replace("(self)", "()").replace("'", "")  # type: ignore[arg-type]


def methods(cls: type, out: list[str], coroutines: bool) -> None:
    for name, fn in inspect.getmembers(cls, inspect.isfunction if not coroutines else inspect.iscoroutinefunction):
        if name.startswith("_") or name == "connect":
            continue
        prefix = "   .. py:method:: "
        out.append(f"{prefix}{name}{signature(fn)}")
        if coroutines:
            out.append("      :async:")
        out.append("")
        out.append(doc(fn, "      "))
        out.append("")


def render() -> str:
    out = ["couponsd Python client: API reference", "=" * 38, "",
           "Generated from the docstrings by ``tools/api_rst.py``. Every struct is a",
           "dataclass whose fields are in wire order; integers are Python ints (money",
           "in minor units), enums are ``IntEnum``.", "",
           ".. py:module:: couponsd", ""]
    out += ["Clients", "-------", ""]
    for cls, coroutines in ((couponsd.Client, True), (couponsd.SyncClient, False)):
        out.append(f".. py:class:: {cls.__name__}")
        out.append("")
        out.append(doc(cls, "   "))
        out.append("")
        if cls is couponsd.SyncClient:
            out.append("   .. py:method:: connect(addresses, options=None, **option_fields)")
            out.append("      :classmethod:")
            out.append("")
            out.append(doc(cls.connect, "      "))
            out.append("")
            out.append("   Every coroutine method of ``Client`` above, blocking, with the same arguments.")
            out.append("")
        else:
            out.append("   .. py:method:: connect(addresses, options=None, **option_fields)")
            out.append("      :classmethod:")
            out.append("      :async:")
            out.append("")
            out.append(doc(cls.connect, "      "))
            out.append("")
            methods(cls, out, coroutines)
    out += [".. py:class:: ClientOptions", "", doc(couponsd.ClientOptions, "   "), ""]
    for f in dataclasses.fields(couponsd.ClientOptions):
        out.append(f"   .. py:attribute:: {f.name}")
        out.append(f"      :value: {f.default!r}")
        out.append("")
    out += ["Structs", "-------", ""]
    seen: set[str] = set()
    for module_name in ("coupon", "order", "redemption", "campaign", "server", "insights", "outreach"):
        module = sys.modules[f"couponsd.{module_name}"]
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or name in seen or not dataclasses.is_dataclass(cls):
                continue
            seen.add(name)
            out.append(f".. py:class:: {name}")
            out.append("")
            out.append(doc(cls, "   "))
            out.append("")
            for f in dataclasses.fields(cls):
                kind = f.metadata.get("wire", "")
                kind_text = kind.__name__ if isinstance(kind, type) else (
                    f"{kind[0]} {getattr(kind[1], '__name__', kind[1])}" if isinstance(kind, tuple) else kind)
                out.append(f"   .. py:attribute:: {f.name}")
                out.append(f"      :type: {kind_text}")
                out.append("")
    out += ["References", "----------", ""]
    for cls in (couponsd.CouponRef, couponsd.RedemptionRef):
        out += [f".. py:class:: {cls.__name__}", "", doc(cls, "   "), ""]
    out += ["Enums", "-----", ""]
    for name, cls in sorted(ENUMS.items()):
        values = ", ".join(f"``{m.name}`` = {m.value}" for m in cls)
        out += [f".. py:class:: {name}", "", f"   {values}", ""]
    out += ["Errors", "------", "", doc(errors, ""), ""]
    for cls in (errors.CouponsdError, errors.ServerError, errors.DecodeError, errors.ProtocolError,
                errors.ConnectionFailed, errors.TlsError, errors.Disconnected, errors.RequestTimeout,
                errors.RequestTooLarge):
        out += [f".. py:exception:: errors.{cls.__name__}", "", doc(cls, "   "), ""]
    for code, cls in sorted(errors.ERROR_CLASSES.items()):
        out += [f".. py:exception:: errors.{cls.__name__}", "", doc(cls, "   "), ""]
    out += ["Money", "-----", "", doc(money, ""), ""]
    for fn in (money.parse, money.format, money.decimals):
        out += [f".. py:function:: money.{fn.__name__}{signature(fn)}", "", doc(fn, "   "), ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
