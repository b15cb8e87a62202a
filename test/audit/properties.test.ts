// Invariant: any single edit of any entry (a member changed, added or removed) breaks verification at that entry's seq.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { canonicalJson } from '../../src/lib/canonical-json.js';
import { appendSamples, auditNode, plainRows, rowAt, type AuditNode } from './helpers.js';

const ENTRIES = 12;
let an: AuditNode;
let db: ReturnType<AuditNode['raw']>;

beforeAll(async () => {
  an = await auditNode();
  await appendSamples(an.node, ENTRIES - 2);
  await checkpointAudit(an.node);
  await appendSamples(an.node, 2);
  db = an.raw();
  plainRows(db);
});
afterAll(async () => {
  db.close();
  await an.close();
});

/** A member name: mostly the entry's own, sometimes a new one. */
const memberName = fc.oneof(
  fc.constantFrom('seq', 'at', 'type', 'decision', 'action', 'resource', 'agent', 'owner', 'chain', 'session', 'credentials', 'reasons', 'signedAction', 'details', 'prevHash'),
  fc.string({ minLength: 1, maxLength: 8 }),
);

const edit = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), name: memberName, value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('delete' as const), name: memberName, value: fc.constant(null) }),
);

describe('audit chain properties', () => {
  it('any single edit of an entry is found at exactly that seq', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: ENTRIES }), edit, async (seq, change) => {
        const original = rowAt(db, seq).entry;
        const entry = JSON.parse(original) as Record<string, unknown>;
        if (change.kind === 'set') entry[change.name] = change.value;
        else delete entry[change.name];
        const text = JSON.stringify(entry);
        // Only real changes: the same content in other clothes is the same entry.
        let same = false;
        try {
          same = canonicalJson(JSON.parse(text)) === original;
        } catch {
          same = false;
        }
        fc.pre(!same);
        db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(text, seq);
        try {
          const result = await verifyAudit({ store: an.node.store, resolver: an.node.resolver });
          expect(result.ok).toBe(false);
          expect(result.firstBad).toMatchObject({ seq, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' });
        } finally {
          db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(original, seq);
        }
      }),
      { numRuns: 150 },
    );
    expect((await verifyAudit({ store: an.node.store, resolver: an.node.resolver })).ok).toBe(true);
  });

  it('deleting any one entry but the unsealed last is found at exactly that seq', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: ENTRIES }), async (seq) => {
        const row = rowAt(db, seq);
        db.prepare('DELETE FROM audit_entries WHERE seq = ?').run(seq);
        try {
          const result = await verifyAudit({ store: an.node.store, resolver: an.node.resolver });
          // Dropping the very last entry leaves no gap and no checkpoint covers it (the last is at ENTRIES - 2):
          // the limit of what a hash chain with checkpoints can prove.
          if (seq === ENTRIES) expect(result).toMatchObject({ ok: true, lastSeq: ENTRIES - 1 });
          else expect(result.firstBad).toMatchObject({ seq, reason: 'removed' });
        } finally {
          db.prepare('INSERT INTO audit_entries (chain, seq, at, entry, hash, prev_hash) VALUES (@chain, @seq, @at, @entry, @hash, @prev_hash)').run(row);
        }
      }),
      { numRuns: 40 },
    );
  });
});
