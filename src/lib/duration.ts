/**
 * @module lib/duration
 *
 * Durations as ISO 8601 (`P30D`, `PT15M`, `P1Y2M`) or short forms (`30d`,
 * `12h`, `15m`, `90s`, `2w`, `1y`). Years and months are calendar units, so a
 * duration is applied to a date (UTC calendar arithmetic), not turned into a
 * fixed number of milliseconds.
 */

import { legateError } from '../errors/index.js';

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const SHORT = /^(\d+)(y|w|d|h|m|s)$/;
const MAX_COMPONENT = 1_000_000;

/**
 * Parses an ISO 8601 duration or a short form.
 * @throws InputError `ERR_MALFORMED` when it is neither, or empty.
 */
export function parseDuration(text: string): Duration {
  const d: Duration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  const iso = ISO.exec(text);
  if (iso) {
    const keys = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
    keys.forEach((k, i) => (d[k] = Number(iso[i + 1] ?? 0)));
  } else {
    const short = SHORT.exec(text);
    if (!short) {
      throw legateError('ERR_MALFORMED', `not a duration: expected ISO 8601 (P30D) or short form (30d)`, {
        claim: 'duration',
      });
    }
    const unit = { y: 'years', w: 'weeks', d: 'days', h: 'hours', m: 'minutes', s: 'seconds' } as const;
    d[unit[short[2] as keyof typeof unit]] = Number(short[1]);
  }
  if (Object.values(d).some((v) => v > MAX_COMPONENT)) {
    throw legateError('ERR_MALFORMED', 'duration component out of range', { claim: 'duration' });
  }
  if (Object.values(d).every((v) => v === 0)) {
    throw legateError('ERR_MALFORMED', 'duration must be longer than zero', { claim: 'duration' });
  }
  return d;
}

/** `date` plus `duration`, by the UTC calendar. */
export function addDuration(date: Date, duration: Duration): Date {
  const out = new Date(date.getTime());
  if (duration.years || duration.months) {
    out.setUTCMonth(out.getUTCMonth() + duration.years * 12 + duration.months);
  }
  const ms =
    ((((duration.weeks * 7 + duration.days) * 24 + duration.hours) * 60 + duration.minutes) * 60 + duration.seconds) *
    1000;
  return new Date(out.getTime() + ms);
}

/**
 * The longest `duration` can last, in ms: months counted as 31 days, years
 * as 366. For bounds that must never fall short whatever the calendar does:
 * how long a usage row may still be counted, how long a client must wait.
 */
export function longestMs(duration: Duration): number {
  const days = duration.years * 366 + duration.months * 31 + duration.weeks * 7 + duration.days;
  return (((days * 24 + duration.hours) * 60 + duration.minutes) * 60 + duration.seconds) * 1000;
}
