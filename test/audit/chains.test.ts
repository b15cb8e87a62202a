/**
 * One hash chain per writer (#16 item 3): each log appends to its own chain,
 * checkpoints sign every chain's head and link to the checkpoint before,
 * verification checks each chain and names the one with the bad entry, a
 * chain closed by `chain-close` takes nothing after, and a data directory
 * from before chains (schema 9, one chain, checkpoints without heads)
 * migrates and still verifies.
 */

import { createHash } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit, MAX_CHECKPOINT_CHAINS, signAuditCheckpoint } from '../../src/audit/checkpoint.js';
import { headsHash } from '../../src/audit/heads.js';
import { entryDigest, hashAuditEntry } from '../../src/audit/entry.js';
import { auditLogOf } from '../../src/audit/log.js';
import { exportAudit, readAudit } from '../../src/audit/read.js';
import { GENESIS_HASH, type AuditEntry, type AuditLog } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createNode } from '../../src/node/create.js';
import { openNode } from '../../src/node/open.js';
import { organizationSigner } from '../../src/node/signers.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { NOW } from '../fixtures.js';
import { auditNode, sampleFields, tamper, type AuditNode } from './helpers.js';

const A = 'urn:uuid:00000000-0000-4000-8000-00000000000a';
const B = 'urn:uuid:00000000-0000-4000-8000-00000000000b';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(async () => {
  await an.close();
});

const verify = () => verifyAudit({ store: an.node.store, resolver: an.node.resolver });
const logOf = (chain: string): AuditLog => ({ ...auditLogOf(an.node, { entries: 1000 }), chain });

/** Appends to A and B in turn, `n` entries each. */
async function interleave(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await appendAudit(logOf(A), sampleFields(i));
    await appendAudit(logOf(B), sampleFields(i + 100));
  }
}

describe('one chain per writer', () => {
  it('numbers and links each chain on its own; a checkpoint signs both heads and the next links to it', async () => {
    await interleave(2);
    const heads = await an.node.store.listAuditChains();
    // Each chain a log names opens with chain-open, then the two entries.
    expect(heads.map((h) => [h.chain, h.seq])).toEqual([[A, 3], [B, 3]]);
    expect((await an.node.store.listAuditEntries({ chain: A })).map((e) => (JSON.parse(e.entry) as AuditEntry).type)).toEqual(['chain-open', 'issuance', 'handshake']);
    const first = await appendAudit(logOf(A), sampleFields(4));
    expect(first.entry).toMatchObject({ chainId: A, seq: 4, prevHash: heads[0]?.hash });
    const one = (await checkpointAudit(logOf(A))).checkpoint;
    const claims = decodeCompactJws(one?.token ?? '').payload;
    expect(claims).toMatchObject({ seq: 7, chains: [{ id: A, seq: 4, state: 'open', from: 1 }, { id: B, seq: 3, state: 'open', from: 1 }] });
    expect(claims.prev).toBeUndefined();
    await appendAudit(logOf(B), sampleFields(5));
    const two = (await checkpointAudit(logOf(B))).checkpoint;
    const next = decodeCompactJws(two?.token ?? '').payload;
    expect(next).toMatchObject({ seq: 8, prev: createHash('sha256').update(one?.token ?? '').digest('hex') });
    // Only what is new carries digests: chain B's entry 4.
    expect(next.chains).toMatchObject([{ id: A, seq: 4 }, { id: B, seq: 4, from: 4 }]);
    expect((next.chains as { digests?: string }[])[0]?.digests).toBeUndefined();
    const result = await verify();
    expect(result).toMatchObject({ ok: true, entries: 8, lastSeq: 4, checkpoints: 2 });
    expect(result.chains).toMatchObject([{ id: A, ok: true, entries: 4, lastSeq: 4, lastCheckpoint: { seq: 4 } }, { id: B, ok: true, entries: 4, lastCheckpoint: { seq: 4 } }]);
  });

  it('reads every chain back ordered by time, then chain, then seq', async () => {
    await appendAudit(logOf(B), sampleFields(1));
    an.advance(1000);
    await appendAudit(logOf(A), sampleFields(2));
    await appendAudit(logOf(B), sampleFields(3));
    const entries = await an.node.store.listAuditEntries();
    expect(entries.map((e) => [e.chain, e.seq])).toEqual([[B, 1], [B, 2], [A, 1], [A, 2], [B, 3]]);
    // Exports and trails read across chains in that order; each line names its chain and still hashes to its hash.
    const lines = (await exportAudit(an.node.store)).trim().split('\n').map((line) => JSON.parse(line) as AuditEntry & { hash: string });
    expect(lines.map((l) => [l.chainId, l.seq])).toEqual([[B, 1], [B, 2], [A, 1], [A, 2], [B, 3]]);
    const { hash, ...entry } = lines[3]!;
    expect(hashAuditEntry(entry).hash).toBe(hash);
  });

  it('pages an export across chains', async () => {
    for (let i = 0; i < 260; i++) {
      await appendAudit(logOf(A), sampleFields(i + 1));
      await appendAudit(logOf(B), sampleFields(i + 1));
    }
    const seen: string[] = [];
    for await (const e of readAudit(an.node.store)) seen.push(`${e.chainId === A ? 'a' : 'b'}${e.seq}`);
    expect(seen).toHaveLength(522);
    expect(new Set(seen).size).toBe(522);
  });

  it('names the chain of a tampered entry, and the other chain stays ok', async () => {
    await interleave(4);
    await checkpointAudit(logOf(A));
    tamper(an, (db) => db.prepare("UPDATE audit_entries SET entry = replace(entry, 'acme', 'evil') WHERE chain = ? AND seq = 2").run(B));
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ chain: B, seq: 2, code: 'ERR_AUDIT_TAMPERED' });
    expect(result.chains.find((c) => c.id === A)).toMatchObject({ ok: true });
    expect(result.chains.find((c) => c.id === B)).toMatchObject({ ok: false, firstBad: { seq: 2 } });
  });

  it('finds an entry moved from one chain to another', async () => {
    await interleave(2);
    tamper(an, (db) => db.prepare('UPDATE audit_entries SET chain = ?, seq = 4 WHERE chain = ? AND seq = 2').run(A, B));
    const result = await verify();
    expect(result.firstBad).toMatchObject({ chain: A, seq: 4, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' });
    expect(result.firstBad?.message).toContain('another chain');
  });

  it('finds a checkpointed chain truncated, while the other chain is untouched', async () => {
    await interleave(5);
    await checkpointAudit(logOf(A));
    tamper(an, (db) => db.prepare('DELETE FROM audit_entries WHERE chain = ? AND seq > 2').run(A));
    expect((await verify()).firstBad).toMatchObject({ chain: A, seq: 3, reason: 'truncated', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('finds a chain deleted entirely behind a checkpoint', async () => {
    await interleave(2);
    await checkpointAudit(logOf(A));
    tamper(an, (db) => db.prepare('DELETE FROM audit_entries WHERE chain = ?').run(B));
    expect((await verify()).firstBad).toMatchObject({ chain: B, seq: 1, reason: 'truncated' });
  });

  it('finds a checkpoint removed from between two others (checkpoints link to the one before)', async () => {
    for (let i = 0; i < 3; i++) {
      await interleave(1);
      await checkpointAudit(logOf(A));
    }
    tamper(an, (db) => db.prepare('DELETE FROM audit_checkpoints WHERE seq = 4').run());
    expect((await verify()).firstBad).toMatchObject({ seq: 6, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('a closed chain refuses any later entry: on append, and in verification when one is slipped in', async () => {
    await interleave(2);
    const closed = await appendAudit(logOf(A), { type: 'chain-close' });
    await expect(appendAudit(logOf(A), sampleFields(9))).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'chain_closed' });
    await appendAudit(logOf(B), sampleFields(9));
    const { checkpoint } = await checkpointAudit(logOf(B));
    expect(decodeCompactJws(checkpoint?.token ?? '').payload.chains).toMatchObject([{ id: A, seq: 4, state: 'closed' }, { id: B, seq: 4, state: 'open' }]);
    expect(await verify()).toMatchObject({ ok: true, chains: [{ id: A, state: 'closed' }, { id: B, state: 'open' }] });
    // An attacker with the database appends a well-formed, linked entry after the close.
    const forged: AuditEntry = { type: 'action', decision: 'allow', chainId: A, seq: 5, at: NOW.toISOString(), prevHash: closed.hash };
    const { text, hash } = hashAuditEntry(forged);
    tamper(an, (db) =>
      db.prepare('INSERT INTO audit_entries (chain, seq, at, entry, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?)').run(A, 5, forged.at, text, hash, closed.hash),
    );
    expect((await verify()).firstBad).toMatchObject({ chain: A, seq: 5, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('node.close() closes an instance chain of its own (and only once)', async () => {
    const n = an.node;
    const instance = createNode({ dataDir: n.dataDir, organization: n.organization, store: n.store, keys: n.keys, sealing: n.sealing, clock: n.clock, resolver: n.resolver, http: n.http, auditChain: A });
    await instance.services.audit.record({ type: 'agent', agent: 'did:web:acme.example:agents:alice' });
    await instance.close();
    await instance.close();
    const entries = await n.store.listAuditEntries({ chain: A });
    expect(entries.map((e) => (JSON.parse(e.entry) as AuditEntry).type)).toEqual(['chain-open', 'agent', 'chain-close']);
    expect(await verify()).toMatchObject({ ok: true });
  });
});

describe('openNode: a chain per process, or the store\'s', () => {
  it('a process chain is fresh and closed by close(); the store chain (SQLite default, CLI commands) is kept and never closed', async () => {
    const instance = await openNode({ dataDir: an.dataDir, clock: an.node.clock, auditChain: 'process' });
    await instance.services.audit.record({ type: 'agent', agent: 'did:web:acme.example:agents:alice' });
    await instance.close();
    const plain = await openNode({ dataDir: an.dataDir, clock: an.node.clock });
    await plain.services.audit.record({ type: 'agent', agent: 'did:web:acme.example:agents:bob' });
    await plain.close();
    const own = (await an.node.store.getSetting('audit.chain-id')) ?? '';
    const heads = await an.node.store.listAuditChains();
    expect(heads).toHaveLength(2);
    const processChain = heads.find((h) => h.chain !== own);
    expect(processChain?.chain).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect((JSON.parse(processChain?.entry ?? '{}') as AuditEntry).type).toBe('chain-close');
    expect((JSON.parse(heads.find((h) => h.chain === own)?.entry ?? '{}') as AuditEntry).type).toBe('agent');
    expect(await verify()).toMatchObject({ ok: true, entries: 4 });
  });
});

describe('a data directory from before chains (schema 9)', () => {
  it('migrates: its entries become chain main, old checkpoints still verify, and the node goes on appending there', async () => {
    // Five entries and a checkpoint as Legate wrote them before chains: no chainId, a checkpoint over entry 4.
    const entries: { entry: AuditEntry; text: string; hash: string }[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= 5; seq++) {
      const entry = { ...sampleFields(seq), seq, at: new Date(NOW.getTime() + seq * 1000).toISOString(), prevHash } as AuditEntry;
      const { text, hash } = hashAuditEntry(entry);
      entries.push({ entry, text, hash });
      prevHash = hash;
    }
    const digests = entries.slice(0, 4).map((e) => entryDigest(e.entry)).join('');
    const at = NOW.toISOString();
    const token = await signAuditCheckpoint({ iss: an.node.organization.did, seq: 4, hash: entries[3]!.hash, at, from: 1, digests }, await organizationSigner(an.node));
    await an.node.close();
    tamper(an, (db) => {
      db.exec(`
        DROP TABLE audit_entries;
        CREATE TABLE audit_entries (seq INTEGER PRIMARY KEY CHECK (seq >= 1), at TEXT NOT NULL, entry TEXT NOT NULL, hash TEXT NOT NULL, prev_hash TEXT NOT NULL) STRICT;
        CREATE INDEX audit_entries_by_at ON audit_entries (at, seq);
        DELETE FROM settings WHERE name = 'audit.chain-id';
        DROP TABLE session_tokens;
        DROP TABLE status_subscriptions;
        DROP TABLE approvers;
        DROP TABLE trust_list;
        DROP TABLE alerts;
        DROP TABLE capability_uses;
        DROP TABLE operator_sessions;
        DROP TABLE operators;
        DROP TABLE approval_requests;
        DROP TABLE pending_changes;
        DROP TABLE audit_attachments;
        DROP TABLE audit_blocks;
        DROP TABLE audit_light;
        DROP TABLE status_list_cursors;
        ALTER TABLE keys DROP COLUMN retired_at;
        ALTER TABLE keys DROP COLUMN retired_reason;
        ALTER TABLE keys DROP COLUMN compromised_since;
        ALTER TABLE peer_sessions DROP COLUMN confirm;
        PRAGMA user_version = 9;
      `);
      const insert = db.prepare('INSERT INTO audit_entries (seq, at, entry, hash, prev_hash) VALUES (?, ?, ?, ?, ?)');
      for (const e of entries) insert.run(e.entry.seq, e.entry.at, e.text, e.hash, e.entry.prevHash);
      db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, token) VALUES (?, ?, ?, ?)').run(4, entries[3]!.hash, at, token);
    });
    const node = await openNode({ dataDir: an.dataDir, clock: an.node.clock });
    try {
      const check = () => verifyAudit({ store: node.store, resolver: node.resolver });
      expect(tamper(an, (db) => db.pragma('user_version', { simple: true }))).toBe(MIGRATIONS.length);
      expect(await check()).toMatchObject({ ok: true, entries: 5, checkpoints: 1, lastCheckpoint: { seq: 4 }, chains: [{ id: 'main', entries: 5 }] });
      const next = await appendAudit(node, sampleFields(6));
      expect(next.entry).toMatchObject({ chainId: 'main', seq: 6, prevHash: entries[4]!.hash });
      const { checkpoint } = await checkpointAudit(node);
      expect(decodeCompactJws(checkpoint?.token ?? '').payload).toMatchObject({ seq: 6, chains: [{ id: 'main', seq: 6, from: 5 }] });
      expect(await check()).toMatchObject({ ok: true, entries: 6, checkpoints: 2, lastCheckpoint: { seq: 6 } });
      tamper(an, (db) => db.prepare("UPDATE audit_entries SET entry = replace(entry, 'acme', 'evil') WHERE seq = 2").run());
      expect((await check()).firstBad).toMatchObject({ chain: 'main', seq: 2, code: 'ERR_AUDIT_TAMPERED' });
    } finally {
      await node.close();
    }
  });
});

describe('bounds', () => {
  it(`refuses to checkpoint more than MAX_CHECKPOINT_CHAINS chains (ERR_STORE, claim chains), and to sign a checkpoint listing them`, async () => {
    for (let i = 0; i <= MAX_CHECKPOINT_CHAINS; i++) await appendAudit({ store: an.node.store, chain: `urn:uuid:chain-${i}` }, sampleFields(1));
    await expect(checkpointAudit(logOf(A))).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'chains' });
    expect(await an.node.store.listAuditCheckpoints()).toEqual([]);

    const hash = 'a'.repeat(64);
    const chains = Array.from({ length: MAX_CHECKPOINT_CHAINS + 1 }, (_, i) => ({ id: `urn:uuid:chain-${i}`, seq: 1, hash, state: 'open' as const }));
    const signer = await organizationSigner(an.node);
    const claims = { iss: an.node.organization.did, seq: chains.length, hash: headsHash(chains), at: NOW.toISOString(), chains };
    await expect(signAuditCheckpoint(claims, signer)).rejects.toThrow(`chains must list 1 to ${MAX_CHECKPOINT_CHAINS} heads`);
  });
});
