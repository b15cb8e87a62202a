/**
 * @module store/sqlite/migrations-console
 *
 * The SQLite migrations of the console (#18): alerts and first uses (16),
 * operators and their sessions (17), the approval inbox (18), changes
 * waiting for a second operator (19). Kept apart so the main list stays
 * readable; `MIGRATIONS` takes them in order. Internal.
 */

import type { Migration } from './migrations.js';

export const CONSOLE_MIGRATIONS: readonly Migration[] = [
  {
    version: 16,
    description: 'alerts fired over the decision stream (one per dedupe key), and the capabilities each agent has used (first-use alerts)',
    sql: `
      CREATE TABLE alerts (
        id               TEXT PRIMARY KEY,
        rule             TEXT NOT NULL,
        severity         TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        subject          TEXT NOT NULL,
        message          TEXT NOT NULL,
        details          TEXT NOT NULL,
        dedupe_key       TEXT NOT NULL UNIQUE,
        fired_at         TEXT NOT NULL,
        acknowledged_at  TEXT,
        acknowledged_by  TEXT
      ) STRICT;
      CREATE INDEX alerts_by_fired ON alerts (fired_at, id);
      CREATE INDEX alerts_open ON alerts (acknowledged_at, rule);
      CREATE TABLE capability_uses (
        agent       TEXT NOT NULL,
        capability  TEXT NOT NULL,
        first_at    TEXT NOT NULL,
        PRIMARY KEY (agent, capability)
      ) STRICT;
    `,
  },
  {
    version: 17,
    description: 'console operators (scrypt password hashes, sealed TOTP secrets, lockout) and their sessions, kept by token hash so every instance of a fleet knows them',
    sql: `
      CREATE TABLE operators (
        name              TEXT PRIMARY KEY,
        role              TEXT NOT NULL CHECK (role IN ('viewer', 'approver', 'admin')),
        password_hash     TEXT NOT NULL,
        totp_secret       BLOB,
        totp_last_step    INTEGER,
        failed_count      INTEGER NOT NULL DEFAULT 0,
        locked_until      TEXT,
        did               TEXT,
        created_at        TEXT NOT NULL,
        disabled_at       TEXT
      ) STRICT;
      CREATE TABLE operator_sessions (
        id            TEXT PRIMARY KEY,
        operator      TEXT NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
        csrf_token    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        last_seen_at  TEXT NOT NULL,
        expires_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator);
      CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at);
    `,
  },
  {
    version: 18,
    description: 'the human approval inbox: actions of this node\'s agents a verifier answered approval_required, waiting for a decision',
    sql: `
      CREATE TABLE approval_requests (
        id           TEXT PRIMARY KEY,
        agent        TEXT NOT NULL,
        peer         TEXT NOT NULL,
        request      TEXT NOT NULL,
        action_hash  TEXT NOT NULL,
        attribution  TEXT NOT NULL,
        accepts      TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'used')),
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        decided_by   TEXT,
        operator     TEXT,
        decided_at   TEXT,
        approval     TEXT,
        approver_credential TEXT,
        reason       TEXT
      ) STRICT;
      CREATE INDEX approval_requests_by_agent ON approval_requests (agent, status);
      CREATE INDEX approval_requests_by_created ON approval_requests (created_at, id);
    `,
  },
  {
    version: 19,
    description: 'pending changes: revocations, suspensions, reinstatements and retirements waiting for a second operator (#18)',
    sql: `
      CREATE TABLE pending_changes (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('revoke', 'suspend', 'reinstate', 'retire')),
        target        TEXT NOT NULL,
        reason        TEXT,
        requested_by  TEXT NOT NULL,
        requested_at  TEXT NOT NULL,
        expires_at    TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'expired')),
        decided_by    TEXT,
        decided_at    TEXT
      ) STRICT;
      CREATE INDEX pending_changes_by_status ON pending_changes (status, requested_at);
      CREATE INDEX pending_changes_by_time ON pending_changes (requested_at);
    `,
  },
];
