/**
 * @module store/sql/executor
 *
 * The small SQL executor the shared repositories (`store/sql/*`) are written
 * against, once, for every backend. SQL is written with `?` placeholders
 * (the PostgreSQL driver rewrites them to `$n`, once per statement text);
 * values are ISO 8601 strings, numbers, bytes (`Uint8Array`) or `null`, and
 * rows come back in those same types: each driver turns its own (`bigint`,
 * `Buffer`, `bytea`, booleans) into them, so no repository knows the dialect.
 * Portable SQL only: `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE … WHERE`
 * and `RETURNING` work in SQLite and PostgreSQL alike.
 *
 * Drivers report failures as Legate errors (see `./errors`): a unique
 * violation is `ERR_CONFLICT` naming the entity and column, as the SQLite
 * store always has; anything else `ERR_STORE`. Internal.
 */

import type { TransactionOptions } from '../types.js';
import type { AuditHeads } from './audit-heads.js';

/** A value bound to a `?` placeholder, or read from a column. */
export type SqlValue = string | number | Uint8Array | null;

/** Which SQL the executor speaks; repositories should not need it (it is there for the rare unportable statement). */
export type SqlDialect = 'sqlite' | 'postgres';

/** A row as the driver returns it: column name → value. */
export type SqlRow = Record<string, SqlValue>;

/** How many rows a write touched. */
export interface SqlRunResult {
  changes: number;
}

export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** True inside {@link SqlExecutor.transaction}: {@link SqlExecutor.lock} only means something then. */
  readonly inTransaction: boolean;
  /** Every row of a query. */
  all<T extends object = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T extends object = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** A write; `changes` counts the rows inserted, updated or deleted (with `RETURNING`, the rows returned). */
  run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult>;
  /**
   * Runs `fn` in a transaction on one connection (a savepoint when already
   * in one): committed when `fn` resolves, rolled back when it throws.
   * `bulk`: see {@link TransactionOptions}.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Takes a lock on `key` held until the enclosing transaction ends, waiting
   * while another transaction (on any connection, any process) holds it.
   * What a single writer gives SQLite for free, a PostgreSQL backend needs
   * before a read that decides a write (usage before a budget check, the
   * audit chain's head before an append, a status list before handing out an
   * index, a setting before writing its next value). A no-op outside a
   * transaction, and on SQLite (its write transaction is already exclusive).
   */
  lock(key: string): Promise<void>;
  /** What this backend does its own way, where a repository asks (see {@link SqlDriverHooks}); none for most. */
  readonly hooks?: SqlDriverHooks;
}

/**
 * The few places a backend's storage or single writer lets it do better
 * than portable SQL, each asked for by name by the one repository that
 * needs it. A backend without hooks gets the portable behaviour. Hooks are
 * owned by the backend's connection (they may remember things), and take
 * the executor of the scope they run in, so they run inside its transaction.
 */
export interface SqlDriverHooks {
  /**
   * Session rows name their chains' JWTs by reference (`sha256:` hashes into
   * `session_tokens`, SQLite migration 11) instead of holding them.
   */
  readonly sessionTokens?: boolean;
  /** Called at each replay claim: true when expired one-time keys should be purged before it (a bound on the table between sweeps). */
  replayPurgeDue?(): boolean;
  /**
   * The last entry this process appended to each audit chain, so an append
   * need not read its chain's head; a guess the append's own checks refuse
   * when stale (`./audit-heads`). Cleared by the backend at every rollback.
   */
  readonly auditHeads?: AuditHeads;
}

/** See {@link TransactionOptions.bulk}. */
export const BULK: TransactionOptions = Object.freeze({ bulk: true });

/**
 * A statement that may change many rows (a sweep's): a bulk transaction of
 * its own, or a statement of the transaction `exec` is in.
 */
export function runBulk(exec: SqlExecutor, sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
  return exec.inTransaction ? exec.run(sql, params) : exec.transaction((tx) => tx.run(sql, params), BULK);
}

/**
 * A DELETE of at most as many rows of `table` that `where` selects as its
 * last parameter says, through the primary key's columns `key` (portable:
 * neither SQLite as built nor PostgreSQL has `DELETE … LIMIT`).
 */
export function boundedDelete(table: string, key: string, where: string): string {
  return `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE ${where} LIMIT ?)`;
}

/** Most rows one statement of {@link deleteInBatches} deletes. */
export const DELETE_BATCH = 2_000;

/**
 * Deletes the rows of `table` that `where` selects, at most
 * {@link DELETE_BATCH} a statement, each statement a bulk transaction of its
 * own (inside a transaction, a statement of it), until one deletes fewer:
 * however much has piled up (a node back from a long stop), other work gets
 * its turns in between. `key` names the primary key's columns, separated
 * by commas. Returns how many rows went.
 */
export async function deleteInBatches(exec: SqlExecutor, table: string, key: string, where: string, params: readonly SqlValue[]): Promise<number> {
  const sql = boundedDelete(table, key, where);
  let deleted = 0;
  for (;;) {
    const { changes } = await runBulk(exec, sql, [...params, DELETE_BATCH]);
    deleted += changes;
    if (changes < DELETE_BATCH) return deleted;
  }
}

/** Lock keys: one namespace per kind, so two kinds never share a lock. */
export const lockKey = {
  /** The usage rows of one budget or rate-limit key. */
  usage: (key: string) => `usage:${key}`,
  /** One audit hash chain's head (each instance appends to its own chain). */
  audit: (chain: string) => `audit:${chain}`,
  /** Sealing the next block of one audit chain (read where the last ended, seal, insert). */
  auditSeal: (chain: string) => `audit-seal:${chain}`,
  /** Writing the next audit checkpoint (read the last, sign, insert). */
  auditCheckpoints: () => 'audit-checkpoints',
  /** One status list: its allocations and its bits. */
  statusList: (listId: string) => `status-list:${listId}`,
  /** Choosing (or opening) the list new indexes of an issuer and purpose come from. */
  statusOpen: (issuer: string, purpose: string) => `status-open:${issuer}\n${purpose}`,
  /** One named setting read and then written (the audit log id, the shared settings row). */
  setting: (name: string) => `setting:${name}`,
  /** The approvers list, read and then replaced. */
  approvers: () => 'approvers',
  /** The published trust list: its version read, the next one signed and stored. */
  trustList: () => 'trust-list',
} as const;
