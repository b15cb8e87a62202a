/**
 * @module store/postgres/statements
 *
 * The PostgreSQL driver's statement texts: `?` placeholders rewritten to
 * `$n` and named (prepared once per connection), once per text, per driver
 * instance; which texts write a table the change stamp follows; and the
 * opt-in counters a driver keeps when asked (`PgCounters`). Internal.
 */

import type pg from 'pg';

import type { SqlValue } from '../sql/executor.js';

/**
 * What a PostgreSQL store did, counted when its opener passes this object
 * (`PostgresStoreOptions.counters`; the fleet bench does): nothing is
 * counted, or timed, otherwise.
 */
export interface PgCounters {
  /** Round trips: every statement, transaction control (`BEGIN`, `COMMIT`, savepoints) included. */
  statements: number;
  /** Top-level transactions begun. */
  transactions: number;
  /** `lock()` calls that went to the server (`pg_advisory_xact_lock`). */
  locks: number;
  /** Time spent in those calls, waiting for the lock and its round trip, in ms. */
  lockWaitMs: number;
  /** The same time by kind of lock: the lock key up to its first `:` (`usage`, `audit`, `status-list`, `setting`…). */
  lockWaitMsByKind: Record<string, number>;
}

/** Counters at zero, to pass to `openPostgresStore`. */
export function pgCounters(): PgCounters {
  return { statements: 0, transactions: 0, locks: 0, lockWaitMs: 0, lockWaitMsByKind: {} };
}

/** A write to a table the change stamp follows (as `store/sqlite` and PostgreSQL migration 4 do: keys, settings, status lists). */
const STAMPED_WRITE = /\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+(?:keys|settings|status_lists|trust_list)\b/i;

/** Statement texts rewritten to `$n` and named, once each, for this driver instance. */
export class Statements {
  readonly #compiled = new Map<string, { text: string; name: string }>();
  readonly #stamps = new Map<string, boolean>();

  stamps(sql: string): boolean {
    let found = this.#stamps.get(sql);
    if (found === undefined) this.#stamps.set(sql, (found = STAMPED_WRITE.test(sql)));
    return found;
  }

  of(sql: string, params: readonly SqlValue[] | undefined): pg.QueryConfig {
    let compiled = this.#compiled.get(sql);
    if (compiled === undefined) {
      compiled = { text: rewritePlaceholders(sql), name: `legate_${this.#compiled.size + 1}` };
      this.#compiled.set(sql, compiled);
    }
    const values = (params ?? []).map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
    return { name: compiled.name, text: compiled.text, values };
  }
}

/** `?` → `$1`, `$2`, …, outside single-quoted literals. */
function rewritePlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quoted = false;
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}
