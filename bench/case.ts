/**
 * @module bench/case
 *
 * What a benchmark file hands bench/run.ts: its cases, and its rows of the
 * report once every case has run.
 */

/** One row of the report (bench/results/latest.json). */
export interface Row {
  name: string;
  opsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  vsFloor?: number;
  vsDidJwtVc?: number;
  vsVeramo?: number;
  vsJose?: number;
  /** Server CPU per operation, µs (the fleet cases). */
  serverCpuUs?: number;
  /** `actions-observed-on`: its server CPU per action over `actions-observed-off`'s, percent more. */
  cpuOverheadPct?: number;
}

/**
 * A timed case: its name, the function timed, how many operations one call
 * performs, and an untimed preparation run before each call (fresh inputs
 * for a call that consumes them: a nonce, a single-use proof).
 */
export interface BenchCase {
  name: string;
  fn: () => unknown;
  perCall: number;
  beforeEach?: () => void | Promise<void>;
}

/** Rounds a ratio to two decimals. */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
