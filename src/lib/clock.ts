/**
 * @module lib/clock
 *
 * Time is an input: every check of `exp`, `nbf`, TTLs and windows takes a
 * clock so tests can freeze it.
 */

/** Returns the current time. Inject one to freeze or move time in tests. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/**
 * `clock`'s time in ms since the epoch, as a function: on the system clock it
 * reads `Date.now()` (looked up per call, so fake timers installed later still
 * apply) without allocating a Date per lookup, which caches on hot paths do.
 */
export function epochMsOf(clock: Clock): () => number {
  return clock === systemClock ? () => Date.now() : () => clock().getTime();
}

/** Seconds since the epoch, floored, as JWT NumericDate. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** ISO 8601 UTC without milliseconds, as VCDM `validFrom` / `validUntil` use. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
