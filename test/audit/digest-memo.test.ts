// What an append remembers for the next checkpoint (AuditMemo.digests): the one-pass hash and digest equal the
// two-pass ones; a checkpoint signs remembered entries without reading them back, and reads and checks the rest.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { entryDigest, hashAuditEntry, hashAuditEntryWithDigest } from '../../src/audit/entry.js';
import { GENESIS_HASH, type AuditEntry } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { canonicalMembers } from '../../src/lib/canonical-json.js';
import { runAuditCheckpointJob } from '../../src/node/audit-jobs.js';
import { NOW } from '../fixtures.js';
import { auditNode, editEntry, sampleFields, tamper, type AuditNode } from './helpers.js';

describe('hashAuditEntryWithDigest', () => {
  it('gives hashAuditEntry’s text and hash and entryDigest’s digest (property)', () => {
    const member = fc.constantFrom('action', 'agent', 'details', 'reasons', 'resource', 'signedAction', 'session', 'zzz', 'Seq', 'prevHash2');
    fc.assert(
      fc.property(fc.dictionary(member, fc.jsonValue({ maxDepth: 2 })), fc.nat(), fc.integer({ min: 1, max: 1e9 }), (extra, n, seq) => {
        const entry = { ...extra, type: 'action', seq, at: NOW.toISOString(), prevHash: n % 2 === 0 ? GENESIS_HASH : 'ab'.repeat(32) } as unknown as AuditEntry;
        const once = hashAuditEntryWithDigest(entry);
        expect(once).toEqual({ ...hashAuditEntry(entry), digest: entryDigest(entry) });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what canonical JSON refuses', () => {
    expect(() => canonicalMembers([] as unknown as Record<string, unknown>)).toThrow(TypeError);
    expect(() => hashAuditEntryWithDigest({ type: 'agent', seq: 1, at: 'x', prevHash: GENESIS_HASH, details: { n: Number.NaN } })).toThrow(TypeError);
  });
});

describe('a checkpoint and what the log remembers', () => {
  let an: AuditNode;
  beforeEach(async () => {
    an = await auditNode();
  });
  afterEach(() => an.close());
  const record = (i: number) => an.node.services.audit.record(sampleFields(i));

  it('signs an entry it wrote from memory: one changed since is found by verification at that seq', async () => {
    for (let i = 1; i <= 5; i++) await record(i);
    expect(an.node.services.audit.memo?.digests?.size).toBe(5);
    tamper(an, (db) => editEntry(db, 3, (e) => (e.decision = 'deny')));
    // The job passes the node's memory on (node/audit-jobs); a checkpoint is due after five minutes.
    an.advance(6 * 60_000);
    const { checkpoint } = await runAuditCheckpointJob(an.node, { holder: 'test' });
    expect(checkpoint?.seq).toBe(5);
    expect(await verifyAudit({ store: an.node.store, resolver: an.node.resolver })).toMatchObject({ ok: false, firstBad: { seq: 3, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('reads back what it does not remember, and refuses to sign an entry that does not match its hash', async () => {
    for (let i = 1; i <= 5; i++) await record(i);
    tamper(an, (db) => editEntry(db, 3, (e) => (e.decision = 'deny')));
    // checkpointAudit(node) is a log of its own, remembering nothing.
    await expect(checkpointAudit(an.node)).rejects.toMatchObject({ code: 'ERR_AUDIT_TAMPERED', claim: 'seq', reason: 'changed' });
    expect(await an.node.store.listAuditCheckpoints()).toEqual([]);
  });

  it('signs remembered entries from their seqs and hashes alone, and reads the stretch back when a stored hash is not the one it wrote', async () => {
    for (let i = 1; i <= 5; i++) await record(i);
    // Every scope of the store (the job's transaction too) shares its methods' prototype.
    const scopes = Object.getPrototypeOf(an.node.store) as { listAuditEntries: (...a: unknown[]) => unknown; listAuditHashes: (...a: unknown[]) => unknown };
    const texts = vi.spyOn(scopes, 'listAuditEntries');
    const hashes = vi.spyOn(scopes, 'listAuditHashes');
    an.advance(6 * 60_000);
    expect((await runAuditCheckpointJob(an.node, { holder: 'test' })).checkpoint?.seq).toBe(5);
    expect(hashes).toHaveBeenCalledWith(expect.any(String), 1, 5);
    // No stretch of entries read back (only the listing of chain heads, which names no seq range).
    expect(texts.mock.calls.filter(([query]) => (query as { fromSeq?: number } | undefined)?.fromSeq !== undefined)).toEqual([]);
    expect(await verifyAudit({ store: an.node.store, resolver: an.node.resolver })).toMatchObject({ ok: true });

    for (let i = 6; i <= 8; i++) await record(i);
    // Entry 7's stored hash replaced: it is not what this log remembers writing, so the stretch is read and refused.
    tamper(an, (db) => db.prepare('UPDATE audit_entries SET hash = ? WHERE seq = 7').run('ab'.repeat(32)));
    an.advance(6 * 60_000);
    await expect(runAuditCheckpointJob(an.node, { holder: 'test' })).rejects.toMatchObject({ code: 'ERR_AUDIT_TAMPERED', claim: 'seq', reason: 'changed' });
    expect(texts.mock.calls.some(([query]) => (query as { fromSeq?: number } | undefined)?.fromSeq === 6)).toBe(true);
    expect((await an.node.store.listAuditCheckpoints()).map((c) => c.seq)).toEqual([5]);
  });
});
