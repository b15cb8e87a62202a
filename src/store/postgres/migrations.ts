/**
 * @module store/postgres/migrations
 *
 * The PostgreSQL schema as an ordered list of migrations, recorded in
 * `schema_migrations` (one row per applied version). Opening a store applies
 * the pending ones, each in its own transaction, under a session advisory
 * lock, so two instances starting together take turns: the second finds the
 * work done. A database whose version is newer than this list is refused.
 * Migrations are append-only: never edit one that has shipped.
 *
 * The schema is the SQLite one (`store/sqlite/migrations`) as it stands at
 * SQLite version 9, in one step: the same tables, columns, keys, `CHECK`s
 * and indexes, so the shared repositories (`store/sql`) run unchanged on
 * both. Times are ISO 8601 text (compared as text, as in SQLite), bytes
 * `bytea`, insertion sequences `bigint` identities, and text that is sorted
 * uses the `C` collation, so orders are SQLite's byte order. Internal.
 */

import { legateError } from '../../errors/index.js';
import type { PgSession } from './driver.js';
import { CONSOLE_PG_MIGRATIONS } from './migrations-console.js';

/** One schema step. */
export interface PgMigration {
  readonly version: number;
  readonly description: string;
  /** Statements run as one script, inside the migration's transaction. */
  readonly sql: string;
}

/** The session lock key migrations run under (any constant; "legate" in ASCII). */
const MIGRATION_LOCK = 0x6c6567617465;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'the schema of SQLite version 9: organization, agents, keys, credentials, status lists, registry, settings, replay, usage, audit, sessions, leases, answers',
    sql: `
      CREATE TABLE organization (
        id          integer PRIMARY KEY CHECK (id = 1),
        did         text NOT NULL,
        domain      text NOT NULL,
        name        text NOT NULL,
        created_at  text NOT NULL
      );

      CREATE TABLE agents (
        name        text COLLATE "C" NOT NULL PRIMARY KEY,
        did         text NOT NULL UNIQUE,
        owner       text NOT NULL,
        method      text NOT NULL CHECK (method IN ('web', 'key')),
        status      text NOT NULL CHECK (status IN ('active', 'retired')),
        kid         text NOT NULL,
        created_at  text NOT NULL
      );

      CREATE TABLE keys (
        seq                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kid                   text NOT NULL UNIQUE,
        controller            text NOT NULL,
        public_key_multibase  text NOT NULL,
        sealed_private_key    bytea NOT NULL,
        status                text NOT NULL CHECK (status IN ('active', 'retired')),
        created_at            text COLLATE "C" NOT NULL
      );
      CREATE INDEX keys_by_controller ON keys (controller, created_at, seq);

      CREATE TABLE credentials (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id           text NOT NULL UNIQUE,
        type         text NOT NULL,
        issuer       text NOT NULL,
        subject      text NOT NULL,
        format       text NOT NULL CHECK (format IN ('vc+jwt', 'vc+ld+json')),
        token        text NOT NULL,
        issued_at    text COLLATE "C" NOT NULL,
        valid_until  text
      );
      CREATE INDEX credentials_by_issuer ON credentials (issuer, issued_at, seq);
      CREATE INDEX credentials_by_subject ON credentials (subject, issued_at, seq);

      CREATE TABLE status_lists (
        seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id          text NOT NULL UNIQUE,
        issuer      text NOT NULL,
        purpose     text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        size        integer NOT NULL CHECK (size > 0 AND size % 8 = 0),
        bits        bytea NOT NULL,
        version     integer NOT NULL,
        token       text,
        created_at  text COLLATE "C" NOT NULL,
        updated_at  text NOT NULL
      );
      CREATE INDEX status_lists_by_issuer ON status_lists (issuer, purpose, created_at, seq);

      CREATE TABLE status_allocations (
        credential_id  text NOT NULL,
        purpose        text COLLATE "C" NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        list_id        text NOT NULL,
        idx            integer NOT NULL CHECK (idx >= 0),
        PRIMARY KEY (credential_id, purpose),
        UNIQUE (list_id, idx)
      );

      CREATE TABLE registry_entries (
        kind        text COLLATE "C" NOT NULL CHECK (kind IN ('accreditation', 'recognition')),
        key         text COLLATE "C" NOT NULL,
        entry       text NOT NULL,
        updated_at  text NOT NULL,
        PRIMARY KEY (kind, key)
      );

      CREATE TABLE settings (
        name   text NOT NULL PRIMARY KEY,
        value  text NOT NULL
      );

      CREATE TABLE one_time_keys (
        key         text NOT NULL PRIMARY KEY,
        expires_at  text COLLATE "C" NOT NULL
      );
      CREATE INDEX one_time_keys_by_expiry ON one_time_keys (expires_at);

      CREATE TABLE usage (
        seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key         text NOT NULL,
        at          text COLLATE "C" NOT NULL,
        amount      text,
        currency    text,
        expires_at  text COLLATE "C"
      );
      CREATE INDEX usage_by_key ON usage (key, at, seq);
      CREATE INDEX usage_by_expiry ON usage (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE audit_entries (
        seq        bigint PRIMARY KEY CHECK (seq >= 1),
        at         text COLLATE "C" NOT NULL,
        entry      text NOT NULL,
        hash       text NOT NULL,
        prev_hash  text NOT NULL
      );
      CREATE INDEX audit_entries_by_at ON audit_entries (at, seq);

      CREATE TABLE audit_checkpoints (
        seq    bigint PRIMARY KEY CHECK (seq >= 1),
        hash   text NOT NULL,
        at     text NOT NULL,
        token  text NOT NULL
      );

      CREATE TABLE sessions (
        id          text NOT NULL PRIMARY KEY,
        chains      text NOT NULL,
        expires_at  text COLLATE "C" NOT NULL
      );
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);

      CREATE TABLE peer_sessions (
        agent       text NOT NULL,
        peer        text NOT NULL,
        token       text NOT NULL,
        endpoint    text NOT NULL,
        expires_at  text COLLATE "C" NOT NULL,
        PRIMARY KEY (agent, peer)
      );
      CREATE INDEX peer_sessions_by_expiry ON peer_sessions (expires_at);

      CREATE TABLE acknowledges (
        id          text NOT NULL PRIMARY KEY,
        payload     text NOT NULL,
        expires_at  text COLLATE "C" NOT NULL
      );
      CREATE INDEX acknowledges_by_expiry ON acknowledges (expires_at);

      CREATE TABLE leases (
        name    text NOT NULL PRIMARY KEY,
        holder  text NOT NULL,
        until   text COLLATE "C" NOT NULL
      );

      CREATE TABLE answers (
        key           text NOT NULL PRIMARY KEY,
        request_hash  text NOT NULL,
        answer        text NOT NULL,
        expires_at    text COLLATE "C" NOT NULL
      );
      CREATE INDEX answers_by_expiry ON answers (expires_at);
    `,
  },
  {
    version: 2,
    description: 'audit chains (SQLite version 10): each instance appends to a chain of its own; the existing entries become chain main',
    sql: `
      ALTER TABLE audit_entries ADD COLUMN chain text COLLATE "C" NOT NULL DEFAULT 'main';
      ALTER TABLE audit_entries ALTER COLUMN chain DROP DEFAULT;
      ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_pkey;
      ALTER TABLE audit_entries ADD PRIMARY KEY (chain, seq);
      DROP INDEX audit_entries_by_at;
      CREATE INDEX audit_entries_by_at ON audit_entries (at, chain, seq);
      INSERT INTO settings (name, value)
        SELECT 'audit.chain-id', 'main' WHERE EXISTS (SELECT 1 FROM audit_entries)
        ON CONFLICT (name) DO NOTHING;
    `,
  },
  {
    version: 3,
    description: 'status subscriptions (SQLite version 13): partners notified when a status list changes, until their subscription expires',
    sql: `
      CREATE TABLE status_subscriptions (
        subscriber  text COLLATE "C" NOT NULL,
        list_id     text COLLATE "C" NOT NULL,
        expires_at  text COLLATE "C" NOT NULL,
        created_at  text NOT NULL,
        PRIMARY KEY (subscriber, list_id)
      );
      CREATE INDEX status_subscriptions_by_list ON status_subscriptions (list_id, expires_at);
      CREATE INDEX status_subscriptions_by_expiry ON status_subscriptions (expires_at);
    `,
  },
  {
    version: 4,
    description: 'change notices: a statement on keys, settings or status_lists notifies channel legate_change at commit (store/postgres/changes)',
    sql: `
      CREATE FUNCTION legate_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('legate_change', TG_TABLE_NAME);
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER legate_keys_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON keys
        FOR EACH STATEMENT EXECUTE FUNCTION legate_notify_change();
      CREATE TRIGGER legate_settings_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
        FOR EACH STATEMENT EXECUTE FUNCTION legate_notify_change();
      CREATE TRIGGER legate_status_lists_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON status_lists
        FOR EACH STATEMENT EXECUTE FUNCTION legate_notify_change();
    `,
  },
  {
    version: 5,
    description: 'approvers and the published trust list in tables of their own, out of settings (SQLite version 14); trust_list notifies legate_change',
    sql: `
      CREATE TABLE approvers (did text COLLATE "C" PRIMARY KEY, position integer NOT NULL UNIQUE);
      INSERT INTO approvers (did, position)
        SELECT DISTINCT ON (e.did) e.did, e.position - 1 FROM settings s,
          jsonb_array_elements_text(s.value::jsonb) WITH ORDINALITY AS e(did, position)
        WHERE s.name = 'approvers' AND left(ltrim(s.value), 1) = '[' AND jsonb_typeof(s.value::jsonb) = 'array'
        ORDER BY e.did, e.position;
      DELETE FROM settings WHERE name = 'approvers';
      CREATE TABLE trust_list (
        id            integer PRIMARY KEY CHECK (id = 1),
        version       integer NOT NULL CHECK (version > 0),
        token         text NOT NULL,
        published_at  text NOT NULL,
        valid_until   text
      );
      INSERT INTO trust_list (id, version, token, published_at, valid_until)
        SELECT 1, GREATEST(1, COALESCE((SELECT value FROM settings WHERE name = 'trust-list.version' AND value ~ '^[0-9]{1,9}$'), '1')::integer), t.value,
          to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), NULL
        FROM settings t WHERE t.name = 'trust-list.token';
      DELETE FROM settings WHERE name IN ('trust-list.version', 'trust-list.token');
      CREATE TRIGGER legate_trust_list_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trust_list
        FOR EACH STATEMENT EXECUTE FUNCTION legate_notify_change();
    `,
  },
  {
    version: 6,
    description: "a key's retirement (when, why, compromised since) on its row, out of settings (SQLite version 15)",
    sql: `
      ALTER TABLE keys ADD COLUMN retired_at text;
      ALTER TABLE keys ADD COLUMN retired_reason text CHECK (retired_reason IN ('expired', 'compromised'));
      ALTER TABLE keys ADD COLUMN compromised_since text;
      UPDATE keys k SET
          retired_at = r.value->>'at',
          retired_reason = r.value->>'reason',
          compromised_since = r.value->>'compromisedSince'
        FROM (SELECT name, value::jsonb AS value FROM settings WHERE name LIKE 'key.retired:%' AND left(ltrim(value), 1) = '{') r
        WHERE r.name = 'key.retired:' || k.kid AND jsonb_typeof(r.value->'at') = 'string' AND r.value->>'reason' IN ('expired', 'compromised');
      DELETE FROM settings WHERE name LIKE 'key.retired:%';
    `,
  },
  ...CONSOLE_PG_MIGRATIONS,
];


/** The version recorded in `schema_migrations` (0 for a database never migrated). */
async function currentVersion(session: PgSession): Promise<number> {
  const row = await session.exec.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

/**
 * Brings the database up to the latest schema and returns the version. Each
 * pending migration commits with its `schema_migrations` row, or not at all.
 *
 * @throws StoreError `ERR_STORE` (`schema_too_new`) for a database migrated by a later Legate.
 */
export async function applyPgMigrations(session: PgSession, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw legateError('ERR_STORE', `migration at position ${index + 1} has version ${migration.version}`, { reason: 'schema_version' });
    }
  });
  await session.script(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    await session.script(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const current = await currentVersion(session);
    if (current > migrations.length) {
      throw legateError(
        'ERR_STORE',
        `database schema version ${current} is newer than this Legate supports (${migrations.length}); upgrade Legate`,
        { reason: 'schema_too_new' },
      );
    }
    for (const migration of migrations.slice(current)) {
      // Versions are integers and descriptions ours: nothing here comes from outside.
      const description = migration.description.replaceAll("'", "''");
      await session.script(
        `BEGIN; ${migration.sql};
         INSERT INTO schema_migrations (version, description) VALUES (${migration.version}, '${description}'); COMMIT;`,
      );
    }
    return migrations.length;
  } finally {
    // After a failure the session is closed, not reused, which drops the lock too.
    await session.script(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
  }
}
