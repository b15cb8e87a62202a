/**
 * @module bench/oauth
 *
 * The OAuth cases (#15): not yet wired (they need legate/oauth and legate/resource-server).
 */

import type { BenchCase, Row } from './case.js';

export interface OAuthBench {
  cases: BenchCase[];
  rows(get: (name: string) => number): Row[];
  close(): Promise<void>;
}

/** No cases yet. */
export function setupOAuth(_root: string): Promise<OAuthBench> {
  return Promise.resolve({ cases: [], rows: () => [], close: () => Promise.resolve() });
}
