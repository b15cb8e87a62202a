/**
 * @module store/sqlite/migrations-scale
 *
 * The SQLite migrations of performance at fleet scale (#19): audit entries
 * packed (20), audit bodies kept light then sealed in blocks (21), status
 * lists handing out their indexes through a cursor over a seeded order (22),
 * and a peer session's confirm kept for its first action (23).
 * Kept apart so the main list stays readable; `MIGRATIONS` takes them in
 * order. Internal.
 */

import type { Migration } from './migrations.js';

export const SCALE_MIGRATIONS: readonly Migration[] = [
  {
    version: 20,
    description: 'audit entries kept packed, session tokens of signed actions stored once (#19)',
    // An action's entry was ~2.5 KB, most of it the session token its signed
    // action embeds (base64url twice over), the same token for every action
    // of the session. New rows hold a packing (store/sql/audit-pack) in
    // `packed` with `entry` empty, naming their token in `attachment`; rows
    // written before keep their text and are read as they are. The table
    // is rebuilt WITHOUT ROWID, its rows now small: the (chain, seq) key is
    // the table itself instead of an index beside it, one B-tree written per
    // append instead of two (about 100 bytes an action less).
    sql: `
      CREATE TABLE audit_entries_packed (
        chain       TEXT NOT NULL,
        seq         INTEGER NOT NULL CHECK (seq >= 1),
        at          TEXT NOT NULL,
        entry       TEXT NOT NULL,
        hash        TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        packed      BLOB,
        attachment  TEXT,
        PRIMARY KEY (chain, seq)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO audit_entries_packed (chain, seq, at, entry, hash, prev_hash)
        SELECT chain, seq, at, entry, hash, prev_hash FROM audit_entries;
      DROP TABLE audit_entries;
      ALTER TABLE audit_entries_packed RENAME TO audit_entries;
      CREATE INDEX audit_entries_by_at ON audit_entries (at, chain, seq);
      CREATE TABLE audit_attachments (
        hash  TEXT NOT NULL PRIMARY KEY,
        data  BLOB NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 21,
    description: 'audit bodies kept light until a checkpoint covers them, then sealed in deflated blocks (#15, #19)',
    // Deflating each entry as it was appended cost 60–150 µs an append,
    // most of it setting up a zlib stream. An append now writes its row
    // with a one-byte packing and the body, not deflated, in audit_light;
    // once a checkpoint covers them, up to 128 bodies of a chain are
    // deflated together into one block here and their light rows deleted
    // (store/sql/audit-blocks). Rows are never rewritten: shrinking rows
    // in place left pages two-thirds empty. audit_blocks is a rowid table:
    // its rows are kilobytes, too large for WITHOUT ROWID.
    sql: `
      CREATE TABLE audit_light (
        chain  TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        body   BLOB NOT NULL,
        PRIMARY KEY (chain, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE audit_blocks (
        chain      TEXT NOT NULL,
        last_seq   INTEGER NOT NULL,
        first_seq  INTEGER NOT NULL CHECK (first_seq >= 1 AND first_seq <= last_seq),
        data       BLOB NOT NULL,
        PRIMARY KEY (chain, last_seq)
      ) STRICT;
    `,
  },
  {
    version: 22,
    description: 'status lists hand out their indexes through a cursor over a seeded random order (#19)',
    // An allocation drew random indexes until the (list_id, idx) index said
    // one was free, then wrote that index: two probes and a page at a random
    // place of the index for every entry, about a sixth of a single
    // issuance's commit. A new list now keeps a seed and a cursor here
    // (positions taken, and its capacity: the rollover; status/index-order):
    // the n-th allocation gets position n of the seed's permutation, unique
    // by construction, so allocations are keyed by credential alone. Lists
    // made before keep their allocations and their count as a cursor
    // without a seed, full, and take no more: the next issuance opens a new
    // list.
    sql: `
      CREATE TABLE status_list_cursors (
        list_id   TEXT NOT NULL PRIMARY KEY,
        seed      BLOB CHECK (seed IS NULL OR length(seed) = 32),
        taken     INTEGER NOT NULL CHECK (taken >= 0),
        capacity  INTEGER NOT NULL CHECK (capacity >= taken)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO status_list_cursors (list_id, seed, taken, capacity)
        SELECT l.id, NULL, n, n FROM (SELECT l.id, (SELECT COUNT(*) FROM status_allocations a WHERE a.list_id = l.id) AS n FROM status_lists l) l;
      CREATE TABLE status_allocations_keyed (
        credential_id  TEXT NOT NULL,
        purpose        TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
        list_id        TEXT NOT NULL,
        idx            INTEGER NOT NULL CHECK (idx >= 0),
        PRIMARY KEY (credential_id, purpose)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO status_allocations_keyed (credential_id, purpose, list_id, idx)
        SELECT credential_id, purpose, list_id, idx FROM status_allocations;
      DROP TABLE status_allocations;
      ALTER TABLE status_allocations_keyed RENAME TO status_allocations;
    `,
  },
  {
    version: 23,
    description: "a peer session keeps its agent's confirm until the session's first action carries it (#19)",
    sql: `ALTER TABLE peer_sessions ADD COLUMN confirm TEXT;`,
  },
];
