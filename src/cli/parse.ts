/**
 * @module cli/parse
 *
 * Parsers for CLI flag values (`100USD`, durations). Each throws an
 * `InputError` naming the flag, so a typo exits 2 with a clear message.
 */

import { InputError } from '../errors/index.js';
import type { Money } from '../credential/types.js';
import { parseDuration } from '../lib/duration.js';

const MONEY = /^(\d{1,15}(?:\.\d{1,6})?)\s*([A-Za-z]{3})$/;

/** `100USD`, `99.50 eur` → `{ value, currency }`. */
export function parseMoney(text: string, flag: string): Money {
  const match = MONEY.exec(text.trim());
  if (!match) throw new InputError('ERR_INVALID_ARGUMENT', `${flag} must look like 100USD`, { claim: flag });
  return { value: Number(match[1]), currency: match[2]!.toUpperCase() };
}

/** Validates a duration flag and returns it unchanged. */
export function checkDuration(text: string, flag: string): string {
  try {
    parseDuration(text);
  } catch {
    throw new InputError('ERR_INVALID_ARGUMENT', `${flag} must be a duration such as P30D or 30d`, { claim: flag });
  }
  return text;
}
