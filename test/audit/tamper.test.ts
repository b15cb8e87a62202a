// An attacker with write access to acme's SQLite file (but not acme's key) edits the audit log
// behind the store's back; verifyAudit must name the first bad seq and why. mallory forges checkpoints.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit, signAuditCheckpoint, verifyAuditCheckpoint } from '../../src/audit/checkpoint.js';
import { entryDigest, hashAuditEntry } from '../../src/audit/entry.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { organizationSigner } from '../../src/node/signers.js';
import { acme, mallory } from '../fixtures.js';
import { appendSamples, auditNode, editEntry, HELPER, insertRow, rechain, rowAt, sampleFields, tamper, type AuditNode } from './helpers.js';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
  await appendSamples(an.node, 10);
});
afterEach(() => an.close());

const verify = (fromCheckpoint?: number) =>
  verifyAudit({ store: an.node.store, resolver: an.node.resolver, ...(fromCheckpoint === undefined ? {} : { fromCheckpoint }) });

/** Checkpoints the log when it ends at `seq` (entries after it are appended later). */
async function checkpointAt(seq: number): Promise<void> {
  const last = (await an.node.store.listAuditChains())[0]?.seq ?? 0;
  if (last > seq) throw new Error('checkpointAt must run before later entries are appended');
  await appendSamples(an.node, seq - last);
  await checkpointAudit(an.node);
}

/** A well-formed entry that links to `prevHash`, as a capable forger (without the key) would write it. */
function forged(seq: number, prevHash: string, at = '2026-03-02T10:00:00.000Z'): { seq: number; at: string; entry: string; hash: string; prev_hash: string } {
  const entry: AuditEntry = { seq, at, type: 'action', decision: 'allow', action: 'call', resource: 'billing:refund', agent: HELPER, prevHash };
  const { text, hash } = hashAuditEntry(entry);
  return { seq, at, entry: text, hash, prev_hash: prevHash };
}

/** Renumbers entries from `from` on by `by` (descending or ascending, so the primary key never collides). */
function shift(db: ReturnType<AuditNode['raw']>, from: number, by: number): void {
  const seqs = db.prepare<[number], { seq: number }>('SELECT seq FROM audit_entries WHERE seq >= ? ORDER BY seq').all(from).map((r) => r.seq);
  for (const seq of by > 0 ? seqs.reverse() : seqs) db.prepare('UPDATE audit_entries SET seq = ? WHERE seq = ?').run(seq + by, seq);
}

/** Replaces every checkpoint row with one holding `token`, covering the last entry as the forger left it. */
function plantCheckpoint(db: ReturnType<AuditNode['raw']>, token: string, seq: number): void {
  db.exec('DELETE FROM audit_checkpoints');
  db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, token) VALUES (?, ?, ?, ?)').run(seq, rowAt(db, seq).hash, '2026-03-02T10:00:00.000Z', token);
}

describe('verifyAudit on an untouched log', () => {
  it('is ok, with entries, last seq and checkpoints', async () => {
    await checkpointAudit(an.node);
    expect(await verify()).toMatchObject({ ok: true, entries: 10, lastSeq: 10, checkpoints: 1, lastCheckpoint: { seq: 10 } });
  });

  it('is ok when empty', async () => {
    tamper(an, (db) => db.exec('DELETE FROM audit_entries'));
    expect(await verify()).toEqual({ ok: true, chains: [], entries: 0, lastSeq: 0, checkpoints: 0 });
  });
});

describe('verifyAudit finds the first bad seq', () => {
  it('changed: a field edited in an entry’s JSON', async () => {
    tamper(an, (db) => editEntry(db, 4, (e) => (e.decision = 'deny')));
    tamper(an, (db) => editEntry(db, 7, (e) => (e.resource = 'billing:everything')));
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 10, firstBad: { seq: 4, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('changed: an entry that is no longer JSON, or a recorded time that disagrees with it', async () => {
    tamper(an, (db) => db.prepare("UPDATE audit_entries SET entry = 'garbage' WHERE seq = 9").run());
    expect((await verify()).firstBad).toMatchObject({ seq: 9, reason: 'changed' });
    tamper(an, (db) => db.prepare("UPDATE audit_entries SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 3").run());
    expect((await verify()).firstBad).toMatchObject({ seq: 3, reason: 'changed' });
  });

  it('removed: a row deleted', async () => {
    tamper(an, (db) => db.prepare('DELETE FROM audit_entries WHERE seq = 6').run());
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 6, reason: 'removed' } });
  });

  it('removed: the first row deleted, or a row deleted and the rest renumbered', async () => {
    tamper(an, (db) => {
      db.prepare('DELETE FROM audit_entries WHERE seq = 6').run();
      shift(db, 7, -1);
    });
    expect((await verify()).firstBad).toMatchObject({ seq: 6, reason: 'removed' });
    tamper(an, (db) => db.prepare('DELETE FROM audit_entries WHERE seq = 1').run());
    expect((await verify()).firstBad).toMatchObject({ seq: 1, reason: 'removed' });
  });

  it('inserted: a well-formed forged row slipped in between (later rows renumbered)', async () => {
    tamper(an, (db) => {
      shift(db, 5, 1);
      db.prepare(insertRow).run(forged(5, rowAt(db, 4).hash));
    });
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 11, firstBad: { seq: 5, reason: 'inserted' } });
  });

  it('inserted: a forged row appended at the end that does not link', async () => {
    tamper(an, (db) => db.prepare(insertRow).run(forged(11, 'f'.repeat(64))));
    expect((await verify()).firstBad).toMatchObject({ seq: 11, reason: 'inserted' });
  });

  it('reordered: two whole rows’ contents swapped', async () => {
    tamper(an, (db) => {
      const [a, b] = [rowAt(db, 3), rowAt(db, 7)];
      const swap = db.prepare('UPDATE audit_entries SET at = @at, entry = @entry, hash = @hash, prev_hash = @prev_hash WHERE seq = @seq');
      swap.run({ ...b, seq: 3 });
      swap.run({ ...a, seq: 7 });
    });
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 3, reason: 'reordered' } });
  });

  it('reordered: only the entry texts of two rows swapped', async () => {
    tamper(an, (db) => {
      const [a, b] = [rowAt(db, 2), rowAt(db, 5)];
      db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(b.entry, 2);
      db.prepare('UPDATE audit_entries SET entry = ? WHERE seq = ?').run(a.entry, 5);
    });
    expect((await verify()).firstBad).toMatchObject({ seq: 2, reason: 'reordered' });
  });

  it('changed: an entry rewritten with a fresh hash, found through a later checkpoint', async () => {
    await appendSamples(an.node, 2);
    await checkpointAudit(an.node);
    tamper(an, (db) => {
      const row = rowAt(db, 4);
      const entry = { ...(JSON.parse(row.entry) as AuditEntry), decision: 'allow' as const, reasons: [] };
      const { text, hash } = hashAuditEntry(entry);
      db.prepare('UPDATE audit_entries SET entry = ?, hash = ? WHERE seq = 4').run(text, hash);
    });
    expect((await verify()).firstBad).toMatchObject({ seq: 4, reason: 'changed' });
  });

  it('without a later checkpoint, a rewritten entry shows as a broken link to the next one', async () => {
    tamper(an, (db) => {
      const row = rowAt(db, 4);
      const { text, hash } = hashAuditEntry({ ...(JSON.parse(row.entry) as AuditEntry), resource: 'x' });
      db.prepare('UPDATE audit_entries SET entry = ?, hash = ? WHERE seq = 4').run(text, hash);
    });
    expect((await verify()).firstBad).toMatchObject({ seq: 5, reason: 'inserted' });
  });
});

describe('a rewritten chain is named at its first changed, removed or inserted entry', () => {
  // Before #13: each of these came out as `truncated` at 1 (or after the last matching checkpoint).
  const rewritten = (e: AuditEntry): AuditEntry => ({ ...e, decision: 'allow', reasons: ['ERR_NONE'] });

  it('changed: entry 5 rewritten and every later hash recomputed', async () => {
    await checkpointAudit(an.node); // at 10
    tamper(an, (db) => rechain(db, 5, ([five, ...rest]) => [rewritten(five!), ...rest]));
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 10, firstBad: { seq: 5, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('changed: found between two checkpoints, the earlier one still matching', async () => {
    tamper(an, (db) => db.exec('DELETE FROM audit_entries WHERE seq > 3'));
    await checkpointAudit(an.node); // at 3
    await checkpointAt(10);
    tamper(an, (db) => rechain(db, 7, ([seven, ...rest]) => [rewritten(seven!), ...rest]));
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 7, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' }, lastCheckpoint: { seq: 3 } });
  });

  it('changed: only entry 5’s text and hash rewritten, so entry 6 no longer links', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => {
      const { text, hash } = hashAuditEntry(rewritten(JSON.parse(rowAt(db, 5).entry) as AuditEntry));
      db.prepare('UPDATE audit_entries SET entry = ?, hash = ? WHERE seq = 5').run(text, hash);
    });
    expect((await verify()).firstBad).toMatchObject({ seq: 5, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('removed: entry 5 dropped, the rest renumbered and re-hashed', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => rechain(db, 5, ([, ...rest]) => rest));
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 9, firstBad: { seq: 5, reason: 'removed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('inserted: a forged entry put at 5, the rest renumbered and re-hashed', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => rechain(db, 5, (rest) => [{ ...rest[0]!, at: '2026-03-02T10:00:00.500Z', resource: 'billing:everything' }, ...rest]));
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 11, firstBad: { seq: 5, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('reordered: entries 5 and 6 swapped and re-hashed', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => rechain(db, 5, ([five, six, ...rest]) => [six!, five!, ...rest]));
    expect((await verify()).firstBad).toMatchObject({ seq: 5, reason: 'reordered', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('a chain problem after the first rewritten entry does not hide it', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => {
      rechain(db, 3, ([three, ...rest]) => [rewritten(three!), ...rest]);
      editEntry(db, 8, (e) => (e.decision = 'deny'));
    });
    expect((await verify()).firstBad).toMatchObject({ seq: 3, reason: 'changed' });
  });
});

describe('planted checkpoints', () => {
  // The forger rewrites entry 5 onwards, removes acme's checkpoint, and plants one that signs the new last hash.
  const rewriteAndPlant = async (sign: (hash: string) => Promise<string>) => {
    await checkpointAudit(an.node);
    tamper(an, (db) => rechain(db, 5, ([five, ...rest]) => [{ ...five!, decision: 'allow' }, ...rest]));
    const hash = tamper(an, (db) => rowAt(db, 10).hash);
    const token = await sign(hash);
    tamper(an, (db) => plantCheckpoint(db, token, 10));
  };

  it('another organization’s validly signed checkpoint is ERR_AUDIT_TAMPERED, without resolving its DID', async () => {
    await rewriteAndPlant((hash) => signAuditCheckpoint({ iss: mallory.did, seq: 10, hash, at: '2026-03-02T10:00:00.000Z' }, mallory.signer));
    const resolved: string[] = [];
    const resolver = { resolve: (did: string) => (resolved.push(did), an.node.resolver.resolve(did)) };
    const result = await verifyAudit({ store: an.node.store, resolver });
    expect(result).toMatchObject({ ok: false, checkpoints: 0, firstBad: { seq: 10, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' } });
    expect(result.firstBad?.message).toContain(mallory.did);
    expect(resolved).not.toContain(mallory.did);
  });

  it('the organization’s own key, signing for another log, is ERR_AUDIT_TAMPERED', async () => {
    // As a checkpoint from another of acme's logs (a second install, a restored copy) would be.
    const signer = await organizationSigner(an.node);
    const claims = (hash: string) => ({ iss: an.node.organization.did, seq: 10, hash, at: '2026-03-02T10:00:00.000Z', log: 'urn:uuid:00000000-0000-4000-8000-000000000000' });
    await rewriteAndPlant((hash) => signAuditCheckpoint(claims(hash), signer));
    expect(await verify()).toMatchObject({ ok: false, checkpoints: 0, firstBad: { seq: 10, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('with the log id setting deleted, a checkpoint for another log than the earlier ones is still ERR_AUDIT_TAMPERED', async () => {
    tamper(an, (db) => db.exec('DELETE FROM audit_entries WHERE seq > 5'));
    await checkpointAudit(an.node); // at 5, naming this log
    await appendSamples(an.node, 5);
    const signer = await organizationSigner(an.node);
    const hash = tamper(an, (db) => rowAt(db, 10).hash);
    const other = await signAuditCheckpoint({ iss: an.node.organization.did, seq: 10, hash, at: '2026-03-02T10:00:00.000Z', log: 'urn:uuid:00000000-0000-4000-8000-000000000000' }, signer);
    tamper(an, (db) => {
      db.prepare("DELETE FROM settings WHERE name = 'audit.log-id'").run();
      db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, token) VALUES (?, ?, ?, ?)').run(10, hash, '2026-03-02T10:00:00.000Z', other);
    });
    expect(await verify()).toMatchObject({ ok: false, checkpoints: 1, firstBad: { seq: 10, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('a genuine checkpoint of this log verifies; one from before log ids and digests still does', async () => {
    await checkpointAudit(an.node);
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 1 });
    const signer = await organizationSigner(an.node);
    const legacy = await signAuditCheckpoint({ iss: an.node.organization.did, seq: 10, hash: tamper(an, (db) => rowAt(db, 10).hash), at: '2026-03-02T10:00:00.000Z' }, signer);
    tamper(an, (db) => plantCheckpoint(db, legacy, 10));
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 1, lastCheckpoint: { seq: 10 } });
  });

  it('checkpoints signed by a key rotated out since still verify', async () => {
    await checkpointAudit(an.node); // by key-1
    const did = an.node.organization.did;
    await an.node.keys.generate(() => ({ kid: `${did}#key-2`, controller: did }));
    await an.node.store.setKeyStatus(`${did}#key-1`, 'retired');
    await appendSamples(an.node, 3);
    const { checkpoint } = await checkpointAudit(an.node);
    expect(checkpoint?.token.split('.')[0]).toBe(Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: `${did}#key-2`, typ: 'audit-checkpoint+jwt' })).toString('base64url'));
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 2, lastCheckpoint: { seq: 13 } });
  });

  it('digests that do not fit the checkpoint are ERR_MALFORMED', async () => {
    const signer = await organizationSigner(an.node);
    const hash = tamper(an, (db) => rowAt(db, 10).hash);
    const base = { iss: an.node.organization.did, seq: 10, hash, at: '2026-03-02T10:00:00.000Z' };
    await expect(signAuditCheckpoint({ ...base, from: 8, digests: '0'.repeat(16 * 4) }, signer)).rejects.toThrow(RangeError);
    const digest = entryDigest(JSON.parse(tamper(an, (db) => rowAt(db, 10).entry)) as AuditEntry);
    for (const payload of [{ ...base, from: 8, digests: digest.repeat(4) }, { ...base, digests: digest }, { ...base, from: 10, digests: 'XYZ' }]) {
      const token = await signCompactJws(payload, signer, { typ: 'audit-checkpoint+jwt' });
      const result = await verifyAuditCheckpoint(token, { resolver: an.node.resolver, issuer: an.node.organization.did });
      expect(result.valid ? undefined : result.error.code).toBe('ERR_MALFORMED');
    }
  });
});

describe('truncation behind a checkpoint', () => {
  it('truncated: the tail behind the last checkpoint deleted', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => db.prepare('DELETE FROM audit_entries WHERE seq >= 8').run());
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 7, firstBad: { seq: 8, reason: 'truncated' } });
  });

  it('changed: the log cut back and re-extended past a checkpoint, named at the first entry the checkpoint signed differently', async () => {
    tamper(an, (db) => db.exec('DELETE FROM audit_entries WHERE seq > 3'));
    await checkpointAudit(an.node); // at 3
    await checkpointAt(6);
    tamper(an, (db) => db.exec('DELETE FROM audit_entries WHERE seq > 4'));
    an.advance(1000);
    await appendSamples(an.node, 5); // 5..9, different from the 5..6 the checkpoint at 6 signed
    expect(await verify()).toMatchObject({ ok: false, lastSeq: 9, firstBad: { seq: 5, reason: 'changed' }, lastCheckpoint: { seq: 3 } });
  });

  it('an attacker can extend the log after the last checkpoint: the limit of what checkpoints prove', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => db.prepare(insertRow).run(forged(11, rowAt(db, 10).hash)));
    expect(await verify()).toMatchObject({ ok: true, lastSeq: 11, lastCheckpoint: { seq: 10 } });
  });
});

describe('checkpoints that do not verify', () => {
  const putCheckpoint = (token: string, seq: number, hash: string) =>
    tamper(an, (db) =>
      db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, token) VALUES (?, ?, ?, ?)').run(seq, hash, '2026-03-02T10:00:00.000Z', token),
    );

  it('bad-checkpoint: signed by mallory’s own key', async () => {
    const hash = (await an.node.store.listAuditChains())[0]?.hash ?? '';
    const claims = { iss: an.node.organization.did, seq: 10, hash, at: '2026-03-02T10:00:00.000Z' };
    putCheckpoint(await signCompactJws(claims, mallory.signer, { typ: 'audit-checkpoint+jwt' }), 10, hash);
    expect(await verify()).toMatchObject({ ok: false, checkpoints: 0, firstBad: { seq: 10, reason: 'bad-checkpoint', code: 'ERR_KID_INVALID' } });
  });

  it('bad-checkpoint: mallory’s key claiming acme’s kid', async () => {
    const hash = (await an.node.store.listAuditChains())[0]?.hash ?? '';
    const claims = { iss: an.node.organization.did, seq: 10, hash, at: '2026-03-02T10:00:00.000Z' };
    const impostor = { ...mallory.signer, kid: acme.signer.kid };
    putCheckpoint(await signCompactJws(claims, impostor, { typ: 'audit-checkpoint+jwt' }), 10, hash);
    expect((await verify()).firstBad).toMatchObject({ seq: 10, reason: 'bad-checkpoint', code: 'ERR_SIGNATURE_INVALID' });
  });

  it('bad-checkpoint: a genuine checkpoint whose row no longer matches its token', async () => {
    await checkpointAudit(an.node);
    tamper(an, (db) => db.prepare("UPDATE audit_checkpoints SET hash = ? WHERE seq = 10").run('0'.repeat(64)));
    expect((await verify()).firstBad).toMatchObject({ seq: 10, reason: 'bad-checkpoint' });
  });

  it('bad-checkpoint alongside a changed entry: the earlier seq is named', async () => {
    const hash = (await an.node.store.listAuditChains())[0]?.hash ?? '';
    putCheckpoint(await signCompactJws({ iss: an.node.organization.did, seq: 10, hash, at: 'x' }, mallory.signer, { typ: 'audit-checkpoint+jwt' }), 10, hash);
    tamper(an, (db) => editEntry(db, 2, (e) => (e.agent = 'did:web:evil.example')));
    expect((await verify()).firstBad).toMatchObject({ seq: 2, reason: 'changed' });
  });
});

describe('verifyAudit --from a checkpoint', () => {
  it('starts at the checkpoint, trusting what it signs, and checks everything after', async () => {
    await checkpointAudit(an.node); // at 10
    await appendSamples(an.node, 5);
    tamper(an, (db) => editEntry(db, 2, (e) => (e.agent = 'did:web:evil.example')));
    expect((await verify()).firstBad).toMatchObject({ seq: 2 });
    expect(await verify(10)).toMatchObject({ ok: true, entries: 6, lastSeq: 15, checkpoints: 1 });
    tamper(an, (db) => editEntry(db, 12, (e) => (e.decision = 'deny')));
    expect((await verify(10)).firstBad).toMatchObject({ seq: 12, reason: 'changed' });
  });

  it('finds the anchor entry itself changed, and refuses an unknown checkpoint', async () => {
    await checkpointAudit(an.node);
    await appendAudit(an.node, sampleFields(11));
    tamper(an, (db) => editEntry(db, 10, (e) => (e.owner = 'mailto:mallory@evil.example')));
    expect((await verify(10)).firstBad).toMatchObject({ seq: 10, reason: 'changed' });
    await expect(verify(7)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
