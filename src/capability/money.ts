/**
 * @module capability/money
 *
 * Exact comparisons of `Money` amounts for constraint checks. Amounts are JSON
 * numbers, and binary floating point makes `0.1 + 0.2 > 0.3`, which would deny
 * a spend that exactly meets a budget. So sums are done on the shortest
 * decimal form of each number (what `String(n)` prints, which round-trips),
 * as scaled BigInts: exact for every value the schema allows. Spend already
 * recorded is kept as decimal strings (the store's usage rows), summed here
 * the same way, so a budget's running total never drifts.
 */

import type { Money } from '../credential/types.js';

/** A decimal `digits × 10^exponent`. */
interface Decimal {
  digits: bigint;
  exponent: number;
}

const NUMBER = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this are refused: `10n ** 10000n` is already large, and no currency needs more. */
const MAX_EXPONENT = 400;

/** An amount as a number, or as a decimal string such as `"0.30"` or `"1e-7"`. */
export type DecimalAmount = number | string;

function toDecimal(value: DecimalAmount): Decimal {
  const text = typeof value === 'number' ? String(value) : value;
  const match = typeof text === 'string' && text.length <= 64 ? NUMBER.exec(text) : null;
  // Callers pass only finite, non-negative amounts (see isValidMoney, isDecimalAmount); be defensive anyway.
  if (!match) throw new RangeError(`not a finite non-negative decimal: ${String(value)}`);
  const fraction = match[2] ?? '';
  const exponent = Number(match[3] ?? 0) - fraction.length;
  if (Math.abs(exponent) > MAX_EXPONENT) throw new RangeError(`decimal exponent out of range: ${String(value)}`);
  return { digits: BigInt((match[1] ?? '0') + fraction), exponent };
}

function scaled(d: Decimal, exponent: number): bigint {
  return d.digits * 10n ** BigInt(d.exponent - exponent);
}

/** True for a finite, non-negative amount: a number, or a plain decimal string (`12`, `0.30`, `1e-7`). */
export function isDecimalAmount(value: unknown): value is DecimalAmount {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  if (typeof value !== 'string') return false;
  try {
    toDecimal(value);
    return true;
  } catch {
    return false;
  }
}

/** True when `a + b <= limit`, computed exactly in decimal. Inputs must be finite and non-negative. */
export function sumAtMost(a: DecimalAmount, b: DecimalAmount, limit: DecimalAmount): boolean {
  const ds = [toDecimal(a), toDecimal(b), toDecimal(limit)] as const;
  const exponent = Math.min(...ds.map((d) => d.exponent));
  return scaled(ds[0], exponent) + scaled(ds[1], exponent) <= scaled(ds[2], exponent);
}

/**
 * The exact sum of `amounts`, as a plain decimal string (no exponent, no
 * trailing fractional zeros): `sumDecimals(['0.1', 0.2])` is `"0.3"`, where
 * floating point gives 0.30000000000000004.
 * @throws RangeError for an amount that is not a finite, non-negative decimal.
 *
 * @example
 * ```ts
 * sumDecimals(['0.1', '0.2']) // '0.3'
 * ```
 */
export function sumDecimals(amounts: Iterable<DecimalAmount>): string {
  const ds = [...amounts].map(toDecimal);
  if (ds.length === 0) return '0';
  const exponent = Math.min(0, ...ds.map((d) => d.exponent));
  let total = ds.reduce((sum, d) => sum + scaled(d, exponent), 0n);
  let places = -exponent;
  while (places > 0 && total % 10n === 0n) {
    total /= 10n;
    places -= 1;
  }
  if (places === 0) return total.toString();
  const text = total.toString().padStart(places + 1, '0');
  return `${text.slice(0, -places)}.${text.slice(-places)}`;
}

/** True when `value` is Money with a finite, non-negative amount and a non-empty currency. */
export function isValidMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null) return false;
  const { value: amount, currency } = value as { value?: unknown; currency?: unknown };
  return (
    typeof amount === 'number' &&
    Number.isFinite(amount) &&
    amount >= 0 &&
    typeof currency === 'string' &&
    currency.length > 0
  );
}

/** `100 USD`, for messages. */
export function formatMoney(money: Money): string {
  return `${money.value} ${money.currency}`;
}
