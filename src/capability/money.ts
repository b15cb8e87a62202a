/**
 * @module capability/money
 *
 * Exact comparisons of `Money` amounts for constraint checks. Amounts are JSON
 * numbers, and binary floating point makes `0.1 + 0.2 > 0.3`, which would deny
 * a spend that exactly meets a budget. So sums are done on the shortest
 * decimal form of each number (what `String(n)` prints, which round-trips),
 * as scaled BigInts: exact for every value the schema allows.
 */

import type { Money } from '../credential/types.js';

/** A decimal `digits × 10^exponent`. */
interface Decimal {
  digits: bigint;
  exponent: number;
}

const NUMBER = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

function toDecimal(value: number): Decimal {
  const match = NUMBER.exec(String(value));
  // Callers pass only finite, non-negative numbers (see isValidMoney); be defensive anyway.
  if (!match) throw new RangeError(`not a finite non-negative number: ${value}`);
  const fraction = match[2] ?? '';
  return { digits: BigInt((match[1] ?? '0') + fraction), exponent: Number(match[3] ?? 0) - fraction.length };
}

function scaled(d: Decimal, exponent: number): bigint {
  return d.digits * 10n ** BigInt(d.exponent - exponent);
}

/** True when `a + b <= limit`, computed exactly in decimal. Inputs must be finite and non-negative. */
export function sumAtMost(a: number, b: number, limit: number): boolean {
  const ds = [toDecimal(a), toDecimal(b), toDecimal(limit)] as const;
  const exponent = Math.min(...ds.map((d) => d.exponent));
  return scaled(ds[0], exponent) + scaled(ds[1], exponent) <= scaled(ds[2], exponent);
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
