// acme's log about alice -> helper (did:key) and bob: JSON Lines export and who-did-what trails.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sha256Hex } from '../../src/audit/entry.js';
import { auditTrail, exportAudit, exportAuditLines, readAudit } from '../../src/audit/read.js';
import { canonicalJson } from '../../src/lib/canonical-json.js';
import { ALICE, appendSamples, auditNode, BOB, editEntry, HELPER, OWNER, tamper, type AuditNode } from './helpers.js';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
  await appendSamples(an.node, 4); // 10:00:00
  an.advance(3_600_000);
  await appendSamples(an.node, 4); // 11:00:00
});
afterEach(() => an.close());

describe('exportAudit', () => {
  it('writes one canonical JSON object per line, each with the hash its other members hash to', async () => {
    const text = await exportAudit(an.node.store);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    for (const [i, line] of lines.entries()) {
      const { hash, ...entry } = JSON.parse(line) as { hash: string; seq: number };
      expect(entry.seq).toBe(i + 1);
      expect(canonicalJson({ ...entry, hash })).toBe(line);
      expect(sha256Hex(canonicalJson(entry))).toBe(hash);
    }
  });

  it('filters by time and by agent (as agent, owner, or anywhere in the chain)', async () => {
    const seqs = async (query: Parameters<typeof exportAudit>[1]) =>
      (await exportAudit(an.node.store, query)).trimEnd().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(await seqs({ since: '2026-03-02T10:30:00Z' })).toEqual([5, 6, 7, 8]);
    expect(await seqs({ since: new Date('2026-03-02T11:00:00Z') })).toEqual([5, 6, 7, 8]);
    expect(await seqs({ since: '2026-03-03T00:00:00Z' })).toEqual([]);
    // Samples: i % 4 = 0 action by helper for alice, 1 issuance to alice, 2 handshake by bob, 3 revocation for alice.
    expect(await seqs({ agent: HELPER })).toEqual([4, 8]);
    expect(await seqs({ agent: ALICE })).toEqual([1, 3, 4, 5, 7, 8]);
    expect(await seqs({ agent: BOB, since: '2026-03-02T10:30:00Z' })).toEqual([6]);
    expect(await seqs({ agent: OWNER, limit: 2 })).toEqual([1, 3]);
    await expect(exportAudit(an.node.store, { since: 'yesterday' })).rejects.toThrow(TypeError);
  });

  it('streams lines', async () => {
    const lines: string[] = [];
    for await (const line of exportAuditLines(an.node.store, { agent: BOB })) lines.push(line);
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['handshake', 'handshake']);
  });

  it('stops with ERR_AUDIT_TAMPERED at an entry that is not well-formed', async () => {
    tamper(an, (db) => db.prepare("UPDATE audit_entries SET entry = '{' WHERE seq = 3").run());
    await expect(exportAudit(an.node.store)).rejects.toMatchObject({ code: 'ERR_AUDIT_TAMPERED' });
  });
});

describe('auditTrail', () => {
  it('follows a did:key sub-agent out to its human owner', async () => {
    const trail = await auditTrail(an.node.store, HELPER);
    expect(trail).toHaveLength(2);
    expect(trail[0]).toMatchObject({ seq: 4, type: 'action', action: 'call', resource: 'billing:refund', agent: HELPER, chain: [HELPER, ALICE, OWNER] });
    expect(trail[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(trail[1]).toMatchObject({ seq: 8, decision: 'deny', reasons: ['ERR_REVOKED'] });
  });

  it('shows edited content as stored (verification is verifyAudit’s job) and finds nothing for a stranger', async () => {
    tamper(an, (db) => editEntry(db, 1, (e) => (e.agent = BOB)));
    expect((await auditTrail(an.node.store, BOB)).map((e) => e.seq)).toEqual([1, 2, 6]);
    expect(await auditTrail(an.node.store, 'did:web:elsewhere.example')).toEqual([]);
    await expect(auditTrail(an.node.store, '')).rejects.toThrow(TypeError);
    let count = 0;
    for await (const _ of readAudit(an.node.store, { limit: 3 })) count++;
    expect(count).toBe(3);
  });
});
