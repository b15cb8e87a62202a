/**
 * @module capability/time-window
 *
 * The `timeWindow` constraint: days of the week and a wall-clock interval in
 * an IANA time zone. Local time is read with `Intl.DateTimeFormat` in that
 * zone, so daylight-saving changes are the platform's (ICU's) business, not
 * ours: an instant is in the window when the zone's wall clock at that instant
 * is. On a spring-forward day the skipped hour simply never occurs; on a
 * fall-back day the repeated hour is in the window both times.
 *
 * Intervals are half-open, `[start, end)`; `end` may be `24:00` (end of day).
 * When `start > end` the window crosses midnight (`22:00`–`06:00`) and `days`
 * name the day it starts on, so `Fri 22:00–06:00` includes Saturday 05:59.
 * When `start == end` the window is empty: write `00:00`–`24:00` for all day.
 */

import type { Constraints, Weekday } from '../credential/types.js';
import { legateError } from '../errors/index.js';

export type TimeWindow = NonNullable<Constraints['timeWindow']>;

/** Monday first, as ISO 8601 counts. */
export const WEEKDAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const MINUTES_PER_DAY = 24 * 60;
const CLOCK_TIME = /^(\d{2}):(\d{2})$/;

/**
 * Minutes since midnight of an `HH:MM` wall-clock time; `24:00` (1440) only
 * when `allowEndOfDay`.
 * @throws InputError `ERR_MALFORMED` naming `field` when the time is malformed.
 *
 * @example
 * ```ts
 * parseClockTime('09:30', 'start') // 570
 * ```
 */
export function parseClockTime(text: string, field: string, allowEndOfDay = false): number {
  const match = CLOCK_TIME.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  const valid =
    match !== null &&
    Number(match[2]) < 60 &&
    (minutes < MINUTES_PER_DAY || (allowEndOfDay && minutes === MINUTES_PER_DAY));
  if (!valid) {
    throw legateError('ERR_MALFORMED', `${field} must be HH:MM${allowEndOfDay ? ' or 24:00' : ''}`, {
      claim: `timeWindow.${field}`,
    });
  }
  return minutes;
}

/** A parsed window: minutes since midnight, and whether it crosses midnight. */
export interface ParsedTimeWindow {
  days: ReadonlySet<Weekday>;
  start: number;
  end: number;
  timeZone: string;
  crossesMidnight: boolean;
}

/**
 * Checks and parses a time window.
 * @throws InputError `ERR_MALFORMED` for a malformed time, day or time zone.
 */
export function parseTimeWindow(window: TimeWindow): ParsedTimeWindow {
  const start = parseClockTime(window.start, 'start');
  const end = parseClockTime(window.end, 'end', true);
  if (!Array.isArray(window.days) || window.days.some((d) => !WEEKDAYS.includes(d))) {
    throw legateError('ERR_MALFORMED', `days must list weekdays among ${WEEKDAYS.join(', ')}`, {
      claim: 'timeWindow.days',
    });
  }
  formatterFor(window.timeZone); // validates the zone early
  return { days: new Set(window.days), start, end, timeZone: window.timeZone, crossesMidnight: start > end };
}

// Formatters are costly to build and authorization runs per action, so keep
// one per zone. Bounded, because zone names come from credentials.
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 256;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter) return formatter;
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw legateError('ERR_MALFORMED', 'timeZone must be an IANA time zone name', { claim: 'timeWindow.timeZone' });
  }
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch (cause) {
    throw legateError('ERR_MALFORMED', `unknown time zone: ${timeZone.slice(0, 64)}`, {
      claim: 'timeWindow.timeZone',
      cause,
    });
  }
  if (formatters.size >= MAX_FORMATTERS) formatters.clear();
  formatters.set(timeZone, formatter);
  return formatter;
}

/**
 * The weekday and minutes since local midnight of instant `at` in `timeZone`.
 * @throws InputError `ERR_MALFORMED` for an unknown time zone.
 *
 * @example
 * ```ts
 * localTime(new Date('2026-03-30T07:30:00Z'), 'Europe/Paris') // { day: 'Mon', minutes: 570 }
 * ```
 */
export function localTime(at: Date, timeZone: string): { day: Weekday; minutes: number } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value;
  const day = part('weekday') as Weekday | undefined;
  // Some ICU versions print midnight as 24 even with h23; fold it back.
  const hour = Number(part('hour')) % 24;
  const minute = Number(part('minute'));
  if (day === undefined || !WEEKDAYS.includes(day) || !Number.isInteger(hour) || !Number.isInteger(minute)) {
    throw legateError('ERR_MALFORMED', `cannot read local time in ${timeZone}`, { claim: 'timeWindow.timeZone' });
  }
  return { day, minutes: hour * 60 + minute };
}

/** The day before `day`. */
export function previousDay(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
}

/**
 * True when instant `at` falls inside the window (see the module notes for
 * DST and midnight-crossing rules).
 * @throws InputError `ERR_MALFORMED` for a malformed window or unknown zone.
 *
 * @example
 * ```ts
 * const office = { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' };
 * timeWindowContains(office, new Date('2026-03-30T07:30:00Z')) // true: Monday 09:30 in Paris
 * ```
 */
export function timeWindowContains(window: TimeWindow, at: Date): boolean {
  const w = parseTimeWindow(window);
  const { day, minutes } = localTime(at, w.timeZone);
  if (!w.crossesMidnight) return w.days.has(day) && minutes >= w.start && minutes < w.end;
  // Evening part on the start day, or morning part on the day after a start day.
  return (w.days.has(day) && minutes >= w.start) || (w.days.has(previousDay(day)) && minutes < w.end);
}
