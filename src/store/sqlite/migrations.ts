/**
 * @module store/sqlite/migrations
 *
 * The SQLite schema as an ordered list of migrations. The database records how
 * many have been applied in `PRAGMA user_version`; opening a store applies the
 * rest inside one `BEGIN IMMEDIATE` transaction, so a migration lands wholly or
 * not at all, and two processes opening the same file cannot both apply it.
 * Migrations are append-only: never edit one that has shipped, add a new one.
 * A database whose version is newer than this list is refused. Internal.
 */

import type { Database } from 'better-sqlite3';

import { legateError } from '../../errors/index.js';
import { CONSOLE_MIGRATIONS } from './migrations-console.js';
import { SCALE_MIGRATIONS } from './migrations-scale.js';

/** One schema step. Migration `n` (1-based) moves `user_version` from `n - 1` to `n`. */
export interface Migration {
  /** The `user_version` after this migration; equals its 1-based position. */
  readonly version: number;
  /** What the migration does, for humans. */
  readonly description: string;
  /** One or more SQL statements, run with `Database.exec`. */
  readonly sql: string;
}

/**
 * Every migration, in order. Tables are `STRICT`; enum columns carry `CHECK`
 * constraints; `keys` and `credentials` carry an `AUTOINCREMENT` insertion
 * sequence (`seq`, the stable rowid alias) that breaks ties between equal
 * timestamps so "oldest first" is deterministic. Their natural ids (`kid`,
 * `id`) are `NOT NULL UNIQUE` and play the primary-key role.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'organization, agents, keys, credentials',
    sql: `
      CREATE TABLE organization (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        did         TEXT NOT NULL,
        domain      TEXT NOT NULL,
        name        TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE agents (
        name        TEXT NOT NULL PRIMARY KEY,
        did         TEXT NOT NULL UNIQUE,
        owner       TEXT NOT NULL,
        method      TEXT NOT NULL CHECK (method IN ('web', 'key')),
        status      TEXT NOT NULL CHECK (status IN ('active', 'retired')),
        kid         TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE keys (
        seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
        kid                   TEXT NOT NULL UNIQUE,
        controller            TEXT NOT NULL,
        public_key_multibase  TEXT NOT NULL,
        sealed_private_key    BLOB NOT NULL,
        status                TEXT NOT NULL CHECK (status IN ('active', 'retired')),
        created_at            TEXT NOT NULL
      ) STRICT;
      CREATE INDEX keys_by_controller ON keys (controller, created_at, seq);

      CREATE TABLE credentials (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT NOT NULL UNIQUE,
        type         TEXT NOT NULL,
        issuer       TEXT NOT NULL,
        subject      TEXT NOT NULL,
        format       TEXT NOT NULL CHECK (format IN ('vc+jwt')),
        token        TEXT NOT NULL,
        issued_at    TEXT NOT NULL,
        valid_until  TEXT
      ) STRICT;
      CREATE INDEX credentials_by_issuer ON credentials (issuer, issued_at, seq);
      CREATE INDEX credentials_by_subject ON credentials (subject, issued_at, seq);
    `,
  },
  {
    version: 2,
    description: 'status lists and their never-reused index allocations',
    sql: `
      CREATE TABLE status_lists (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        issuer      TEXT NOT NULL,
        purpose     TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        size        INTEGER NOT NULL CHECK (size > 0 AND size % 8 = 0),
        bits        BLOB NOT NULL,
        version     INTEGER NOT NULL,
        token       TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX status_lists_by_issuer ON status_lists (issuer, purpose, created_at, seq);

      CREATE TABLE status_allocations (
        credential_id  TEXT NOT NULL,
        purpose        TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        list_id        TEXT NOT NULL,
        idx            INTEGER NOT NULL CHECK (idx >= 0),
        PRIMARY KEY (credential_id, purpose),
        UNIQUE (list_id, idx)
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'trust registry entries and node settings',
    sql: `
      CREATE TABLE registry_entries (
        kind        TEXT NOT NULL CHECK (kind IN ('accreditation', 'recognition')),
        key         TEXT NOT NULL,
        entry       TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (kind, key)
      ) STRICT;

      CREATE TABLE settings (
        name   TEXT NOT NULL PRIMARY KEY,
        value  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    description: 'replay protection and capability usage',
    sql: `
      CREATE TABLE one_time_keys (
        key         TEXT NOT NULL PRIMARY KEY,
        expires_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX one_time_keys_by_expiry ON one_time_keys (expires_at);

      CREATE TABLE usage (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        key       TEXT NOT NULL,
        at        TEXT NOT NULL,
        amount    TEXT,
        currency  TEXT
      ) STRICT;
      CREATE INDEX usage_by_key ON usage (key, at, seq);
    `,
  },
  {
    version: 5,
    description: 'hash-chained audit log and its signed checkpoints',
    // No AUTOINCREMENT: seq is chosen by the writer and checked to be last + 1
    // in the INSERT itself (see store/sql/audit), so the log has no gaps.
    sql: `
      CREATE TABLE audit_entries (
        seq        INTEGER PRIMARY KEY CHECK (seq >= 1),
        at         TEXT NOT NULL,
        entry      TEXT NOT NULL,
        hash       TEXT NOT NULL,
        prev_hash  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_entries_by_at ON audit_entries (at, seq);

      CREATE TABLE audit_checkpoints (
        seq    INTEGER PRIMARY KEY CHECK (seq >= 1),
        hash   TEXT NOT NULL,
        at     TEXT NOT NULL,
        token  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    description: 'credentials secured with Data Integrity proofs (format vc+ld+json)',
    // SQLite cannot change a CHECK in place: rebuild the table, keeping every
    // row and its seq (and so the AUTOINCREMENT sequence), then its indexes.
    sql: `
      CREATE TABLE credentials_v6 (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT NOT NULL UNIQUE,
        type         TEXT NOT NULL,
        issuer       TEXT NOT NULL,
        subject      TEXT NOT NULL,
        format       TEXT NOT NULL CHECK (format IN ('vc+jwt', 'vc+ld+json')),
        token        TEXT NOT NULL,
        issued_at    TEXT NOT NULL,
        valid_until  TEXT
      ) STRICT;
      INSERT INTO credentials_v6 (seq, id, type, issuer, subject, format, token, issued_at, valid_until)
        SELECT seq, id, type, issuer, subject, format, token, issued_at, valid_until FROM credentials ORDER BY seq;
      DROP TABLE credentials;
      ALTER TABLE credentials_v6 RENAME TO credentials;
      CREATE INDEX credentials_by_issuer ON credentials (issuer, issued_at, seq);
      CREATE INDEX credentials_by_subject ON credentials (subject, issued_at, seq);
    `,
  },
  {
    version: 7,
    description: 'handshake sessions and acknowledges in typed tables with an expiry; usage rows with an expiry',
    // Sessions and acknowledges lived in settings (ace.session.<jti>,
    // ace.acknowledge.<id>, peer.session.<agent>.<peer DID>) with no expiry.
    // They move here, keeping their data. Their true expiry is inside signed
    // tokens SQL cannot decode, so moved rows expire one day after the
    // migration: the longest session lifetime (session/issue
    // MAX_SESSION_LIFETIME_SECONDS), so no live session is cut short. Rows
    // that are not the JSON the node wrote are dropped: nothing could read them.
    // Usage rows already stored get no expiry and are kept.
    sql: `
      CREATE TABLE sessions (
        id          TEXT NOT NULL PRIMARY KEY,
        chains      TEXT NOT NULL,
        expires_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);

      CREATE TABLE peer_sessions (
        agent       TEXT NOT NULL,
        peer        TEXT NOT NULL,
        token       TEXT NOT NULL,
        endpoint    TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        PRIMARY KEY (agent, peer)
      ) STRICT;
      CREATE INDEX peer_sessions_by_expiry ON peer_sessions (expires_at);

      CREATE TABLE acknowledges (
        id          TEXT NOT NULL PRIMARY KEY,
        payload     TEXT NOT NULL,
        expires_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX acknowledges_by_expiry ON acknowledges (expires_at);

      ALTER TABLE usage ADD COLUMN expires_at TEXT;
      CREATE INDEX usage_by_expiry ON usage (expires_at) WHERE expires_at IS NOT NULL;

      INSERT OR IGNORE INTO sessions (id, chains, expires_at)
        SELECT substr(name, 13), value, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')
        FROM settings WHERE substr(name, 1, 12) = 'ace.session.' AND length(name) > 12 AND json_valid(value);
      INSERT OR IGNORE INTO acknowledges (id, payload, expires_at)
        SELECT substr(name, 17), value, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')
        FROM settings WHERE substr(name, 1, 16) = 'ace.acknowledge.' AND length(name) > 16 AND json_valid(value);
      -- peer.session.<agent>.<peer DID>: agent names hold no dot, so the first dot ends it.
      INSERT OR IGNORE INTO peer_sessions (agent, peer, token, endpoint, expires_at)
        SELECT substr(rest, 1, instr(rest, '.') - 1), substr(rest, instr(rest, '.') + 1),
               json_extract(value, '$.token'), json_extract(value, '$.endpoint'),
               strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')
        FROM (SELECT substr(name, 14) AS rest, value FROM settings
              WHERE substr(name, 1, 13) = 'peer.session.' AND json_valid(value))
        WHERE instr(rest, '.') > 1 AND length(rest) > instr(rest, '.')
          AND json_type(value, '$.token') = 'text' AND json_type(value, '$.endpoint') = 'text';
      DELETE FROM settings
        WHERE substr(name, 1, 12) = 'ace.session.' OR substr(name, 1, 16) = 'ace.acknowledge.'
           OR substr(name, 1, 13) = 'peer.session.';
    `,
  },
  {
    version: 8,
    description: 'leases: which instance of a fleet runs a scheduled job (status-list re-signing)',
    sql: `
      CREATE TABLE leases (
        name    TEXT NOT NULL PRIMARY KEY,
        holder  TEXT NOT NULL,
        until   TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 9,
    description: 'answers: what an AuthZEN caller was answered per request id, so a retry records nothing twice (#15)',
    sql: `
      CREATE TABLE answers (
        key           TEXT NOT NULL PRIMARY KEY,
        request_hash  TEXT NOT NULL,
        answer        TEXT NOT NULL,
        expires_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX answers_by_expiry ON answers (expires_at);
    `,
  },
  {
    version: 10,
    description: 'one-time keys in a WITHOUT ROWID table: a claim writes the key B-tree and the expiry index, not also a rowid table (#15)',
    // A rowid table with a TEXT primary key is two B-trees (rows by rowid, the
    // key's unique index); keyed by the key itself it is one. Every claim of
    // a token exchange (DPoP jti, presentation nonce) writes one page fewer.
    // Keys and expiries move as they are: a claimed key stays claimed.
    sql: `
      CREATE TABLE one_time_keys_v10 (
        key         TEXT NOT NULL PRIMARY KEY,
        expires_at  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO one_time_keys_v10 (key, expires_at) SELECT key, expires_at FROM one_time_keys;
      DROP TABLE one_time_keys;
      ALTER TABLE one_time_keys_v10 RENAME TO one_time_keys;
      CREATE INDEX one_time_keys_by_expiry ON one_time_keys (expires_at);
    `,
  },
  {
    version: 11,
    description: 'session chains by reference: each credential JWT stored once, keyed by its SHA-256; small session rows keyed by id (#15)',
    // A session row held the full JWTs of its chains (about 4 KB for a chain
    // of two), one page per token issued, though every token of an agent
    // rests on the same few credentials. New rows hold "sha256:<hash>"
    // references into session_tokens (see store/sql/sessions), whose
    // expiry is kept at or after that of every session naming it. Rows
    // written before keep their JWTs and are read as they are; they move into
    // the WITHOUT ROWID table unchanged.
    sql: `
      CREATE TABLE session_tokens (
        hash        TEXT NOT NULL PRIMARY KEY,
        token       TEXT NOT NULL,
        expires_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX session_tokens_by_expiry ON session_tokens (expires_at);

      CREATE TABLE sessions_v11 (
        id          TEXT NOT NULL PRIMARY KEY,
        chains      TEXT NOT NULL,
        expires_at  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO sessions_v11 (id, chains, expires_at) SELECT id, chains, expires_at FROM sessions;
      DROP TABLE sessions;
      ALTER TABLE sessions_v11 RENAME TO sessions;
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
    `,
  },
  {
    version: 12,
    description: 'audit chains: each instance appends to a chain of its own; the existing entries become chain "main" (#16)',
    // SQLite cannot change a primary key in place: rebuild the table with
    // (chain, seq), keeping every row. A node that already logged keeps
    // appending to that chain (the setting audit.chain-id names it).
    sql: `
      CREATE TABLE audit_entries_chained (
        chain      TEXT NOT NULL,
        seq        INTEGER NOT NULL CHECK (seq >= 1),
        at         TEXT NOT NULL,
        entry      TEXT NOT NULL,
        hash       TEXT NOT NULL,
        prev_hash  TEXT NOT NULL,
        PRIMARY KEY (chain, seq)
      ) STRICT;
      INSERT INTO audit_entries_chained (chain, seq, at, entry, hash, prev_hash)
        SELECT 'main', seq, at, entry, hash, prev_hash FROM audit_entries;
      DROP TABLE audit_entries;
      ALTER TABLE audit_entries_chained RENAME TO audit_entries;
      CREATE INDEX audit_entries_by_at ON audit_entries (at, chain, seq);
      INSERT INTO settings (name, value)
        SELECT 'audit.chain-id', 'main' WHERE EXISTS (SELECT 1 FROM audit_entries)
        ON CONFLICT (name) DO NOTHING;
    `,
  },
  {
    version: 13,
    description: 'status subscriptions: partners notified when a status list changes, until their subscription expires',
    sql: `
      CREATE TABLE status_subscriptions (
        subscriber  TEXT NOT NULL,
        list_id     TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (subscriber, list_id)
      ) STRICT;
      CREATE INDEX status_subscriptions_by_list ON status_subscriptions (list_id, expires_at);
      CREATE INDEX status_subscriptions_by_expiry ON status_subscriptions (expires_at);
    `,
  },
  {
    version: 14,
    description: 'approvers and the published trust list in tables of their own, out of settings',
    sql: `
      CREATE TABLE approvers (did TEXT PRIMARY KEY, position INTEGER NOT NULL UNIQUE) STRICT;
      INSERT OR IGNORE INTO approvers (did, position)
        SELECT j.value, j.key FROM settings s, json_each(s.value) j
        WHERE s.name = 'approvers' AND json_valid(s.value) AND json_type(s.value) = 'array' AND j.type = 'text';
      DELETE FROM settings WHERE name = 'approvers';
      CREATE TABLE trust_list (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        version       INTEGER NOT NULL CHECK (version > 0),
        token         TEXT NOT NULL,
        published_at  TEXT NOT NULL,
        valid_until   TEXT
      ) STRICT;
      INSERT INTO trust_list (id, version, token, published_at, valid_until)
        SELECT 1, MAX(1, CAST(COALESCE((SELECT value FROM settings WHERE name = 'trust-list.version'), '1') AS INTEGER)), t.value,
          strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL
        FROM settings t WHERE t.name = 'trust-list.token';
      DELETE FROM settings WHERE name IN ('trust-list.version', 'trust-list.token');
    `,
  },
  {
    version: 15,
    description: "a key's retirement (when, why, compromised since) on its row, out of settings",
    sql: `
      ALTER TABLE keys ADD COLUMN retired_at TEXT;
      ALTER TABLE keys ADD COLUMN retired_reason TEXT CHECK (retired_reason IN ('expired', 'compromised'));
      ALTER TABLE keys ADD COLUMN compromised_since TEXT;
      UPDATE keys SET
          retired_at = json_extract(s.value, '$.at'),
          retired_reason = json_extract(s.value, '$.reason'),
          compromised_since = json_extract(s.value, '$.compromisedSince')
        FROM settings s
        WHERE s.name = 'key.retired:' || keys.kid AND json_valid(s.value)
          AND json_type(s.value, '$.at') = 'text' AND json_extract(s.value, '$.reason') IN ('expired', 'compromised');
      DELETE FROM settings WHERE name LIKE 'key.retired:%';
    `,
  },
  ...CONSOLE_MIGRATIONS,
  ...SCALE_MIGRATIONS,
];

/** The schema version of `db` (`PRAGMA user_version`). */
export function schemaVersion(db: Database): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') {
    throw legateError('ERR_STORE', 'could not read the database schema version', { reason: 'schema_version' });
  }
  return version;
}

/**
 * Throws `ERR_STORE` when `version` is newer than `migrations` know: the file
 * was written by a later Legate, and this one must not touch it.
 */
export function assertKnownVersion(version: number, migrations: readonly Migration[] = MIGRATIONS): void {
  if (version > migrations.length) {
    throw legateError(
      'ERR_STORE',
      `database schema version ${version} is newer than this Legate supports (${migrations.length}); upgrade Legate`,
      { reason: 'schema_too_new' },
    );
  }
}

/**
 * Brings `db` up to the latest schema and returns the resulting version.
 * Pending migrations run in one immediate transaction; on any failure it rolls
 * back and rethrows, leaving the file as it was. A no-op when up to date.
 */
export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw legateError('ERR_STORE', `migration at position ${index + 1} has version ${migration.version}`, {
        reason: 'schema_version',
      });
    }
  });
  const target = migrations.length;
  const before = schemaVersion(db);
  assertKnownVersion(before, migrations);
  if (before === target) return target;

  db.exec('BEGIN IMMEDIATE');
  try {
    // Re-read under the write lock: another connection may have migrated meanwhile.
    const current = schemaVersion(db);
    assertKnownVersion(current, migrations);
    for (const migration of migrations.slice(current)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return target;
}
