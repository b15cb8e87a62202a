/**
 * @module store/sqlite/open
 *
 * The embedded SQLite backend of {@link Store}, on better-sqlite3. One
 * connection per store, in WAL mode with `foreign_keys=ON`, a 5 s
 * `busy_timeout` and `synchronous=NORMAL`; statements are prepared once. A
 * store that keeps writing moves its WAL checkpoints to a worker thread
 * (see `checkpointer`).
 * better-sqlite3 is synchronous, so an async {@link Store.transaction} is built
 * from an async {@link Mutex}: every call on the store takes the mutex, and a
 * transaction holds it from `BEGIN IMMEDIATE` to `COMMIT`/`ROLLBACK`, so no
 * other caller's statement can land inside it. Nested transactions are
 * savepoints. SQLite failures surface as Legate errors: `ERR_CONFLICT` for a
 * duplicate key, `ERR_NOT_FOUND` for an update of a missing row (both plain
 * `LegateError`s), and as `StoreError`s `ERR_STORE_CORRUPT` for a damaged file (after which the store refuses
 * writes, see `integrity`), `ERR_STORE` for the rest, with the SQLite error
 * as `cause` and never row contents in the message.
 */

import type Database from 'better-sqlite3';
import { isSqliteError, sqlite } from './driver.js';

import { isLegateError, legateError, StoreError, type LegateError } from '../../errors/index.js';
import { Mutex } from '../../lib/mutex.js';
import type {
  AcknowledgeRecord,
  AgentMethod,
  AgentRecord,
  AgentStatus,
  AuditCheckpointRecord,
  AuditEntryQuery,
  AuditEntryRecord,
  CredentialPageQuery,
  CredentialQuery,
  CredentialRecord,
  IntegrityReport,
  KeyRecord,
  KeyStatus,
  OrganizationRecord,
  PeerSessionRecord,
  SessionRecord,
  StatusAllocation,
  StatusListQuery,
  StatusListRecord,
  StatusPurpose,
  RegistryEntryRecord,
  Store,
  SweepResult,
  UsageRecord,
} from '../types.js';
import { AuditStatements } from './audit.js';
import { checkpointInBackground, SAFETY_NET_PAGES } from './checkpointer.js';
import { ExpiringStatements } from './expiring.js';
import { AnswerStatements } from './answers.js';
import type { StoredAnswer } from '../ports/idempotency.js';
import { corruptionError, isCorruption, runIntegrityCheck, writeRefused } from './integrity.js';
import { applyMigrations, assertKnownVersion, MIGRATIONS, schemaVersion } from './migrations.js';
import { RegistryStatements } from './registry.js';
import { StatusStatements } from './status.js';
import { LeaseStatements } from './leases.js';
import type { StatusSubscriptionRepository, SubscriptionBounds, SubscriptionOutcome } from '../ports/status-subscriptions.js';
import { createStatusSubscriptionRepository } from '../sql/status-subscriptions.js';
import { sqliteExecutor } from '../sqlite-sql/driver.js';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * Open an existing, fully migrated database read-only: reads work, every
   * write fails with `ERR_STORE`. Not available for `':memory:'`.
   */
  readonly?: boolean | undefined;
}

/** How long a statement waits for another process's lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database at `path` and migrates it to
 * the current schema. `':memory:'` gives a private in-memory database, for
 * tests. The parent directory must already exist.
 *
 * Calls block the event loop while SQLite works (better-sqlite3 is
 * synchronous), at most {@link BUSY_TIMEOUT_MS} when another process holds the
 * write lock.
 *
 * @throws StoreError `ERR_STORE_CORRUPT` when the file is not a SQLite
 *   database or its schema pages are damaged; `ERR_STORE` when it cannot be
 *   opened or has a schema newer than this Legate knows.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(join(home, 'legate.db'));
 * try {
 *   await store.transaction(async (tx) => {
 *     await tx.putKey(key);
 *     await tx.putAgent(agent);
 *   });
 * } finally {
 *   await store.close();
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so failures reject instead of throwing
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  if (typeof path !== 'string' || path.length === 0) {
    throw legateError('ERR_STORE', 'the database path must be a non-empty string', { claim: 'path' });
  }
  const readonly = options.readonly === true;
  let db: Database.Database;
  try {
    db = new (sqlite())(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw toStoreError(error, 'open database');
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Check before anything can write to a file from a later schema.
    const version = schemaVersion(db);
    assertKnownVersion(version);
    if (readonly) {
      if (version !== MIGRATIONS.length) {
        throw legateError(
          'ERR_STORE',
          `database schema version ${version} is not current (${MIGRATIONS.length}); open it read-write once to migrate`,
          { reason: 'schema_outdated' },
        );
      }
    } else {
      db.pragma('journal_mode = WAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (!readonly) applyMigrations(db);
    return new SqliteStore(new SqliteConnection(db), readonly, readonly || path === ':memory:' ? undefined : path);
  } catch (error) {
    db.close();
    throw toStoreError(error, 'open database');
  }
}

// --- rows and statements -----------------------------------------------------

interface OrganizationRow {
  did: string;
  domain: string;
  name: string;
  created_at: string;
}

interface AgentRow {
  name: string;
  did: string;
  owner: string;
  method: AgentMethod;
  status: AgentStatus;
  kid: string;
  created_at: string;
}

interface KeyRow {
  kid: string;
  controller: string;
  public_key_multibase: string;
  sealed_private_key: Uint8Array;
  status: KeyStatus;
  created_at: string;
}

interface CredentialRow {
  id: string;
  type: string;
  issuer: string;
  subject: string;
  format: CredentialRecord['format'];
  token: string;
  issued_at: string;
  valid_until: string | null;
}

const AGENT_COLUMNS = 'name, did, owner, method, status, kid, created_at';
const KEY_COLUMNS = 'kid, controller, public_key_multibase, sealed_private_key, status, created_at';
const CREDENTIAL_COLUMNS = 'id, type, issuer, subject, format, token, issued_at, valid_until';

/** The tables whose changes {@link SqliteConnection.changeStamp} follows: keys, settings (the published trust list), status lists. */
const STAMPED_TABLES = ['keys', 'settings', 'status_lists'] as const;

/** The credential filters, as bits of a statement index. */
const CREDENTIAL_FILTERS = ['issuer', 'subject', 'type'] as const;

function credentialQuerySql(mask: number): string {
  const where = CREDENTIAL_FILTERS.filter((_, bit) => (mask & (1 << bit)) !== 0).map((f) => `${f} = @${f}`);
  const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  return `SELECT ${CREDENTIAL_COLUMNS} FROM credentials${clause} ORDER BY issued_at, seq`;
}

/**
 * The connection and its prepared statements, with synchronous operations.
 * Knows nothing of locking: callers serialize access.
 */
class SqliteConnection {
  readonly db: Database.Database;
  readonly status: StatusStatements;
  readonly registry: RegistryStatements;
  readonly audit: AuditStatements;
  readonly expiring: ExpiringStatements;
  readonly leases: LeaseStatements;
  readonly answers: AnswerStatements;
  /** The shared repository (store/sql) over this connection: no SQL of its own here. */
  readonly subscriptions: StatusSubscriptionRepository;
  /** Set by the first corruption error or failed integrity check: writes are refused from then on. */
  corrupt = false;
  /** Writes to the tables {@link changeStamp} covers through this connection, and rollbacks. */
  #changes = 0;
  /** `PRAGMA data_version`, or undefined when the change triggers could not be installed (no stamp then). */
  readonly #dataVersion: Database.Statement<[], number> | undefined;

  readonly #getOrganization;
  readonly #putOrganization;
  readonly #putAgent;
  readonly #getAgent;
  readonly #getAgentByDid;
  readonly #listAgents;
  readonly #setAgentStatus;
  readonly #putKey;
  readonly #getKey;
  readonly #listKeys;
  readonly #listKeysByController;
  readonly #setKeyStatus;
  readonly #putCredential;
  readonly #getCredential;
  /** Indexed by a bit mask of {@link CREDENTIAL_FILTERS}. */
  readonly #listCredentials: Database.Statement<Record<string, string>, CredentialRow>[];
  /** Prepared on first use, by statement text (one per combination of filters and `after`). */
  readonly #pageCredentials = new Map<string, Database.Statement<(string | number)[], CredentialRow>>();

  constructor(db: Database.Database) {
    this.db = db;
    this.status = new StatusStatements(db);
    this.registry = new RegistryStatements(db);
    this.audit = new AuditStatements(db);
    this.expiring = new ExpiringStatements(db);
    this.leases = new LeaseStatements(db);
    this.answers = new AnswerStatements(db);
    // Its statements run on this connection under the store's own serialization (the mutex, or the open transaction).
    this.subscriptions = createStatusSubscriptionRepository(sqliteExecutor(db));
    this.#getOrganization = db.prepare<[], OrganizationRow>(
      'SELECT did, domain, name, created_at FROM organization WHERE id = 1',
    );
    this.#putOrganization = db.prepare<OrganizationRow>(
      'INSERT INTO organization (id, did, domain, name, created_at) VALUES (1, @did, @domain, @name, @created_at)',
    );
    this.#putAgent = db.prepare<AgentRow>(
      `INSERT INTO agents (${AGENT_COLUMNS}) VALUES (@name, @did, @owner, @method, @status, @kid, @created_at)`,
    );
    this.#getAgent = db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE name = ?`);
    this.#getAgentByDid = db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE did = ?`);
    this.#listAgents = db.prepare<[], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY name`);
    this.#setAgentStatus = db.prepare<[string, string]>('UPDATE agents SET status = ? WHERE name = ?');
    this.#putKey = db.prepare<KeyRow>(
      `INSERT INTO keys (${KEY_COLUMNS})
       VALUES (@kid, @controller, @public_key_multibase, @sealed_private_key, @status, @created_at)`,
    );
    this.#getKey = db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE kid = ?`);
    this.#listKeys = db.prepare<[], KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys ORDER BY created_at, seq`);
    this.#listKeysByController = db.prepare<[string], KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM keys WHERE controller = ? ORDER BY created_at, seq`,
    );
    this.#setKeyStatus = db.prepare<[string, string]>('UPDATE keys SET status = ? WHERE kid = ?');
    this.#putCredential = db.prepare<CredentialRow>(
      `INSERT INTO credentials (${CREDENTIAL_COLUMNS})
       VALUES (@id, @type, @issuer, @subject, @format, @token, @issued_at, @valid_until)`,
    );
    this.#getCredential = db.prepare<[string], CredentialRow>(
      `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?`,
    );
    this.#listCredentials = Array.from({ length: 1 << CREDENTIAL_FILTERS.length }, (_, mask) =>
      db.prepare<Record<string, string>, CredentialRow>(credentialQuerySql(mask)),
    );
    this.#dataVersion = this.#trackChanges(db);
  }

  /**
   * Counts every write to {@link STAMPED_TABLES} through this connection,
   * whatever code makes it (temporary triggers, this connection only);
   * `PRAGMA data_version` covers the other connections' commits.
   */
  #trackChanges(db: Database.Database): Database.Statement<[], number> | undefined {
    try {
      db.function('legate_changed', { varargs: false, deterministic: false }, () => {
        this.#changes++;
        return null;
      });
      for (const table of STAMPED_TABLES) {
        for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
          db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS legate_${table}_${op.toLowerCase()} AFTER ${op} ON main.${table} BEGIN SELECT legate_changed(); END`);
        }
      }
      return db.prepare<[], number>('PRAGMA data_version').pluck();
    } catch {
      return undefined;
    }
  }

  /** See {@link Store.changeStamp}. */
  changeStamp(): string | undefined {
    return this.#dataVersion === undefined ? undefined : `${this.#dataVersion.get()}:${this.#changes}`;
  }

  /** Prepared transaction-control statements (BEGIN, COMMIT, SAVEPOINT …), by their text: parsed once, not at every transaction. */
  readonly #control = new Map<string, Database.Statement>();

  /** Runs one transaction-control statement (no parameters, no rows). */
  control(sql: string): void {
    let statement = this.#control.get(sql);
    if (statement === undefined) this.#control.set(sql, (statement = this.db.prepare(sql)));
    statement.run();
  }

  /** A rolled-back transaction may have changed what a stamp covered and then undone it: a new stamp. */
  rolledBack(): void {
    this.#changes++;
  }

  getOrganization(): OrganizationRecord | undefined {
    const row = this.#getOrganization.get();
    return row && { did: row.did, domain: row.domain, name: row.name, createdAt: row.created_at };
  }

  putOrganization(org: OrganizationRecord): void {
    this.#putOrganization.run({ did: org.did, domain: org.domain, name: org.name, created_at: org.createdAt });
  }

  putAgent(agent: AgentRecord): void {
    this.#putAgent.run({
      name: agent.name,
      did: agent.did,
      owner: agent.owner,
      method: agent.method,
      status: agent.status,
      kid: agent.kid,
      created_at: agent.createdAt,
    });
  }

  getAgent(name: string): AgentRecord | undefined {
    const row = this.#getAgent.get(name);
    return row && agentFromRow(row);
  }

  getAgentByDid(did: string): AgentRecord | undefined {
    const row = this.#getAgentByDid.get(did);
    return row && agentFromRow(row);
  }

  listAgents(): AgentRecord[] {
    return this.#listAgents.all().map(agentFromRow);
  }

  setAgentStatus(name: string, status: AgentStatus): void {
    if (this.#setAgentStatus.run(status, name).changes === 0) {
      throw legateError('ERR_NOT_FOUND', 'no such agent', { claim: 'name' });
    }
  }

  putKey(key: KeyRecord): void {
    this.#putKey.run({
      kid: key.kid,
      controller: key.controller,
      public_key_multibase: key.publicKeyMultibase,
      sealed_private_key: key.sealedPrivateKey,
      status: key.status,
      created_at: key.createdAt,
    });
  }

  getKey(kid: string): KeyRecord | undefined {
    const row = this.#getKey.get(kid);
    return row && keyFromRow(row);
  }

  listKeys(controller?: string): KeyRecord[] {
    const rows = controller === undefined ? this.#listKeys.all() : this.#listKeysByController.all(controller);
    return rows.map(keyFromRow);
  }

  setKeyStatus(kid: string, status: KeyStatus): void {
    if (this.#setKeyStatus.run(status, kid).changes === 0) {
      throw legateError('ERR_NOT_FOUND', 'no such key', { claim: 'kid' });
    }
  }

  putCredential(credential: CredentialRecord): void {
    this.#putCredential.run({
      id: credential.id,
      type: credential.type,
      issuer: credential.issuer,
      subject: credential.subject,
      format: credential.format,
      token: credential.token,
      issued_at: credential.issuedAt,
      valid_until: credential.validUntil ?? null,
    });
  }

  getCredential(id: string): CredentialRecord | undefined {
    const row = this.#getCredential.get(id);
    return row && credentialFromRow(row);
  }

  listCredentials(query: CredentialQuery = {}): CredentialRecord[] {
    let mask = 0;
    const params: Record<string, string> = {};
    CREDENTIAL_FILTERS.forEach((filter, bit) => {
      const value = query[filter];
      if (value !== undefined) {
        mask |= 1 << bit;
        params[filter] = value;
      }
    });
    const statement = this.#listCredentials[mask];
    if (statement === undefined) throw new Error(`no credential query statement for mask ${mask}`);
    return statement.all(params).map(credentialFromRow);
  }

  /** One page of {@link listCredentials}'s order, after the credential `after` names (none when it names none). */
  pageCredentials(query: CredentialPageQuery): CredentialRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const filter of CREDENTIAL_FILTERS) {
      const value = query[filter];
      if (value === undefined) continue;
      where.push(`${filter} = ?`);
      params.push(value);
    }
    if (query.after !== undefined) {
      where.push('(issued_at, seq) > (SELECT issued_at, seq FROM credentials WHERE id = ?)');
      params.push(query.after);
    }
    const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
    const sql = `SELECT ${CREDENTIAL_COLUMNS} FROM credentials${clause} ORDER BY issued_at, seq LIMIT ?`;
    let statement = this.#pageCredentials.get(sql);
    if (statement === undefined) this.#pageCredentials.set(sql, (statement = this.db.prepare<(string | number)[], CredentialRow>(sql)));
    return statement.all(...params, query.limit).map(credentialFromRow);
  }
}

function agentFromRow(row: AgentRow): AgentRecord {
  return {
    name: row.name,
    did: row.did,
    owner: row.owner,
    method: row.method,
    status: row.status,
    kid: row.kid,
    createdAt: row.created_at,
  };
}

function keyFromRow(row: KeyRow): KeyRecord {
  return {
    kid: row.kid,
    controller: row.controller,
    publicKeyMultibase: row.public_key_multibase,
    // A plain copy, not the Buffer better-sqlite3 returns (which may share a pool).
    sealedPrivateKey: new Uint8Array(row.sealed_private_key),
    status: row.status,
    createdAt: row.created_at,
  };
}

function credentialFromRow(row: CredentialRow): CredentialRecord {
  const record: CredentialRecord = {
    id: row.id,
    type: row.type,
    issuer: row.issuer,
    subject: row.subject,
    format: row.format,
    token: row.token,
    issuedAt: row.issued_at,
  };
  if (row.valid_until !== null) record.validUntil = row.valid_until;
  return record;
}

// --- errors --------------------------------------------------------------------

/** `UNIQUE constraint failed: agents.did` → table and column. Never carries values. */
const UNIQUE_FAILED = /constraint failed: (\w+)\.(\w+)/;

const ENTITY_OF_TABLE: Readonly<Record<string, string>> = {
  organization: 'organization',
  agents: 'agent',
  keys: 'key',
  credentials: 'credential',
  status_lists: 'status list',
  status_allocations: 'status allocation',
  audit_entries: 'audit entry',
  audit_checkpoints: 'audit checkpoint',
  sessions: 'session',
  peer_sessions: 'peer session',
  acknowledges: 'acknowledge',
};

/** Operations that only read; every other one writes, and is refused once the store has met corruption. */
const READ_OPERATION = /^(get|list|last|latest|is|count|checkIntegrity$)/;

/**
 * Before an operation: refuses a write on a damaged store. After a failure:
 * maps it, and marks the store damaged on a corruption error.
 */
function guarded<T>(connection: SqliteConnection, operation: string, op: (connection: SqliteConnection) => T): T {
  if (connection.corrupt && !READ_OPERATION.test(operation)) throw writeRefused(operation);
  try {
    return op(connection);
  } catch (error) {
    const mapped = toStoreError(error, operation);
    if (mapped.code === 'ERR_STORE_CORRUPT') connection.corrupt = true;
    throw mapped;
  }
}

/**
 * Maps anything thrown while talking to SQLite to a `StoreError`. Messages are
 * built here from the operation, table and column only, never from values.
 * The store's own errors pass through: its failures, and the missing or
 * duplicate rows it reports (`ERR_NOT_FOUND`, `ERR_CONFLICT`, plain
 * `LegateError`s since the code table made them so).
 */
function toStoreError(error: unknown, operation: string): LegateError {
  if (error instanceof StoreError || isLegateError(error, 'ERR_NOT_FOUND') || isLegateError(error, 'ERR_CONFLICT')) return error;
  if (isCorruption(error)) return corruptionError(operation, error);
  if (isSqliteError(error)) {
    if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      const match = UNIQUE_FAILED.exec(error.message);
      const table = match?.[1];
      const column = match?.[2];
      if (table === 'organization') {
        return legateError('ERR_CONFLICT', 'an organization already exists', { reason: 'duplicate', cause: error });
      }
      const entity = (table !== undefined && ENTITY_OF_TABLE[table]) || 'row';
      return legateError(
        'ERR_CONFLICT',
        column === undefined ? `${entity} already exists` : `${entity} with this ${column} already exists`,
        { ...(column === undefined ? {} : { claim: column }), reason: 'duplicate', cause: error },
      );
    }
    return legateError('ERR_STORE', `${operation} failed (${error.code})`, { reason: error.code, cause: error });
  }
  return legateError('ERR_STORE', `${operation} failed`, { cause: error });
}

/** Runs `sql`, reporting failure instead of throwing (for cleanup paths). */
function tryExec(db: Database.Database, sql: string): boolean {
  try {
    db.exec(sql);
    return true;
  } catch {
    return false;
  }
}

// --- the stores --------------------------------------------------------------

/**
 * The {@link Store} methods, each a synchronous operation on the connection
 * handed to {@link SqliteStoreBase.run}, which decides how calls are
 * serialized (the mutex, or the open transaction).
 */
abstract class SqliteStoreBase implements Store {
  protected abstract run<T>(operation: string, op: (connection: SqliteConnection) => T): Promise<T>;
  abstract transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;

  getOrganization(): Promise<OrganizationRecord | undefined> {
    return this.run('getOrganization', (c) => c.getOrganization());
  }
  putOrganization(org: OrganizationRecord): Promise<void> {
    return this.run('putOrganization', (c) => c.putOrganization(org));
  }
  putAgent(agent: AgentRecord): Promise<void> {
    return this.run('putAgent', (c) => c.putAgent(agent));
  }
  getAgent(name: string): Promise<AgentRecord | undefined> {
    return this.run('getAgent', (c) => c.getAgent(name));
  }
  getAgentByDid(did: string): Promise<AgentRecord | undefined> {
    return this.run('getAgentByDid', (c) => c.getAgentByDid(did));
  }
  listAgents(): Promise<AgentRecord[]> {
    return this.run('listAgents', (c) => c.listAgents());
  }
  setAgentStatus(name: string, status: AgentStatus): Promise<void> {
    return this.run('setAgentStatus', (c) => c.setAgentStatus(name, status));
  }
  putKey(key: KeyRecord): Promise<void> {
    return this.run('putKey', (c) => c.putKey(key));
  }
  getKey(kid: string): Promise<KeyRecord | undefined> {
    return this.run('getKey', (c) => c.getKey(kid));
  }
  listKeys(controller?: string): Promise<KeyRecord[]> {
    return this.run('listKeys', (c) => c.listKeys(controller));
  }
  setKeyStatus(kid: string, status: KeyStatus): Promise<void> {
    return this.run('setKeyStatus', (c) => c.setKeyStatus(kid, status));
  }
  putCredential(credential: CredentialRecord): Promise<void> {
    return this.run('putCredential', (c) => c.putCredential(credential));
  }
  getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.run('getCredential', (c) => c.getCredential(id));
  }
  listCredentials(query?: CredentialQuery): Promise<CredentialRecord[]> {
    return this.run('listCredentials', (c) => c.listCredentials(query));
  }
  pageCredentials(query: CredentialPageQuery): Promise<CredentialRecord[]> {
    return this.run('pageCredentials', (c) => c.pageCredentials(query));
  }
  putStatusList(list: StatusListRecord): Promise<void> {
    return this.run('putStatusList', (c) => c.status.putStatusList(list));
  }
  getStatusList(id: string): Promise<StatusListRecord | undefined> {
    return this.run('getStatusList', (c) => c.status.getStatusList(id));
  }
  getStatusListToken(id: string): Promise<string | undefined> {
    return this.run('getStatusListToken', (c) => c.status.getStatusListToken(id));
  }
  listStatusLists(query?: StatusListQuery): Promise<StatusListRecord[]> {
    return this.run('listStatusLists', (c) => c.status.listStatusLists(query));
  }
  latestStatusList(issuer: string, purpose: StatusPurpose): Promise<Pick<StatusListRecord, 'id' | 'size'> | undefined> {
    return this.run('latestStatusList', (c) => c.status.latestStatusList(issuer, purpose));
  }
  updateStatusList(id: string, change: Pick<StatusListRecord, 'bits' | 'version' | 'updatedAt'> & { token?: string }): Promise<void> {
    return this.run('updateStatusList', (c) => c.status.updateStatusList(id, change));
  }
  putStatusAllocation(allocation: StatusAllocation): Promise<void> {
    return this.run('putStatusAllocation', (c) => c.status.putStatusAllocation(allocation));
  }
  getStatusAllocations(credentialId: string): Promise<StatusAllocation[]> {
    return this.run('getStatusAllocations', (c) => c.status.getStatusAllocations(credentialId));
  }
  isStatusIndexAllocated(listId: string, index: number): Promise<boolean> {
    return this.run('isStatusIndexAllocated', (c) => c.status.isStatusIndexAllocated(listId, index));
  }
  countStatusAllocations(listId: string): Promise<number> {
    return this.run('countStatusAllocations', (c) => c.status.countStatusAllocations(listId));
  }
  putRegistryEntry(entry: RegistryEntryRecord): Promise<void> {
    return this.run('putRegistryEntry', (c) => c.registry.putRegistryEntry(entry));
  }
  removeRegistryEntry(key: string): Promise<number> {
    return this.run('removeRegistryEntry', (c) => c.registry.removeRegistryEntry(key));
  }
  listRegistryEntries(): Promise<RegistryEntryRecord[]> {
    return this.run('listRegistryEntries', (c) => c.registry.listRegistryEntries());
  }
  getSetting(name: string): Promise<string | undefined> {
    return this.run('getSetting', (c) => c.registry.getSetting(name));
  }
  putSetting(name: string, value: string): Promise<void> {
    return this.run('putSetting', (c) => c.registry.putSetting(name, value));
  }

  // Leases (scheduled jobs one instance of a fleet runs).
  acquireLease(name: string, holder: string, until: string, now: string): Promise<boolean> {
    return this.run('acquireLease', (c) => c.leases.acquireLease(name, holder, until, now));
  }
  claimOnce(key: string, expiresAt: string, now: string): Promise<boolean> {
    return this.run('claimOnce', (c) => c.registry.claimOnce(key, expiresAt, now));
  }
  recordUsage(usage: UsageRecord): Promise<void> {
    return this.run('recordUsage', (c) => c.registry.recordUsage(usage));
  }
  listUsage(key: string, since: string): Promise<UsageRecord[]> {
    return this.run('listUsage', (c) => c.registry.listUsage(key, since));
  }
  appendAuditEntry(entry: AuditEntryRecord): Promise<void> {
    return this.run('appendAuditEntry', (c) => c.audit.appendAuditEntry(entry));
  }
  lastAuditEntry(chain: string): Promise<AuditEntryRecord | undefined> {
    return this.run('lastAuditEntry', (c) => c.audit.lastAuditEntry(chain));
  }
  listAuditEntries(query?: AuditEntryQuery): Promise<AuditEntryRecord[]> {
    return this.run('listAuditEntries', (c) => c.audit.listAuditEntries(query));
  }
  listAuditChains(): Promise<AuditEntryRecord[]> {
    return this.run('listAuditChains', (c) => c.audit.listAuditChains());
  }
  putAuditCheckpoint(checkpoint: AuditCheckpointRecord): Promise<void> {
    return this.run('putAuditCheckpoint', (c) => c.audit.putAuditCheckpoint(checkpoint));
  }
  listAuditCheckpoints(): Promise<AuditCheckpointRecord[]> {
    return this.run('listAuditCheckpoints', (c) => c.audit.listAuditCheckpoints());
  }
  // One writer at a time already: the lock option has nothing to add.
  lastAuditCheckpoint(_options?: { lock?: boolean }): Promise<AuditCheckpointRecord | undefined> {
    return this.run('lastAuditCheckpoint', (c) => c.audit.lastAuditCheckpoint());
  }
  putSession(session: SessionRecord): Promise<void> {
    return this.run('putSession', (c) => c.expiring.putSession(session));
  }
  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.run('getSession', (c) => c.expiring.getSession(id));
  }
  putPeerSession(session: PeerSessionRecord): Promise<void> {
    return this.run('putPeerSession', (c) => c.expiring.putPeerSession(session));
  }
  getPeerSession(agent: string, peer: string): Promise<PeerSessionRecord | undefined> {
    return this.run('getPeerSession', (c) => c.expiring.getPeerSession(agent, peer));
  }
  putAcknowledge(acknowledge: AcknowledgeRecord): Promise<void> {
    return this.run('putAcknowledge', (c) => c.expiring.putAcknowledge(acknowledge));
  }
  getAcknowledge(id: string): Promise<AcknowledgeRecord | undefined> {
    return this.run('getAcknowledge', (c) => c.expiring.getAcknowledge(id));
  }
  getAnswer(key: string, now: string): Promise<StoredAnswer | undefined> {
    return this.run('getAnswer', (c) => c.answers.getAnswer(key, now));
  }
  putAnswer(answer: StoredAnswer, now: string): Promise<boolean> {
    return this.run('putAnswer', (c) => c.answers.putAnswer(answer, now));
  }
  sweepAnswers(now: string): Promise<number> {
    return this.run('sweepAnswers', (c) => c.answers.sweepAnswers(now));
  }
  putStatusSubscriptions(subscriber: string, listIds: readonly string[], expiresAt: string, now: string, bounds: SubscriptionBounds): Promise<SubscriptionOutcome> {
    return this.run('putStatusSubscriptions', (c) => c.subscriptions.putStatusSubscriptions(subscriber, listIds, expiresAt, now, bounds)).then((p) => p);
  }
  listStatusSubscribers(listId: string, now: string): Promise<string[]> {
    return this.run('listStatusSubscribers', (c) => c.subscriptions.listStatusSubscribers(listId, now)).then((p) => p);
  }
  sweep(now: string): Promise<SweepResult> {
    // better-sqlite3 makes this a savepoint when a transaction is already open.
    return this.run('sweep', (c) => c.db.transaction(() => c.expiring.sweep(now)).immediate());
  }
  changeStamp(): string | undefined {
    return this.connectionOrUndefined()?.changeStamp();
  }
  protected abstract connectionOrUndefined(): SqliteConnection | undefined;
  checkIntegrity(options: { quick?: boolean } = {}): Promise<IntegrityReport> {
    return this.run('checkIntegrity', (c) => {
      const report = runIntegrityCheck(c.db, options.quick === true);
      if (!report.ok) c.corrupt = true;
      return report;
    });
  }
}

/**
 * Calls after which a file store hands its WAL checkpoints to the background
 * checkpointer: a short-lived store (a CLI command's) never starts its worker.
 */
const BACKGROUND_CHECKPOINT_AFTER = 1000;

/** The store {@link openSqliteStore} returns: every call takes the mutex. */
class SqliteStore extends SqliteStoreBase {
  #connection: SqliteConnection | undefined;
  readonly #readonly: boolean;
  readonly #mutex = new Mutex();
  /** The file, when its checkpoints may move to the background (not in memory, not read-only). */
  readonly #path: string | undefined;
  #calls = 0;
  #stopCheckpointing: (() => void) | undefined;

  constructor(connection: SqliteConnection, isReadonly: boolean, path: string | undefined) {
    super();
    this.#connection = connection;
    this.#readonly = isReadonly;
    this.#path = path;
  }

  /** Counts a call; the {@link BACKGROUND_CHECKPOINT_AFTER}th moves checkpoints to the background. */
  #count(connection: SqliteConnection): void {
    if (this.#path === undefined || ++this.#calls !== BACKGROUND_CHECKPOINT_AFTER) return;
    try {
      connection.db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    } catch {
      return;
    }
    this.#stopCheckpointing = checkpointInBackground(this.#path, () => {
      try {
        // The worker could not open the file: checkpoint in the commits again, as SQLite does by default.
        this.#connection?.db.pragma('wal_autocheckpoint = 1000');
      } catch {
        // A closed store needs no checkpoints.
      }
    });
  }

  #open(): SqliteConnection {
    if (this.#connection === undefined) throw legateError('ERR_STORE', 'the store is closed');
    return this.#connection;
  }

  protected connectionOrUndefined(): SqliteConnection | undefined {
    return this.#connection;
  }

  protected run<T>(operation: string, op: (connection: SqliteConnection) => T): Promise<T> {
    return this.#mutex.run(() => {
      const connection = this.#open();
      this.#count(connection);
      return guarded(connection, operation, op);
    });
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      const connection = this.#open();
      this.#count(connection);
      try {
        return await SqliteTransaction.run(connection, this.#readonly, fn);
      } finally {
        // Only if a ROLLBACK itself failed: never let later calls join a stale transaction.
        if (connection.db.inTransaction) this.#closeNow();
      }
    });
  }

  close(): Promise<void> {
    return this.#mutex.run(() => this.#closeNow());
  }

  #closeNow(): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    this.#connection = undefined;
    this.#stopCheckpointing?.();
    try {
      connection.db.close();
    } catch (error) {
      throw toStoreError(error, 'close database');
    }
  }
}

/**
 * The `tx` handed to a transaction function. Runs statements directly on the
 * connection (the outer store's mutex is already held). Unusable once its
 * transaction has ended, and while a nested transaction it started is open.
 */
class SqliteTransaction extends SqliteStoreBase {
  readonly #connection: SqliteConnection;
  readonly #depth: number;
  /** Shared by a top-level transaction and all its nested ones. */
  readonly #shared: { aborted: boolean };
  #child: SqliteTransaction | undefined;
  #ended = false;

  private constructor(connection: SqliteConnection, depth: number, shared: { aborted: boolean }) {
    super();
    this.#connection = connection;
    this.#depth = depth;
    this.#shared = shared;
  }

  /** Runs `fn` in a top-level transaction on `connection`; the caller holds the mutex. */
  static async run<T>(connection: SqliteConnection, isReadonly: boolean, fn: (tx: Store) => Promise<T>): Promise<T> {
    const { db } = connection;
    // IMMEDIATE takes the write lock now, so COMMIT cannot fail with SQLITE_BUSY.
    guarded(connection, 'transaction', () => connection.control(isReadonly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE'));
    const tx = new SqliteTransaction(connection, 0, { aborted: false });
    let result: T;
    try {
      result = await fn(tx);
      tx.#assertCleanEnd();
    } catch (error) {
      tx.#end();
      connection.status.forgetCounts();
      connection.rolledBack();
      // The caller's error matters more than a failed ROLLBACK; the store
      // closes the connection if the transaction is somehow still open.
      if (db.inTransaction) tryExec(db, 'ROLLBACK');
      throw error;
    }
    tx.#end();
    try {
      guarded(connection, 'commit transaction', () => connection.control('COMMIT'));
    } catch (error) {
      connection.status.forgetCounts();
      connection.rolledBack();
      if (db.inTransaction) tryExec(db, 'ROLLBACK');
      throw error;
    }
    return result;
  }

  protected run<T>(operation: string, op: (connection: SqliteConnection) => T): Promise<T> {
    try {
      this.#assertUsable();
      return Promise.resolve(guarded(this.#connection, operation, op));
    } catch (error) {
      return Promise.reject(toStoreError(error, operation));
    }
  }

  /** A nested transaction: a savepoint, released on success, rolled back to if `fn` throws. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    this.#assertUsable();
    const { db } = this.#connection;
    const savepoint = `legate_tx_${this.#depth + 1}`;
    try {
      this.#connection.control(`SAVEPOINT ${savepoint}`);
    } catch (error) {
      throw toStoreError(error, 'begin nested transaction');
    }
    const child = new SqliteTransaction(this.#connection, this.#depth + 1, this.#shared);
    this.#child = child;
    try {
      let result: T;
      try {
        result = await fn(child);
        child.#assertCleanEnd();
      } catch (error) {
        child.#end();
        this.#connection.status.forgetCounts();
        this.#connection.rolledBack();
        // If this transaction ended meanwhile, the savepoint is gone and the
        // connection may belong to someone else: touch nothing.
        if (!this.#ended && db.inTransaction && !tryExec(db, `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`)) {
          // The nested writes could not be undone: the whole transaction must not commit.
          this.#shared.aborted = true;
        }
        throw error;
      }
      child.#end();
      if (this.#ended) throw legateError('ERR_STORE', 'the enclosing transaction ended first');
      try {
        this.#connection.control(`RELEASE ${savepoint}`);
      } catch (error) {
        throw toStoreError(error, 'commit nested transaction');
      }
      return result;
    } finally {
      this.#child = undefined;
    }
  }

  close(): Promise<void> {
    return Promise.reject(legateError('ERR_STORE', 'close the store, not a transaction'));
  }

  protected connectionOrUndefined(): SqliteConnection | undefined {
    return this.#connection;
  }

  #assertUsable(): void {
    if (this.#ended) throw legateError('ERR_STORE', 'the transaction has ended');
    if (this.#child !== undefined) {
      throw legateError('ERR_STORE', 'a nested transaction is open; use its store until it ends');
    }
    this.#assertNotAborted();
  }

  /** After `fn` resolved: refuse to commit around a nested transaction still running, or an aborted one. */
  #assertCleanEnd(): void {
    if (this.#child !== undefined) {
      throw legateError('ERR_STORE', 'the transaction function returned before its nested transaction ended');
    }
    this.#assertNotAborted();
  }

  #assertNotAborted(): void {
    if (this.#shared.aborted || !this.#connection.db.inTransaction) {
      throw legateError('ERR_STORE', 'the transaction was aborted');
    }
  }

  /** Ends this transaction and any nested one it has open. */
  #end(): void {
    this.#ended = true;
    if (this.#child !== undefined) this.#child.#end();
  }
}
