/**
 * @module cli/parse
 *
 * Parsers for CLI flag values (`100USD`, durations). Each throws an
 * `InputError` naming the flag, so a typo exits 2 with a clear message.
 */

import { legateError } from '../errors/index.js';
import type { Constraints, Money, Weekday } from '../credential/types.js';
import type { Clock } from '../lib/clock.js';
import { addDuration, parseDuration, type Duration } from '../lib/duration.js';

const MONEY = /^(\d{1,15}(?:\.\d{1,6})?)\s*([A-Za-z]{3})$/;

/** `100USD`, `99.50 eur` → `{ value, currency }`. */
export function parseMoney(text: string, flag: string): Money {
  const match = MONEY.exec(text.trim());
  if (!match) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must look like 100USD`, { claim: flag });
  return { value: Number(match[1]), currency: match[2]!.toUpperCase() };
}

/** Validates a duration flag and returns it unchanged. */
export function checkDuration(text: string, flag: string): string {
  try {
    parseDuration(text);
  } catch {
    throw legateError('ERR_INVALID_ARGUMENT', `${flag} must be a duration such as P30D or 30d`, { claim: flag });
  }
  return text;
}

const WEEKDAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function weekday(text: string, flag: string): number {
  const i = WEEKDAYS.findIndex((d) => d.toLowerCase() === text.toLowerCase());
  if (i === -1) throw legateError('ERR_INVALID_ARGUMENT', `${flag}: unknown day ${text.slice(0, 16)}`, { claim: flag });
  return i;
}

/** `Mon-Fri`, `Sat,Sun`, `Mon-Wed,Fri`, `daily`. */
function parseDays(text: string, flag: string): Weekday[] {
  if (text.toLowerCase() === 'daily') return [...WEEKDAYS];
  const days = new Set<Weekday>();
  for (const part of text.split(',')) {
    const [from, to] = part.split('-') as [string, string | undefined];
    const start = weekday(from, flag);
    const end = to === undefined ? start : weekday(to, flag);
    for (let i = start; ; i = (i + 1) % 7) {
      days.add(WEEKDAYS[i]!);
      if (i === end) break;
    }
  }
  return WEEKDAYS.filter((d) => days.has(d));
}

/** `'Mon-Fri 09:00-17:00 Europe/Paris'` → a timeWindow constraint. */
export function parseHours(text: string, flag: string): NonNullable<Constraints['timeWindow']> {
  const match = /^(\S+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})\s+(\S+)$/.exec(text.trim());
  if (!match) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must look like 'Mon-Fri 09:00-17:00 Europe/Paris'`, { claim: flag });
  const [, days, start, end, timeZone] = match as unknown as [string, string, string, string, string];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw legateError('ERR_INVALID_ARGUMENT', `${flag}: unknown time zone ${timeZone.slice(0, 64)}`, { claim: flag });
  }
  return { days: parseDays(days, flag), start, end, timeZone };
}

/** `100USD/P1M` → a budget constraint. */
export function parseBudget(text: string, flag: string): NonNullable<Constraints['budget']> {
  const [amount, period] = text.split('/');
  if (amount === undefined || period === undefined) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must look like 100USD/P1M`, { claim: flag });
  return { ...parseMoney(amount, flag), period: checkIsoDuration(period, flag) };
}

/** `10/PT1M` → a rateLimit constraint. */
export function parseRate(text: string, flag: string): NonNullable<Constraints['rateLimit']> {
  const match = /^(\d{1,9})\/(\S+)$/.exec(text.trim());
  if (!match || Number(match[1]) < 1) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must look like 10/PT1M`, { claim: flag });
  return { count: Number(match[1]), period: checkIsoDuration(match[2]!, flag) };
}

/** Periods inside credentials are ISO 8601 only (the schema says so). */
function checkIsoDuration(text: string, flag: string): string {
  if (!text.startsWith('P')) throw legateError('ERR_INVALID_ARGUMENT', `${flag}: the period must be ISO 8601, such as P1M or PT1M`, { claim: flag });
  return checkDuration(text, flag);
}

/** A non-negative integer flag. */
export function parseCount(text: string, flag: string, max = 8): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) {
    throw legateError('ERR_INVALID_ARGUMENT', `${flag} must be an integer from 0 to ${max}`, { claim: flag });
  }
  return Number(text);
}

/** A sequence-number flag (an audit checkpoint's `seq`): a positive integer of at most 15 digits. */
export function parseSeq(text: string, flag: string): number {
  if (!/^[1-9]\d{0,14}$/.test(text)) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must be a positive integer`, { claim: flag });
  return Number(text);
}

/** An instant flag: ISO 8601 with a zone. */
export function parseInstant(text: string, flag: string): Date {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must be an ISO 8601 time with a zone, e.g. 2026-03-02T10:00:00Z`, { claim: flag });
  return new Date(ms);
}

/** A securing format flag: `jwt` (a compact JWS) or `di` (a Data Integrity proof). */
export function parseFormat(text: string, flag: string): 'jwt' | 'di';
export function parseFormat<F extends string>(text: string, flag: string, allowed: readonly F[]): F;
export function parseFormat(text: string, flag: string, allowed: readonly string[] = ['jwt', 'di']): string {
  if (!allowed.includes(text)) throw legateError('ERR_INVALID_ARGUMENT', `${flag} must be ${allowed.join(', ')}`, { claim: flag });
  return text;
}

/** Commander's collector for repeatable flags (`--for a --for b`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--since`: an ISO 8601 time, or a duration (`P1D`, `12h`) meaning that long ago. */
export function parseSince(text: string, clock: Clock): string {
  let duration: Duration | undefined;
  try {
    duration = parseDuration(text);
  } catch {
    duration = undefined;
  }
  if (duration !== undefined) {
    const negated = Object.fromEntries(Object.entries(duration).map(([k, v]) => [k, -v])) as unknown as Duration;
    return addDuration(clock(), negated).toISOString();
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw legateError('ERR_INVALID_ARGUMENT', '--since must be an ISO 8601 time or a duration (P1D, 12h)', { claim: '--since' });
  }
  return new Date(time).toISOString();
}
