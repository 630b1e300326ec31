"""Money: integer minor units <-> exact decimal strings, per ISO 4217 currency
(protocol.md section 7, "Currencies"). No floating point anywhere: ``parse``
and ``format`` work on the digits.

    >>> parse("150.00", "USD")
    15000
    >>> format(15000, "USD")
    '150.00'
"""

from __future__ import annotations

from .errors import CouponsdError

#: Minor-unit decimals of every currency the server accepts (protocol.md's table).
CURRENCY_DECIMALS: dict[str, int] = {}
for _decimals, _codes in (
    (0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"),
    (2, "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"),
    (3, "BHD IQD JOD KWD LYD OMR TND"),
    (4, "CLF UYW"),
    (0, "XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX"),
):
    for _code in _codes.split():
        CURRENCY_DECIMALS[_code] = _decimals

_I64_MAX = (1 << 63) - 1


class MoneyError(CouponsdError, ValueError):
    """An amount or currency that cannot be converted exactly. ``reason`` is one of
    ``NOT_DECIMAL``, ``TOO_PRECISE``, ``OVERFLOW``, ``UNKNOWN_CURRENCY``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def decimals(currency: str) -> int:
    """The number of minor-unit decimals of ``currency`` (USD 2, JPY 0, KWD 3)."""
    try:
        return CURRENCY_DECIMALS[currency.strip().upper()]
    except KeyError:
        raise MoneyError("UNKNOWN_CURRENCY", f"unknown currency {currency!r}: expected an ISO 4217 code such as USD") from None


def parse(amount: str, currency: str) -> int:
    """A decimal string in ``currency`` as minor units: ``("150.00", "USD") -> 15000``.

    Refuses more decimals than the currency has, anything but digits and one
    point (a leading ``-`` is accepted), and values outside i64."""
    places = decimals(currency)
    text = amount.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    whole, point, frac = digits.partition(".")
    if (not whole or not _is_digits(whole) or (point and not frac) or (frac and not _is_digits(frac))):
        raise MoneyError("NOT_DECIMAL", f"{amount!r} is not a decimal amount such as 150.00")
    if len(frac) > places:
        raise MoneyError("TOO_PRECISE", f"{amount!r} has more decimals than {currency} allows ({places})")
    value = int(whole + frac.ljust(places, "0"))
    if value > _I64_MAX + (1 if negative else 0):
        raise MoneyError("OVERFLOW", f"{amount!r} is too large")
    return -value if negative else value


def format(minor: int, currency: str) -> str:  # noqa: A001 - mirrors the Rust client's money::format
    """Minor units as a decimal string: ``(15000, "USD") -> "150.00"``.
    Unknown currencies print with two decimals, as the Rust client does."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError("minor units must be an int")
    try:
        places = decimals(currency)
    except MoneyError:
        places = 2
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _is_digits(s: str) -> bool:
    return all("0" <= c <= "9" for c in s)
