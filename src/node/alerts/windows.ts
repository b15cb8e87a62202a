/**
 * @module node/alerts/windows
 *
 * The in-memory windows the alert rules count in, one set per node
 * instance: failures per subject in a one-minute window opened by the
 * subject's first failure, held in a map bounded to its most recently seen
 * subjects (so a flood of fresh addresses or DIDs cannot grow it); and the
 * node's denials per minute over the trailing hour, for the spike rule's
 * baseline. Counts are per instance: in a fleet each instance counts what
 * it saw.
 */

/** One subject's current window. */
export interface Window {
  /** When the window opened, in ms since the epoch. */
  start: number;
  count: number;
}

export const MINUTE_MS = 60_000;

/**
 * Counts per subject in one-minute windows, keeping at most `maxSubjects`
 * (the least recently counted dropped first).
 */
export class MinuteCounts {
  readonly #windows = new Map<string, Window>();
  readonly #max: number;

  constructor(maxSubjects: number) {
    if (!Number.isInteger(maxSubjects) || maxSubjects < 1) throw new RangeError('maxSubjects must be a positive integer');
    this.#max = maxSubjects;
  }

  /** Counts one for `subject` at `now` (ms); returns its window after counting. */
  add(subject: string, now: number): Window {
    let window = this.#windows.get(subject);
    if (window === undefined || now >= window.start + MINUTE_MS || now < window.start) window = { start: now, count: 0 };
    window.count++;
    // Re-inserted: the map's order is least recently counted first.
    this.#windows.delete(subject);
    this.#windows.set(subject, window);
    if (this.#windows.size > this.#max) this.#windows.delete(this.#windows.keys().next().value!);
    return window;
  }

  /** The open window of `subject` at `now`, if any. */
  current(subject: string, now: number): Window | undefined {
    const window = this.#windows.get(subject);
    return window !== undefined && now < window.start + MINUTE_MS && now >= window.start ? window : undefined;
  }

  get size(): number {
    return this.#windows.size;
  }
}

/** Minutes of history the denial baseline looks back over. */
export const BASELINE_MINUTES = 60;

/** Denials per clock minute over the trailing hour (minutes with none count as zero). */
export class DenialHistory {
  /** Count per minute number, for at most the current minute and the hour before it. */
  readonly #counts = new Map<number, number>();

  /** Counts one denial at `now` (ms); returns the count of its minute. */
  add(now: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    const count = (this.#counts.get(minute) ?? 0) + 1;
    this.#counts.set(minute, count);
    if (this.#counts.size > BASELINE_MINUTES + 1) {
      for (const m of this.#counts.keys()) if (m < minute - BASELINE_MINUTES) this.#counts.delete(m);
    }
    return count;
  }

  /** The median of the per-minute counts of the {@link BASELINE_MINUTES} minutes before the one holding `now`. */
  baseline(now: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    const counts: number[] = [];
    for (let m = minute - BASELINE_MINUTES; m < minute; m++) counts.push(this.#counts.get(m) ?? 0);
    counts.sort((a, b) => a - b);
    const mid = counts.length / 2;
    return (counts[Math.floor(mid) - 1]! + counts[Math.floor(mid)]!) / 2;
  }
}
