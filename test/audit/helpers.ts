/**
 * @module test/audit/helpers
 *
 * A real node for audit tests: `initNode` + `openNode` in a fresh temp
 * directory (so checkpoints are signed by a real organization key and
 * verified through the node's own resolver), a clock the test moves, sample
 * entries with attribution chains, and raw access to the SQLite file for
 * tampering behind the store's back, as an attacker with disk access would.
 *
 *   acme (did:web:acme.example)
 *     └─ alice (did:web:acme.example:agents:alice, owner carol)
 *          └─ helper (did:key sub-agent)
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { appendAudit } from '../../src/audit/append.js';
import { hashAuditEntry } from '../../src/audit/entry.js';
import { GENESIS_HASH, type AuditEntry, type AuditFields } from '../../src/audit/types.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { openBlock } from '../../src/store/sql/audit-blocks.js';
import { isLight, unpackAuditEntry } from '../../src/store/sql/audit-pack.js';
import { NOW } from '../fixtures.js';

export const OWNER = 'mailto:carol@acme.example';
export const ALICE = 'did:web:acme.example:agents:alice';
export const HELPER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
export const BOB = 'did:web:acme.example:agents:bob';

export interface AuditNode {
  node: NodeContext;
  dataDir: string;
  dbPath: string;
  /** Moves the node's clock forward. */
  advance(ms: number): void;
  /** Opens the database file directly (the caller closes it). */
  raw(): Database.Database;
  close(): Promise<void>;
}

/** A fresh, initialized node for acme with a movable clock. */
export async function auditNode(): Promise<AuditNode> {
  let now = NOW.getTime();
  const clock = () => new Date(now);
  const root = mkdtempSync(join(tmpdir(), 'legate-audit-'));
  const dataDir = join(root, 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock });
  const node = await openNode({ dataDir, clock });
  const dbPath = join(dataDir, 'legate.db');
  return {
    node,
    dataDir,
    dbPath,
    advance: (ms) => (now += ms),
    raw: () => {
      const db = new Database(dbPath, { timeout: 5000 });
      db.pragma('busy_timeout = 5000');
      return db;
    },
    close: async () => {
      await node.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The i-th sample decision (1-based): a mix of types, decisions and chains. */
export function sampleFields(i: number): AuditFields {
  switch (i % 4) {
    case 0:
      return {
        type: 'action',
        decision: i % 8 === 0 ? 'deny' : 'allow',
        action: 'call',
        resource: 'billing:refund',
        agent: HELPER,
        owner: OWNER,
        chain: [HELPER, ALICE, OWNER],
        session: `urn:uuid:session-${i}`,
        credentials: [`urn:uuid:cred-${i}`],
        ...(i % 8 === 0 ? { reasons: ['ERR_REVOKED'] } : {}),
        signedAction: `eyJhbGciOiJFZERTQSJ9.eyJuIjo${i}fQ.c2ln`,
        details: { amount: { value: i, currency: 'USD' } },
      };
    case 1:
      return { type: 'issuance', decision: 'allow', action: 'issue', resource: `urn:uuid:cred-${i}`, agent: ALICE, owner: OWNER, chain: [ALICE, OWNER] };
    case 2:
      return { type: 'handshake', decision: 'allow', agent: BOB, owner: 'mailto:dave@acme.example', chain: [BOB, 'mailto:dave@acme.example'], session: `urn:uuid:session-${i}` };
    default:
      return { type: 'revocation', resource: `urn:uuid:cred-${i - 2}`, agent: ALICE, owner: OWNER, chain: [ALICE, OWNER], details: { purpose: 'revocation' } };
  }
}

/** Appends `count` sample entries one after another (numbered from the current last + 1). */
export async function appendSamples(target: Parameters<typeof appendAudit>[0], count: number): Promise<void> {
  const start = ((await target.store.listAuditChains())[0]?.seq ?? 0) + 1;
  for (let i = start; i < start + count; i++) await appendAudit(target, sampleFields(i));
}

/**
 * Rewrites every packed audit row (store/sql/audit-pack) as plain text, the
 * other form a row may take, so a test can edit entries with SQL text
 * functions. Verification sees the same entries either way; an attacker may
 * write either form (test/audit/packed.test.ts tampers packed rows).
 */
export function plainRows(db: Database.Database): void {
  const rows = db
    .prepare<[], { chain: string; seq: number; at: string; prev_hash: string; packed: Buffer; attachment: string | null; data: Buffer | null; light: Buffer | null }>(
      `SELECT e.chain, e.seq, e.at, e.prev_hash, e.packed, e.attachment, a.data, l.body AS light FROM audit_entries e
       LEFT JOIN audit_attachments a ON a.hash = e.attachment LEFT JOIN audit_light l ON l.chain = e.chain AND l.seq = e.seq WHERE e.packed IS NOT NULL`,
    )
    .all();
  // A sealed body's block: the first of its chain ending at or after it (store/sql/audit-block-store).
  const blockOf = db.prepare<[string, number], { data: Buffer; first_seq: number }>('SELECT data, first_seq FROM audit_blocks WHERE chain = ? AND last_seq >= ? ORDER BY last_seq LIMIT 1');
  const plain = db.prepare('UPDATE audit_entries SET entry = ?, packed = NULL, attachment = NULL WHERE chain = ? AND seq = ?');
  for (const row of rows) {
    const attachment = row.attachment === null ? undefined : row.data;
    const block = isLight(row.packed) && row.light === null ? blockOf.get(row.chain, row.seq) : undefined;
    const body = row.light ?? (block === undefined ? undefined : openBlock(block.data, block.first_seq).get(row.seq));
    plain.run(unpackAuditEntry(row.packed, { chain: row.chain, at: row.at, prevHash: row.prev_hash }, attachment, body), row.chain, row.seq);
  }
  db.prepare('DELETE FROM audit_light').run();
  db.prepare('DELETE FROM audit_blocks').run();
}

/** Runs `fn` on the raw database file (its audit rows made plain, {@link plainRows}) and closes it. */
export function tamper<T>(an: AuditNode, fn: (db: Database.Database) => T): T {
  const db = an.raw();
  try {
    plainRows(db);
    return fn(db);
  } finally {
    db.close();
  }
}

interface Row {
  chain: string;
  seq: number;
  at: string;
  entry: string;
  hash: string;
  prev_hash: string;
}

export function rowAt(db: Database.Database, seq: number): Row {
  const row = db.prepare<[number], Row>('SELECT chain, seq, at, entry, hash, prev_hash FROM audit_entries WHERE seq = ?').get(seq);
  if (row === undefined) throw new Error(`no row ${seq}`);
  return row;
}

/** Rewrites one entry's JSON text (leaving its recorded hash as it was). */
export function editEntry(db: Database.Database, seq: number, edit: (entry: Record<string, unknown>) => void): void {
  const entry = JSON.parse(rowAt(db, seq).entry) as Record<string, unknown>;
  edit(entry);
  db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(JSON.stringify(entry), seq);
}

/** Inserts a row of the store's own chain, as a forger with the file would. */
export const insertRow = "INSERT INTO audit_entries (chain, seq, at, entry, hash, prev_hash) VALUES ((SELECT value FROM settings WHERE name = 'audit.chain-id'), @seq, @at, @entry, @hash, @prev_hash)";

/**
 * Rewrites the log from `from` on as a capable forger would: `mutate` edits, drops or adds entries,
 * then every entry from `from` is renumbered and re-hashed so the chain links perfectly again.
 */
export function rechain(db: ReturnType<AuditNode['raw']>, from: number, mutate: (entries: AuditEntry[]) => AuditEntry[]): void {
  const rows = db.prepare<[number], { entry: string }>('SELECT entry FROM audit_entries WHERE seq >= ? ORDER BY seq').all(from);
  const entries = mutate(rows.map((r) => JSON.parse(r.entry) as AuditEntry));
  db.prepare('DELETE FROM audit_entries WHERE seq >= ?').run(from);
  let prevHash = from === 1 ? GENESIS_HASH : rowAt(db, from - 1).hash;
  entries.forEach((e, i) => {
    const entry = { ...e, seq: from + i, prevHash };
    const { text, hash } = hashAuditEntry(entry);
    db.prepare(insertRow).run({ seq: entry.seq, at: entry.at, entry: text, hash, prev_hash: prevHash });
    prevHash = hash;
  });
}
