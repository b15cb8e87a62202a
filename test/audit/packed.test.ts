// Packed audit rows (store/sql/audit-pack) under attack: whoever edits the packed bytes, the shared session token
// they name, or deletes that token, verifyAudit names the first entry affected; an intact packed log verifies.
// Entries' bodies are kept light (audit_light) until a checkpoint covers them, then sealed into a deflated block
// (store/sql/audit-blocks), all but the chain's head's: a block's byte changed or the block deleted is found at its
// first entry, a light body changed or deleted at its entry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { ALICE, auditNode, OWNER, type AuditNode } from './helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const SIG = 'c2ln'.repeat(21);
const SESSION = `${b64({ alg: 'EdDSA', typ: 'session+jwt' })}.${b64({ iss: 'did:web:acme.example:agents:teller', sub: OWNER, capabilities: [{ action: 'call', resource: 'billing:refund' }] })}.${SIG}`;

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
  for (let i = 1; i <= 6; i++) {
    await appendAudit(an.node, {
      type: 'action',
      decision: 'allow',
      action: 'call',
      resource: 'billing:refund',
      agent: ALICE,
      owner: OWNER,
      chain: [ALICE, OWNER],
      signedAction: `${b64({ alg: 'EdDSA', typ: 'action+jwt' })}.${b64({ iss: ALICE, jti: `urn:uuid:${i}`, session: SESSION, action: 'call' })}.${SIG}`,
    });
  }
  await checkpointAudit(an.node);
});
afterEach(() => an.close());

const verify = () => verifyAudit({ store: an.node.store, resolver: an.node.resolver });
const raw = <T>(fn: (db: ReturnType<AuditNode['raw']>) => T): T => {
  const db = an.raw();
  try {
    return fn(db);
  } finally {
    db.close();
  }
};

describe('packed audit rows', () => {
  it('are stored packed, the six actions sharing one stored session token, and verify', async () => {
    const rows = raw((db) => db.prepare<[], { entry: string; packed: Buffer | null }>('SELECT entry, packed FROM audit_entries ORDER BY seq').all());
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.entry === '' && row.packed !== null && row.packed.length < 600)).toBe(true);
    expect(raw((db) => db.prepare('SELECT COUNT(*) AS n FROM audit_attachments').get())).toEqual({ n: 1 });
    expect(await verify()).toMatchObject({ ok: true, entries: 6 });
  });

  it('a byte of a packed row changed is ERR_AUDIT_TAMPERED at that seq', async () => {
    raw((db) => {
      const { packed } = db.prepare<[], { packed: Buffer }>('SELECT packed FROM audit_entries WHERE seq = 4').get()!;
      // A signed action's packing read as a plain one.
      packed[0]! ^= 0x03;
      db.prepare('UPDATE audit_entries SET packed = ? WHERE seq = 4').run(packed);
    });
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 4, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('the shared session token rewritten, or deleted, is found at the first entry naming it', async () => {
    const { packAttachment } = await import('../../src/store/sql/audit-pack.js');
    const forged = SESSION.replace(SIG, 'Zm9yZ2Vk'.repeat(11));
    raw((db) => db.prepare('UPDATE audit_attachments SET data = ?').run(packAttachment(forged)));
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 1, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
    raw((db) => db.prepare('DELETE FROM audit_attachments').run());
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 1, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('a chain-close stays plain, and ends the chain for the next append', async () => {
    await appendAudit(an.node, { type: 'chain-close' });
    const last = raw((db) => db.prepare<[], { entry: string; packed: Buffer | null }>('SELECT entry, packed FROM audit_entries ORDER BY seq DESC LIMIT 1').get()!);
    expect(last.packed).toBeNull();
    expect(JSON.parse(last.entry)).toMatchObject({ type: 'chain-close' });
    await expect(appendAudit(an.node, { type: 'agent', agent: ALICE })).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'chain_closed' });
  });

  it('are sealed into one block once a checkpoint covers them, all but the head, and still verify', async () => {
    const rows = raw((db) => db.prepare<[], { seq: number; packed: Buffer }>('SELECT seq, packed FROM audit_entries ORDER BY seq').all());
    // One byte each (the packing's kind), written once: the bodies live apart.
    expect(rows.map((row) => [row.seq, [...row.packed]])).toEqual([1, 2, 3, 4, 5, 6].map((seq) => [seq, [6]]));
    expect(raw((db) => db.prepare('SELECT chain IS NOT NULL AS chained, first_seq, last_seq FROM audit_blocks').all())).toEqual([{ chained: 1, first_seq: 1, last_seq: 5 }]);
    expect(raw((db) => db.prepare('SELECT seq FROM audit_light').all())).toEqual([{ seq: 6 }]);
    expect(await verify()).toMatchObject({ ok: true, entries: 6 });
    // The next checkpoint seals the old head.
    await appendAudit(an.node, { type: 'agent', agent: ALICE });
    await checkpointAudit(an.node);
    expect(raw((db) => db.prepare('SELECT first_seq, last_seq FROM audit_blocks ORDER BY last_seq').all())).toEqual([
      { first_seq: 1, last_seq: 5 },
      { first_seq: 6, last_seq: 6 },
    ]);
    expect(raw((db) => db.prepare('SELECT seq FROM audit_light').all())).toEqual([{ seq: 7 }]);
    expect(await verify()).toMatchObject({ ok: true, entries: 7 });
  });

  it('a sealed block changed or deleted is ERR_AUDIT_TAMPERED at its first entry; a light body changed or deleted, at its entry', async () => {
    const block = raw((db) => db.prepare<[], { data: Buffer }>('SELECT data FROM audit_blocks').get()!.data);
    const flipped = Buffer.from(block);
    flipped[flipped.length >> 1]! ^= 0x20;
    raw((db) => db.prepare('UPDATE audit_blocks SET data = ?').run(flipped));
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 1, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
    raw((db) => db.prepare('DELETE FROM audit_blocks').run());
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 1, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
    raw((db) => db.prepare('INSERT INTO audit_blocks (chain, last_seq, first_seq, data) SELECT chain, 5, 1, ? FROM audit_entries LIMIT 1').run(block));
    expect(await verify()).toMatchObject({ ok: true });
    // The head's body, still light.
    raw((db) => db.prepare("UPDATE audit_light SET body = CAST(replace(CAST(body AS TEXT), 'billing', 'bullion') AS BLOB)").run());
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 6, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
    raw((db) => db.prepare('DELETE FROM audit_light').run());
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 6, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });
});
