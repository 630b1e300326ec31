/**
 * Exact conversion between decimal strings ("150.00") and integer minor units
 * (15000n), per ISO 4217 currency. BigInt throughout; never a float.
 *
 * @packageDocumentation
 */
import { CURRENCY_DECIMALS } from './currencies.js';

const I64_MAX = (1n << 63n) - 1n;

/** A money string or currency that cannot be converted exactly. */
export class MoneyError extends Error {
  override name = 'MoneyError';
  constructor(
    message: string,
    /** Why: NOT_DECIMAL, TOO_PRECISE, OVERFLOW or UNKNOWN_CURRENCY. */
    readonly reason: 'NOT_DECIMAL' | 'TOO_PRECISE' | 'OVERFLOW' | 'UNKNOWN_CURRENCY',
  ) {
    super(message);
  }
}

/** Decimals of an ISO 4217 currency (USD 2, JPY 0, KWD 3). Throws MoneyError for an unknown one. */
export function decimals(currency: string): number {
  const d = CURRENCY_DECIMALS[currency];
  if (d === undefined) throw new MoneyError(`unknown currency ${JSON.stringify(currency)}: expected an ISO 4217 code such as USD`, 'UNKNOWN_CURRENCY');
  return d;
}

/** True when `currency` is an ISO 4217 code (upper case, as on the wire). */
export function isCurrency(currency: string): boolean {
  return Object.hasOwn(CURRENCY_DECIMALS, currency);
}

/**
 * "150.00" USD → 15000n. Exact: more decimals than the currency has is an
 * error, never a rounding. A leading '-' is accepted; the result must fit i64.
 */
export function parseMoney(amount: string, currency: string): bigint {
  return parseDecimal(amount, decimals(currency), currency);
}

/** A decimal string scaled by 10^places, exactly: ("12.5", 2) → 1250n. */
export function parseDecimal(amount: string, places: number, currency = ''): bigint {
  const text = amount.trim();
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const dot = digits.indexOf('.');
  const whole = dot < 0 ? digits : digits.slice(0, dot);
  const frac = dot < 0 ? '' : digits.slice(dot + 1);
  const allDigits = (s: string) => /^[0-9]*$/.test(s);
  if (whole === '' || !allDigits(whole) || !allDigits(frac) || digits.endsWith('.')) {
    throw new MoneyError(`${JSON.stringify(amount)} is not a decimal amount such as 150.00`, 'NOT_DECIMAL');
  }
  if (frac.length > places) {
    throw new MoneyError(`${JSON.stringify(amount)} has more decimals than ${currency || 'the currency'} allows (${places})`, 'TOO_PRECISE');
  }
  const value = BigInt(whole + frac.padEnd(places, '0'));
  if (value > I64_MAX) throw new MoneyError(`${JSON.stringify(amount)} is too large`, 'OVERFLOW');
  return negative ? -value : value;
}

/** 15000n USD → "150.00". An unknown currency prints with two decimals. */
export function formatMoney(minor: bigint, currency: string): string {
  const places = CURRENCY_DECIMALS[currency] ?? 2;
  if (places === 0) return minor.toString();
  const scale = 10n ** BigInt(places);
  const abs = minor < 0n ? -minor : minor;
  const sign = minor < 0n ? '-' : '';
  return `${sign}${abs / scale}.${(abs % scale).toString().padStart(places, '0')}`;
}
