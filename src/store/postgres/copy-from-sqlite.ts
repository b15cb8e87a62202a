/**
 * @module store/postgres/copy-from-sqlite
 *
 * Copies a SQLite store (`legate.db`) into an empty PostgreSQL database, row
 * for row: the PostgreSQL schema is the SQLite one (`./migrations`), so every
 * table is copied generically, column by column as SQLite has them (a
 * column added later, such as the audit log's chain, comes along by itself).
 * Sealed keys stay sealed, status-list bits, audit hashes and checkpoint
 * tokens are the same bytes, and insertion sequences keep their values (the
 * identity sequences are moved past them, and past SQLite's AUTOINCREMENT
 * high-water mark, so no `seq` is ever handed out twice).
 *
 * The SQLite file is opened read-only, inside one read transaction (one
 * consistent snapshot). The rows go into PostgreSQL in one transaction: all
 * of them or none. A target holding any row in any table is refused with
 * `ERR_CONFLICT` (`target_not_empty`) before anything is written; only the
 * (empty) schema may be left behind by a failed copy, and a later copy into
 * it is accepted. Internal: `node/store-migrate` is the operation.
 */

import type Database from 'better-sqlite3';

import { legateError } from '../../errors/index.js';
import type { SqlExecutor, SqlValue } from '../sql/executor.js';
import { sqlite } from '../sqlite/driver.js';
import { MIGRATIONS } from '../sqlite/migrations.js';
import { openPgDriver, type PgSession } from './driver.js';
import { applyPgMigrations } from './migrations.js';

/** One table copied: its name and how many rows. */
export interface CopiedTable {
  table: string;
  rows: number;
}

export interface CopyOptions {
  /** Called after each table is copied (inside the transaction: nothing is committed yet). */
  onTable?: ((copied: CopiedTable) => void) | undefined;
}

/** Rows per INSERT statement: one statement text per column count, reused. */
const BATCH = 100;
/** The advisory lock two copies into one database take turns on ("migrat" in ASCII). */
const COPY_LOCK = 0x6d6967726174;

/** A table name from SQLite's own catalog, quoted for both dialects. */
function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * SQLite-only storage: `session_tokens` holds the credential JWTs its session
 * rows name by reference (store/sql/sessions, on SQLite only); PostgreSQL keeps
 * them in the session row, so they are folded back in there ({@link sessionRow}).
 */
const FOLDED = new Set(['session_tokens']);

/** The tables of the SQLite store, in creation order (SQLite's own bookkeeping tables, and those folded into others, aside). */
function sqliteTables(db: Database.Database): { name: string; rowid: boolean }[] {
  const rows = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid").all() as {
    name: string;
    sql: string;
  }[];
  return rows.filter((row) => !FOLDED.has(row.name)).map((row) => ({ name: row.name, rowid: !/WITHOUT\s+ROWID/i.test(row.sql) }));
}

/** A session row whose chains name their JWTs by reference (`@` + JSON of `sha256:` references), with the JWTs put back. */
function sessionRow(db: Database.Database, columns: readonly string[]): (row: SqlValue[]) => SqlValue[] {
  const at = columns.indexOf('chains');
  const token = db.prepare<[string], { token: string }>('SELECT token FROM session_tokens WHERE hash = ?');
  return (row) => {
    const chains = row[at];
    if (typeof chains !== 'string' || !chains.startsWith('@')) return row;
    const byLeaf = JSON.parse(chains.slice(1)) as Record<string, string[]>;
    const full = Object.fromEntries(
      Object.entries(byLeaf).map(([leaf, references]) => [
        leaf,
        references.map((reference) => {
          const found = token.get(reference.slice('sha256:'.length));
          if (found === undefined) throw legateError('ERR_STORE', `session JWT ${reference} is missing from session_tokens`, { reason: 'integrity' });
          return found.token;
        }),
      ]),
    );
    const copy = [...row];
    copy[at] = JSON.stringify(full);
    return copy;
  };
}

/** Every table of the target's schema that holds at least one row (schema bookkeeping aside). */
async function nonEmptyTables(exec: SqlExecutor): Promise<string[]> {
  const tables = await exec.all<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name",
  );
  const full: string[] = [];
  for (const { name } of tables) {
    if ((await exec.get(`SELECT 1 AS one FROM ${quote(name)} LIMIT 1`)) !== undefined) full.push(name);
  }
  return full;
}

async function assertEmpty(exec: SqlExecutor): Promise<void> {
  const full = await nonEmptyTables(exec);
  if (full.length > 0) {
    throw legateError(
      'ERR_CONFLICT',
      `the target database is not empty (rows in ${full.join(', ')}); \`legate store migrate\` moves a node only into an empty database`,
      { reason: 'target_not_empty' },
    );
  }
}

/** The target's columns of `table`: name → whether it is an identity column. */
async function targetColumns(exec: SqlExecutor, table: string): Promise<Map<string, boolean>> {
  const rows = await exec.all<{ name: string; identity: string }>(
    'SELECT column_name AS name, is_identity AS identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
    [table],
  );
  return new Map(rows.map((row) => [row.name, row.identity === 'YES']));
}

function insertSql(table: string, columns: readonly string[], rows: number, overriding: boolean): string {
  const one = `(${columns.map(() => '?').join(', ')})`;
  const values = Array.from({ length: rows }, () => one).join(', ');
  return `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')})${overriding ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES ${values}`;
}

/** Copies one table; returns how many rows. */
async function copyTable(db: Database.Database, exec: SqlExecutor, { name: table, rowid }: { name: string; rowid: boolean }): Promise<number> {
  const columns = (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map((c) => c.name);
  const target = await targetColumns(exec, table);
  if (target.size === 0) throw legateError('ERR_STORE', `the target database has no table ${table}`, { reason: 'schema_mismatch' });
  const missing = columns.filter((c) => !target.has(c));
  if (missing.length > 0) {
    throw legateError('ERR_STORE', `the target table ${table} has no column ${missing.join(', ')}`, { reason: 'schema_mismatch' });
  }
  const identity = columns.filter((c) => target.get(c) === true);
  const select = db.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}${rowid ? ' ORDER BY rowid' : ''}`).raw(true);
  const mapped = table === 'sessions' ? sessionRow(db, columns) : (row: SqlValue[]) => row;
  let batch: SqlValue[][] = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await exec.run(insertSql(table, columns, batch.length, identity.length > 0), batch.flat());
    count += batch.length;
    batch = [];
  };
  for (const row of select.iterate() as Iterable<SqlValue[]>) {
    batch.push(mapped(row));
    if (batch.length === BATCH) await flush();
  }
  await flush();
  for (const column of identity) await moveSequence(db, exec, table, column);
  return count;
}

/** Moves an identity sequence past every value the source used (its rows, and SQLite's AUTOINCREMENT mark). */
async function moveSequence(db: Database.Database, exec: SqlExecutor, table: string, column: string): Promise<void> {
  const inRows = (db.prepare(`SELECT MAX(${quote(column)}) AS high FROM ${quote(table)}`).get() as { high: number | null }).high ?? 0;
  const hasSequences = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").get() !== undefined;
  const marked = hasSequences ? ((db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined)?.seq ?? 0) : 0;
  const high = Math.max(inRows, marked);
  if (high < 1) return;
  await exec.get('SELECT setval(pg_get_serial_sequence(?, ?), ?) AS v', [quote(table), column, high]);
}

/** Opens the SQLite file read-only and checks it is at the schema this Legate writes. */
function openSource(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new (sqlite())(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw legateError('ERR_STORE', `could not open ${path} read-only`, { reason: 'source_unreadable', cause });
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== MIGRATIONS.length) {
    db.close();
    throw legateError(
      'ERR_STORE',
      `${path} is at schema version ${version}, this Legate writes ${MIGRATIONS.length}: open the node once with this Legate (any command that opens it, such as \`legate agent list\`), then migrate`,
      { reason: 'schema_version' },
    );
  }
  return db;
}

async function copyInto(db: Database.Database, session: PgSession, options: CopyOptions): Promise<CopiedTable[]> {
  // Refuse before touching anything: not even the schema is created in a database that holds rows.
  await assertEmpty(session.exec);
  await applyPgMigrations(session);
  const copied: CopiedTable[] = [];
  await session.script('BEGIN');
  try {
    await session.exec.get(`SELECT pg_advisory_xact_lock(${COPY_LOCK}) AS locked`);
    await assertEmpty(session.exec);
    for (const table of sqliteTables(db)) {
      const rows = await copyTable(db, session.exec, table);
      copied.push({ table: table.name, rows });
      options.onTable?.({ table: table.name, rows });
    }
    await session.script('COMMIT');
  } catch (error) {
    await session.script('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return copied;
}

/**
 * Copies the SQLite store at `sqlitePath` into the empty PostgreSQL database
 * at `url` (migrating its schema first) and returns what was copied.
 *
 * @throws LegateError `ERR_CONFLICT` (`target_not_empty`) when the target holds any row.
 * @throws StoreError `ERR_STORE` when either side cannot be opened, the SQLite
 *   file is at another schema version, or a row cannot be written (nothing is then committed).
 */
export async function copySqliteToPostgres(sqlitePath: string, url: string, options: CopyOptions = {}): Promise<CopiedTable[]> {
  const db = openSource(sqlitePath);
  try {
    // One snapshot of the source for the whole copy, even beside a writer.
    db.exec('BEGIN');
    const driver = await openPgDriver(url, { poolSize: 1 });
    try {
      return await driver.withSession((session) => copyInto(db, session, options));
    } finally {
      await driver.end();
    }
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}
