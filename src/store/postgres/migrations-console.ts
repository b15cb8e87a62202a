/**
 * @module store/postgres/migrations-console
 *
 * The PostgreSQL migrations of the console (#18): alerts (7), operators and
 * their sessions (8), the approval inbox (9), changes waiting for a
 * second operator (10); audit packing (11) and sealing (12), agents' change
 * notices (13), status list cursors (14) and peer sessions' pending
 * confirms (15), of #19. Kept apart so the main list stays readable;
 * `PG_MIGRATIONS` takes them in order.
 */

import type { PgMigration } from './migrations.js';

export const CONSOLE_PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 7,
    description: 'alerts fired over the decision stream (one per dedupe key), and the capabilities each agent has used (SQLite version 16)',
    sql: `
      CREATE TABLE alerts (
        id               text COLLATE "C" PRIMARY KEY,
        rule             text COLLATE "C" NOT NULL,
        severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        subject          text COLLATE "C" NOT NULL,
        message          text NOT NULL,
        details          text NOT NULL,
        dedupe_key       text COLLATE "C" NOT NULL UNIQUE,
        fired_at         text COLLATE "C" NOT NULL,
        acknowledged_at  text COLLATE "C",
        acknowledged_by  text
      );
      CREATE INDEX alerts_by_fired ON alerts (fired_at, id);
      CREATE INDEX alerts_open ON alerts (acknowledged_at, rule);
      CREATE TABLE capability_uses (
        agent       text COLLATE "C" NOT NULL,
        capability  text COLLATE "C" NOT NULL,
        first_at    text NOT NULL,
        PRIMARY KEY (agent, capability)
      );
    `,
  },
  {
    version: 8,
    description: 'console operators and their sessions (SQLite version 17)',
    sql: `
      CREATE TABLE operators (
        name              text COLLATE "C" PRIMARY KEY,
        role              text NOT NULL CHECK (role IN ('viewer', 'approver', 'admin')),
        password_hash     text NOT NULL,
        totp_secret       bytea,
        totp_last_step    bigint,
        failed_count      integer NOT NULL DEFAULT 0,
        locked_until      text COLLATE "C",
        did               text,
        created_at        text COLLATE "C" NOT NULL,
        disabled_at       text COLLATE "C"
      );
      CREATE TABLE operator_sessions (
        id            text COLLATE "C" PRIMARY KEY,
        operator      text COLLATE "C" NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
        csrf_token    text NOT NULL,
        created_at    text COLLATE "C" NOT NULL,
        last_seen_at  text COLLATE "C" NOT NULL,
        expires_at    text COLLATE "C" NOT NULL
      );
      CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator);
      CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at);
    `,
  },
  {
    version: 9,
    description: 'the human approval inbox: actions of this node\'s agents a verifier answered approval_required, waiting for a decision (SQLite version 18)',
    sql: `
      CREATE TABLE approval_requests (
        id           text COLLATE "C" PRIMARY KEY,
        agent        text COLLATE "C" NOT NULL,
        peer         text NOT NULL,
        request      text NOT NULL,
        action_hash  text NOT NULL,
        attribution  text NOT NULL,
        accepts      text NOT NULL,
        status       text COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'used')),
        created_at   text COLLATE "C" NOT NULL,
        expires_at   text COLLATE "C" NOT NULL,
        decided_by   text,
        operator     text,
        decided_at   text,
        approval     text,
        approver_credential text,
        reason       text
      );
      CREATE INDEX approval_requests_by_agent ON approval_requests (agent, status);
      CREATE INDEX approval_requests_by_created ON approval_requests (created_at, id);
    `,
  },
  {
    version: 10,
    description: 'pending changes waiting for a second operator (SQLite version 19)',
    sql: `
      CREATE TABLE pending_changes (
        id            text COLLATE "C" PRIMARY KEY,
        kind          text NOT NULL CHECK (kind IN ('revoke', 'suspend', 'reinstate', 'retire')),
        target        text NOT NULL,
        reason        text,
        requested_by  text NOT NULL,
        requested_at  text COLLATE "C" NOT NULL,
        expires_at    text COLLATE "C" NOT NULL,
        status        text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'expired')),
        decided_by    text,
        decided_at    text COLLATE "C"
      );
      CREATE INDEX pending_changes_by_status ON pending_changes (status, requested_at);
      CREATE INDEX pending_changes_by_time ON pending_changes (requested_at);
    `,
  },
  {
    version: 11,
    description: 'audit entries kept packed, session tokens of signed actions stored once (SQLite version 20)',
    sql: `
      ALTER TABLE audit_entries ADD COLUMN packed bytea;
      ALTER TABLE audit_entries ADD COLUMN attachment text COLLATE "C";
      CREATE TABLE audit_attachments (
        hash  text COLLATE "C" PRIMARY KEY,
        data  bytea NOT NULL
      );
    `,
  },
  {
    version: 12,
    description: 'audit bodies kept light until a checkpoint covers them, then sealed in deflated blocks (SQLite version 21)',
    sql: `
      CREATE TABLE audit_light (
        chain  text COLLATE "C" NOT NULL,
        seq    bigint NOT NULL,
        body   bytea NOT NULL,
        PRIMARY KEY (chain, seq)
      );
      CREATE TABLE audit_blocks (
        chain      text COLLATE "C" NOT NULL,
        last_seq   bigint NOT NULL,
        first_seq  bigint NOT NULL CHECK (first_seq >= 1 AND first_seq <= last_seq),
        data       bytea NOT NULL,
        PRIMARY KEY (chain, last_seq)
      );
    `,
  },
  {
    version: 13,
    description: 'agents notify legate_change too: a node keeps its own DID documents (agents and keys) per change stamp',
    sql: `
      CREATE TRIGGER legate_agents_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agents
        FOR EACH STATEMENT EXECUTE FUNCTION legate_notify_change();
    `,
  },
  {
    version: 14,
    description: 'status lists hand out their indexes through a cursor over a seeded random order (SQLite version 22)',
    // Lists made before keep their allocations and their count as a cursor
    // without a seed, and take no more. The order makes an index unique, so
    // the (list_id, idx) constraint goes.
    sql: `
      CREATE TABLE status_list_cursors (
        list_id   text NOT NULL PRIMARY KEY,
        seed      bytea CHECK (seed IS NULL OR length(seed) = 32),
        taken     integer NOT NULL CHECK (taken >= 0),
        capacity  integer NOT NULL CHECK (capacity >= taken)
      );
      INSERT INTO status_list_cursors (list_id, seed, taken, capacity)
        SELECT l.id, NULL, n, n FROM (SELECT l.id, (SELECT COUNT(*) FROM status_allocations a WHERE a.list_id = l.id) AS n FROM status_lists l) l;
      ALTER TABLE status_allocations DROP CONSTRAINT status_allocations_list_id_idx_key;
    `,
  },
  {
    version: 15,
    description: "a peer session keeps its agent's confirm until the session's first action carries it (SQLite version 23)",
    sql: `ALTER TABLE peer_sessions ADD COLUMN confirm text;`,
  },
];
