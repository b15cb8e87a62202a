// Audit retention (node/audit-prune): export, verify and save the log up to a signed checkpoint, then prune behind it.
// The pruned log still verifies (from that checkpoint), the bundle verifies offline, and every refusal deletes nothing.
import { hash } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { readAuditBundle } from '../../src/audit/bundle.js';
import { verifyAuditBundle } from '../../src/audit/bundle-verify.js';
import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { hashAuditEntry } from '../../src/audit/entry.js';
import { auditLogOf } from '../../src/audit/log.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { exportAuditBundle } from '../../src/node/audit-export.js';
import { pruneAudit } from '../../src/node/audit-prune.js';
import { ALICE, appendSamples, auditNode, editEntry, OWNER, sampleFields, tamper, type AuditNode } from './helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const session = (n: number) => `${b64({ alg: 'EdDSA' })}.${b64({ iss: 'did:web:acme.example:agents:teller', n, note: 'x'.repeat(300) })}.${'s'.repeat(86)}`;
/** An action entry whose signed action carries session token `n` (stored once, as an attachment). */
const action = (n: number, i: number) =>
  appendAudit(an.node, { type: 'action', decision: 'allow', action: 'call', resource: 'billing:refund', agent: ALICE, owner: OWNER, signedAction: `${b64({ alg: 'EdDSA' })}.${b64({ jti: `urn:uuid:${n}-${i}`, session: session(n) })}.${'t'.repeat(86)}` });

let an: AuditNode;
let saved: string[];
const save = (text: string) => Promise.resolve(void saved.push(text));
const verify = () => verifyAudit({ store: an.node.store, resolver: an.node.resolver });
/** Rows of `table`, read from the file as it is (not through `tamper`, which makes packed rows plain). */
const count = (table: string) => {
  const db = an.raw();
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

beforeEach(async () => {
  an = await auditNode();
  saved = [];
  await appendSamples(an.node, 4);
  for (let i = 0; i < 3; i++) await action(1, i);
  await checkpointAudit(an.node); // at 7
  await appendSamples(an.node, 2);
  await action(2, 0);
  await checkpointAudit(an.node); // at 10
});
afterEach(() => an.close());

describe('pruneAudit', () => {
  it('saves a bundle that verifies offline, deletes the entries before the checkpoint, and the log still verifies', async () => {
    const result = await pruneAudit(an.node, { throughCheckpoint: 7, save });
    expect(result).toMatchObject({ throughCheckpoint: 7, entries: 6, exported: 7 });
    expect(saved).toHaveLength(1);
    expect(result.bundleSha256).toBe(hash('sha256', saved[0]!, 'hex'));
    expect(await verifyAuditBundle(readAuditBundle(saved[0]!))).toMatchObject({ ok: true, entries: 7 });
    // Entry 7 (the head the checkpoint signs) stays, and so does the session token it names.
    const seqs = (await an.node.store.listAuditEntries()).map((e) => e.seq);
    expect(seqs[0]).toBe(7);
    expect(count('audit_attachments')).toBe(2);
    const after = await verify();
    expect(after).toMatchObject({ ok: true, lastCheckpoint: { seq: 10 } });
    // The log records where its beginning went.
    const last = (await an.node.store.listAuditEntries()).at(-1)!;
    expect(JSON.parse(last.entry)).toMatchObject({ type: 'retention', details: { through: 7, entries: 6, exported: 7, bundle: result.bundleSha256 } });
    // Appending and checkpointing go on; a later prune exports from where this one stopped.
    await appendSamples(an.node, 1);
    await checkpointAudit(an.node);
    const next = await pruneAudit(an.node, { throughCheckpoint: 10, save });
    expect(readAuditBundle(saved[1]!)).toMatchObject({ fromCheckpoint: 7 });
    expect(next.entries).toBe(3);
    expect(await verify()).toMatchObject({ ok: true });
    // The first session token went with the last entry naming it.
    expect(count('audit_attachments')).toBe(1);
  });

  it('starts export and verification at the checkpoint it pruned behind, and refuses an earlier start', async () => {
    await pruneAudit(an.node, { throughCheckpoint: 7, save });
    expect(await exportAuditBundle(an.node)).toMatchObject({ fromCheckpoint: 7 });
    await expect(verifyAudit({ store: an.node.store, resolver: an.node.resolver, fromCheckpoint: 1 })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'from', reason: 'pruned' });
    await expect(exportAuditBundle(an.node, { fromCheckpoint: 1 })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', reason: 'pruned' });
    await expect(exportAuditBundle(an.node, { toCheckpoint: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'to' });
  });

  it('refuses a bad, unknown or already pruned checkpoint, deleting nothing', async () => {
    for (const through of [0, -1, 1.5, Number.NaN]) {
      await expect(pruneAudit(an.node, { throughCheckpoint: through, save })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'through' });
    }
    await expect(pruneAudit(an.node, { throughCheckpoint: 8, save })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'through' });
    await expect(pruneAudit(an.node, { throughCheckpoint: 7, save: 'file.json' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'save' });
    // A bundle past its bound is refused before anything is saved.
    await expect(pruneAudit(an.node, { throughCheckpoint: 7, save, maxBytes: 1000 })).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', claim: 'bundle' });
    expect(saved).toEqual([]);
    expect(count('audit_entries')).toBe(10);
    await pruneAudit(an.node, { throughCheckpoint: 10, save });
    await expect(pruneAudit(an.node, { throughCheckpoint: 7, save })).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'already_pruned' });
    await expect(pruneAudit(an.node, { throughCheckpoint: 10, save })).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'already_pruned' });
  });

  it('does not prune a log that does not verify up to the checkpoint, nor when the bundle cannot be saved', async () => {
    tamper(an, (db) => editEntry(db, 3, (e) => (e.decision = 'deny')));
    await expect(pruneAudit(an.node, { throughCheckpoint: 7, save })).rejects.toMatchObject({ code: 'ERR_AUDIT_TAMPERED', reason: 'not_verified' });
    expect(saved).toEqual([]);
    expect(count('audit_entries')).toBe(10);

    const fresh = await auditNode();
    try {
      await appendSamples(fresh.node, 3);
      await checkpointAudit(fresh.node);
      const full = new Error('disk full');
      await expect(pruneAudit(fresh.node, { throughCheckpoint: 3, save: () => Promise.reject(full) })).rejects.toBe(full);
      expect((await fresh.node.store.listAuditEntries()).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(await verifyAudit({ store: fresh.node.store, resolver: fresh.node.resolver })).toMatchObject({ ok: true, entries: 3 });
    } finally {
      await fresh.close();
    }
  });
});

describe('a chain closed and left out of later checkpoints (a fleet process gone)', () => {
  const GONE = 'urn:uuid:00000000-0000-4000-8000-00000000000d';
  const gone = () => ({ ...auditLogOf(an.node, { entries: 1000 }), chain: GONE });
  beforeEach(async () => {
    await appendAudit(gone(), sampleFields(1));
    await appendAudit(gone(), { type: 'chain-close' });
    await checkpointAudit(an.node); // at 13 (seq counts every chain's entries): signs GONE closed at its seq 3
    await appendSamples(an.node, 1);
    await checkpointAudit(an.node); // at 14: GONE left out
  });

  it('is in the bundle as far as it was signed, and the bundle verifies', async () => {
    const bundle = await exportAuditBundle(an.node, { toCheckpoint: 14 });
    expect(bundle.entries.filter((e) => e.chain === GONE).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await verifyAuditBundle(readAuditBundle(JSON.stringify(bundle)))).toMatchObject({ ok: true });
    // An entry slipped in after its close is signed by no checkpoint: the bundle says so.
    const close = bundle.entries.find((e) => e.chain === GONE && e.seq === 3)!;
    const forged = { ...sampleFields(4), chainId: GONE, seq: 4, at: close.at, prevHash: close.hash } as AuditEntry;
    const { text, hash: forgedHash } = hashAuditEntry(forged);
    bundle.entries.push({ chain: GONE, seq: 4, at: close.at, entry: text, hash: forgedHash, prevHash: close.hash });
    expect((await verifyAuditBundle(readAuditBundle(JSON.stringify(bundle)))).firstBad).toMatchObject({ chain: GONE, seq: 4, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('is pruned whole behind a checkpoint that no longer lists it, and the log still verifies', async () => {
    const result = await pruneAudit(an.node, { throughCheckpoint: 14, save });
    expect(await verifyAuditBundle(readAuditBundle(saved[0]!))).toMatchObject({ ok: true });
    expect((await an.node.store.listAuditEntries({ chain: GONE })).length).toBe(0);
    // The store's chain keeps its head (its entry 11); GONE's three entries went with the ten before it.
    expect(result.entries).toBe(13);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('is kept, from its close, behind a checkpoint that still lists it', async () => {
    await pruneAudit(an.node, { throughCheckpoint: 13, save });
    expect((await an.node.store.listAuditEntries({ chain: GONE })).map((e) => e.seq)).toEqual([3]);
    expect(await verify()).toMatchObject({ ok: true });
  });
});
