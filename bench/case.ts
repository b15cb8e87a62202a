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
  /** `token-exchange`: its ratio to the signatures left once the chain's links are in the node's signature memo. */
  vsWarmFloor?: number;
  /** The median over the rounds of each round's ratio to the floor (#19 item 6: read as the median of three runs or more). */
  vsFloorMedian?: number;
  /** The median over the rounds of each round's ops/s. */
  opsPerSecMedian?: number;
  /** `pool-verify-2`: the median over the rounds of its ops/s over `pool-verify-1`'s. */
  vsOneWorkerMedian?: number;
  vsDidJwtVc?: number;
  vsVeramo?: number;
  vsJose?: number;
  /** Server CPU per operation, µs (the fleet cases; `handshake-action-http`: the answering node's). */
  serverCpuUs?: number;
  /** `handshake-action-http`: the initiating node's CPU per exchange, µs. */
  clientCpuUs?: number;
  /** `handshake-action-http`: the signatures and verifications counted on both sides, at node:crypto's cost, per exchange, µs. */
  cryptoFloorUs?: number;
  /** `handshake-action-http`: those counts per exchange, each side. */
  crypto?: string;
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

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds a ratio to two decimals. */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
