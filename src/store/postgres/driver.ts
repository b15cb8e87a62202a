/**
 * @module store/postgres/driver
 *
 * The PostgreSQL driver of the shared SQL store, on node-postgres (`pg`).
 * Everything that knows `pg` is in this file and the change feed
 * (`./changes`), so another driver (`postgres`) replaces those alone. It gives:
 *
 * - a bounded connection pool, and an auto-commit {@link SqlExecutor} over it;
 * - transactions pinned to one connection (`BEGIN` … `COMMIT`/`ROLLBACK`,
 *   nested ones as savepoints), at PostgreSQL's default READ COMMITTED, so a
 *   read after {@link SqlExecutor.lock} sees what the lock's last holder
 *   committed;
 * - `lock(key)`: `pg_advisory_xact_lock` on a 64-bit hash of the key
 *   (`hashtextextended`), released by the transaction's end;
 * - `?` placeholders rewritten to `$n` once per statement text and run as
 *   named prepared statements (parsed once per connection), memoized on the
 *   driver instance;
 * - PostgreSQL's types turned into the executor's: `bigint` → number,
 *   `bytea` → `Uint8Array`; errors into Legate errors (`store/sql/errors`),
 *   never carrying row values (PostgreSQL's `detail` holds them: dropped);
 * - a count of this process's writes to the tables the change stamp follows
 *   (`keys`, `settings`, `status_lists`, `trust_list`, found in the statement text), moved
 *   on after each such auto-commit statement and at the end of each
 *   transaction that ran one, and the change feed (`./changes`).
 *
 * A statement that fails inside a transaction aborts it in PostgreSQL (SQLite
 * carries on): the transaction then refuses to commit with `ERR_STORE`
 * rather than let PostgreSQL turn the `COMMIT` into a silent rollback. A
 * nested transaction rolled back to its savepoint recovers. Internal.
 */

import type pg from 'pg';

import { legateError } from '../../errors/index.js';
import { AuditHeads } from '../sql/audit-heads.js';
import type { SqlDriverHooks, SqlExecutor, SqlRunResult, SqlValue } from '../sql/executor.js';
import { driverFailure, uniqueViolation } from '../sql/errors.js';
import { openChangeFeed, type ChangeFeed, type ChangeFeedOptions } from './changes.js';
import { Statements, type PgCounters } from './statements.js';

/** Options of {@link openPgDriver}. */
export interface PgDriverOptions {
  /** Most connections open at once. */
  poolSize: number;
  /** Counted into when given (statements, transactions, lock waits); nothing is counted otherwise. */
  counters?: PgCounters | undefined;
}

/** One pinned connection outside any transaction, for migrations. */
export interface PgSession {
  readonly exec: SqlExecutor;
  /** Runs a script of several statements without parameters (PostgreSQL's simple query protocol). */
  script(sql: string): Promise<void>;
}

/** A pool, its auto-commit executor, and pinned sessions for migrations. */
export interface PgDriver {
  readonly exec: SqlExecutor;
  withSession<T>(fn: (session: PgSession) => Promise<T>): Promise<T>;
  /** Writes through this driver to the tables the change stamp follows, ended (committed or not) so far. */
  localChanges(): number;
  /** Starts the change feed on a connection of its own (outside the pool). */
  changeFeed(options?: ChangeFeedOptions): ChangeFeed;
  /** Closes every connection; the caller has let every operation finish. */
  end(): Promise<void>;
}

/** Where an executor's statements go: `data` as named prepared statements, `raw` (transaction control, scripts) as plain text. */
interface Conn {
  data(sql: string, params: readonly SqlValue[] | undefined): Promise<pg.QueryResult>;
  raw(sql: string): Promise<pg.QueryResult>;
  /** Whether `sql` writes a table the change stamp follows. */
  stamps(sql: string): boolean;
  /** Counts one ended write to those tables. */
  changed(): void;
  /** The driver's opt-in counters. */
  readonly counters: PgCounters | undefined;
  /** The pool's hooks (its audit heads, forgotten at every rollback). */
  readonly hooks: SqlDriverHooks;
}

/** What the driver's executors share. */
interface Shared {
  statements: Statements;
  changes: { count: number };
  counters: PgCounters | undefined;
  hooks: SqlDriverHooks;
}

function connOf(on: pg.Pool | pg.PoolClient, { statements, changes, counters, hooks }: Shared): Conn {
  // Counting only when asked: without counters, the statements go straight through.
  const count =
    counters === undefined
      ? <T>(query: Promise<T>) => query
      : <T>(query: Promise<T>) => {
          counters.statements++;
          return query;
        };
  return {
    counters,
    hooks,
    data: (sql, params) => count(run(on, statements.of(sql, params))),
    raw: (sql) => count(run(on, { text: sql })),
    stamps: (sql) => statements.stamps(sql),
    changed: () => {
      changes.count++;
    },
  };
}


/** PostgreSQL type OIDs the driver maps. */
const INT8 = 20;
const BYTEA = 17;

/** How long the server lets a connection sit idle inside a transaction before ending it (ms). */
export const IDLE_IN_TRANSACTION_MS = 30_000;

/**
 * Opens a pool on `url` (nothing connects until the first statement).
 *
 * @throws StoreError `ERR_STORE` when `pg` cannot be loaded.
 */
export async function openPgDriver(url: string, options: PgDriverOptions): Promise<PgDriver> {
  let driver: typeof pg;
  try {
    driver = (await import('pg')).default;
  } catch (cause) {
    throw legateError('ERR_STORE', 'the PostgreSQL driver (pg) is not installed', { reason: 'driver_missing', cause });
  }
  const builtin = driver.types.getTypeParser.bind(driver.types) as (oid: number, format: 'text' | 'binary') => (text: string) => unknown;
  const byteaOf = builtin(BYTEA, 'text') as (text: string) => Uint8Array;
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (text: string) => toSafeNumber(text);
    if (oid === BYTEA) return (text: string) => new Uint8Array(byteaOf(text));
    return builtin(oid, format ?? 'text');
  }) as typeof driver.types.getTypeParser;
  // A transaction left idle (a hung or partitioned instance) is ended by the server, so its locks cannot stall the fleet.
  const pool = new driver.Pool({
    connectionString: url,
    max: options.poolSize,
    types: { getTypeParser },
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  });
  // An idle connection the server dropped: the pool discards it; nothing to crash over.
  pool.on('error', () => undefined);
  const shared: Shared = { statements: new Statements(), changes: { count: 0 }, counters: options.counters, hooks: { auditHeads: new AuditHeads() } };
  return {
    exec: new PgExecutor(connOf(pool, shared), async () => {
      const { client, release } = await pin(pool);
      return { conn: connOf(client, shared), release };
    }),
    async withSession(fn) {
      const { client, release } = await pin(pool);
      let broken = false;
      try {
        const conn = connOf(client, shared);
        return await fn({
          exec: new PgExecutor(conn, undefined),
          script: async (sql) => {
            await conn.raw(sql);
          },
        });
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // A session that failed may hold a session lock or an open transaction: never give it back.
        release(broken);
      }
    },
    localChanges: () => shared.changes.count,
    changeFeed: (feedOptions) => openChangeFeed(driver, url, feedOptions),
    end: () => pool.end(),
  };
}

function toSafeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw legateError('ERR_STORE', 'a stored integer is beyond the safe range', { reason: 'integer_range' });
  return n;
}

/**
 * A client taken from the pool, with an error listener while it is out: the
 * pool listens only to idle clients, and a connection the server ends
 * between two statements of a transaction must fail that transaction (its
 * next statement does), not crash the process with an unhandled `error`.
 * A client that met an error is closed on release, not reused.
 */
async function pin(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: (destroy: boolean) => void }> {
  const client = await connect(pool);
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  return {
    client,
    release: (destroy) => {
      client.removeListener('error', onError);
      client.release(destroy || lost);
    },
  };
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw mapError(error, 'connect');
  }
}

async function run(on: pg.Pool | pg.PoolClient, query: pg.QueryConfig): Promise<pg.QueryResult> {
  try {
    return await on.query(query);
  } catch (error) {
    throw mapError(error, 'statement');
  }
}

/** `Key (list_id, idx)=(…) already exists.` → `list_id`; the values after `=` are never read. */
const KEY_COLUMN = /^Key \(([a-z_]+)[,)]/;

function mapError(error: unknown, what: string): Error {
  const e = error as { code?: unknown; table?: unknown; detail?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  // A cause without PostgreSQL's detail (it quotes the row).
  const cause = Object.assign(new Error(typeof e.message === 'string' ? e.message : 'PostgreSQL error'), { code });
  if (code === '23505') {
    const column = typeof e.detail === 'string' ? KEY_COLUMN.exec(e.detail)?.[1] : undefined;
    return uniqueViolation(typeof e.table === 'string' ? e.table : undefined, column, cause);
  }
  return driverFailure(what, code, cause);
}

function ended(): Error {
  return legateError('ERR_STORE', 'the transaction has ended');
}

/** What a top-level transaction and its savepoints share. */
interface TxState {
  /** The connection went back to the pool: nothing may touch it any more. */
  ended: boolean;
  depth: number;
  /** Lock keys taken: a second `lock()` on one costs no round trip (the audit head is read, then appended, under one lock). */
  locks: Set<string>;
  /** A statement wrote a table the change stamp follows: counted when the transaction ends. */
  stamped: boolean;
}

/** A connection taken from the pool for one transaction. */
interface Pinned {
  conn: Conn;
  /** Gives it back; `destroy` closes it instead (its state is unknown). */
  release(destroy: boolean): void;
}

/** An executor over the pool (auto-commit), a pinned session, or one transaction level. */
class PgExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  readonly hooks: SqlDriverHooks;
  readonly #conn: Conn;
  readonly #pin: (() => Promise<Pinned>) | undefined;
  readonly #tx: TxState | undefined;
  /** A statement at this level failed: PostgreSQL has aborted it, so it must not commit. */
  #failed = false;

  constructor(conn: Conn, pin: (() => Promise<Pinned>) | undefined, tx?: TxState) {
    this.#conn = conn;
    this.hooks = conn.hooks;
    this.#pin = pin;
    this.#tx = tx;
  }

  get inTransaction(): boolean {
    return this.#tx !== undefined;
  }

  async #exec(sql: string, params: readonly SqlValue[] | undefined, raw = false): Promise<pg.QueryResult> {
    if (this.#tx?.ended === true) throw ended();
    const stamped = !raw && this.#conn.stamps(sql);
    if (stamped && this.#tx !== undefined) this.#tx.stamped = true;
    try {
      return await (raw ? this.#conn.raw(sql) : this.#conn.data(sql, params));
    } catch (error) {
      if (this.#tx !== undefined) this.#failed = true;
      throw error;
    } finally {
      // Auto-commit: committed (or not) now; the reads that follow see it.
      if (stamped && this.#tx === undefined) this.#conn.changed();
    }
  }

  async all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return (await this.#exec(sql, params)).rows as T[];
  }

  async get<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return (await this.#exec(sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    return { changes: (await this.#exec(sql, params)).rowCount ?? 0 };
  }

  async lock(key: string): Promise<void> {
    const tx = this.#tx;
    if (tx === undefined || tx.locks.has(key)) return;
    const counters = this.#conn.counters;
    const start = counters === undefined ? 0 : performance.now();
    await this.#exec('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
    if (counters !== undefined) {
      const waited = performance.now() - start;
      const kind = key.split(':', 1)[0]!;
      counters.locks++;
      counters.lockWaitMs += waited;
      counters.lockWaitMsByKind[kind] = (counters.lockWaitMsByKind[kind] ?? 0) + waited;
    }
    tx.locks.add(key);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#tx === undefined ? this.#topLevel(fn) : this.#savepoint(this.#tx, fn);
  }

  async #topLevel<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.#pin === undefined) throw legateError('ERR_STORE', 'a migration session runs its own transactions');
    const pinned = await this.#pin();
    const { conn } = pinned;
    const state: TxState = { ended: false, depth: 0, locks: new Set(), stamped: false };
    let healthy = false;
    let committed = false;
    try {
      await conn.raw('BEGIN');
      if (conn.counters !== undefined) conn.counters.transactions++;
      const tx = new PgExecutor(conn, undefined, state);
      let result: T;
      try {
        result = await fn(tx);
        if (tx.#failed) throw legateError('ERR_STORE', 'the transaction was aborted: one of its statements failed');
      } catch (error) {
        state.ended = true;
        await conn.raw('ROLLBACK');
        healthy = true;
        throw error;
      }
      state.ended = true;
      const commit = await conn.raw('COMMIT');
      healthy = true;
      // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error.
      if (commit.command === 'ROLLBACK') throw legateError('ERR_STORE', 'the transaction was aborted and rolled back');
      committed = true;
      return result;
    } finally {
      state.ended = true;
      // Whatever did not commit may have appended to an audit chain: those heads are guesses no more.
      if (!committed) conn.hooks.auditHeads?.clear();
      if (state.stamped) conn.changed();
      // A connection whose BEGIN, ROLLBACK or COMMIT failed is closed, not reused.
      pinned.release(!healthy);
    }
  }

  async #savepoint<T>(state: TxState, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const name = `legate_tx_${state.depth + 1}`;
    await this.#exec(`SAVEPOINT ${name}`, undefined, true);
    state.depth++;
    try {
      const child = new PgExecutor(this.#conn, undefined, state);
      let result: T;
      try {
        result = await fn(child);
        if (child.#failed) throw legateError('ERR_STORE', 'the nested transaction was aborted: one of its statements failed');
      } catch (error) {
        // If the whole transaction ended meanwhile, the connection is someone else's: touch nothing.
        if (!state.ended) await this.#exec(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`, undefined, true).catch(() => undefined);
        // Locks taken since the savepoint may have gone with it: take any of them again when next asked.
        state.locks.clear();
        this.#conn.hooks.auditHeads?.clear();
        throw error;
      }
      await this.#exec(`RELEASE SAVEPOINT ${name}`, undefined, true);
      return result;
    } finally {
      state.depth--;
    }
  }
}
