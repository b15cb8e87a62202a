/**
 * A chain's life (#16 item 3): a chain an instance opens starts with
 * `chain-open` (noting the last checkpoint), a closed chain is signed closed
 * by one checkpoint and left out of the later ones (so the 1,000-chain bound
 * counts live chains), and verification refuses a chain without its open, a
 * removed close, an entry after a close, and a checkpoint leaving out a chain
 * no earlier checkpoint signed closed.
 */

import { createHash } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit, MAX_CHECKPOINT_CHAINS, signAuditCheckpoint } from '../../src/audit/checkpoint.js';
import { hashAuditEntry } from '../../src/audit/entry.js';
import { headsHash } from '../../src/audit/heads.js';
import { auditLogId } from '../../src/audit/log-id.js';
import { auditLogOf } from '../../src/audit/log.js';
import { GENESIS_HASH, type AuditEntry, type AuditLog } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { organizationSigner } from '../../src/node/signers.js';
import { NOW } from '../fixtures.js';
import { auditNode, sampleFields, tamper, type AuditNode } from './helpers.js';

const A = 'urn:uuid:00000000-0000-4000-8000-00000000000a';
const B = 'urn:uuid:00000000-0000-4000-8000-00000000000b';
const C = 'urn:uuid:00000000-0000-4000-8000-00000000000c';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(async () => {
  await an.close();
});

const verify = () => verifyAudit({ store: an.node.store, resolver: an.node.resolver });
const logOf = (chain: string): AuditLog => ({ ...auditLogOf(an.node, { entries: 1000 }), chain });
const typesOf = async (chain: string) => (await an.node.store.listAuditEntries({ chain })).map((e) => JSON.parse(e.entry) as AuditEntry);
const claimsOf = (token: string | undefined) => decodeCompactJws(token ?? '', 512 * 1024).payload as { seq: number; chains: { id: string; seq: number; state: string }[] };
const checkpoint = async (chain = B) => claimsOf((await checkpointAudit(logOf(chain))).checkpoint?.token);

describe('chain-open', () => {
  it('is entry 1 of a chain a log names, with its details and the last checkpoint; the store chain has none', async () => {
    await appendAudit({ ...logOf(A), opening: { started: NOW.toISOString() } }, sampleFields(1));
    await checkpoint(A);
    await appendAudit(logOf(B), sampleFields(2));
    const [openA] = await typesOf(A);
    expect(openA).toMatchObject({ type: 'chain-open', seq: 1, chainId: A, prevHash: GENESIS_HASH, details: { started: NOW.toISOString() } });
    expect(openA?.details?.afterCheckpoint).toBeUndefined();
    expect((await typesOf(B)).map((e) => [e.type, e.details?.afterCheckpoint])).toEqual([['chain-open', 2], ['handshake', undefined]]);
    // A chain-close repeats it, so a checkpoint writer reads it off the head.
    await appendAudit(logOf(B), { type: 'chain-close' });
    expect((await typesOf(B)).at(-1)).toMatchObject({ type: 'chain-close', details: { afterCheckpoint: 2 } });
    await appendAudit(an.node, sampleFields(3));
    const own = (await an.node.store.getSetting('audit.chain-id')) ?? '';
    expect((await typesOf(own)).map((e) => e.type)).toEqual(['revocation']);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('is never written by a caller (ERR_INVALID_ARGUMENT), and nothing is appended', async () => {
    await expect(appendAudit(logOf(A), { type: 'chain-open' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'type' });
    expect(await an.node.store.listAuditChains()).toEqual([]);
  });

  it('verify refuses a chain that does not start with it (removed) and one anywhere else (inserted)', async () => {
    // An attacker writes a whole, well-linked chain without chain-open.
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= 2; seq++) {
      const entry = { ...sampleFields(seq), chainId: C, seq, at: NOW.toISOString(), prevHash } as AuditEntry;
      const { text, hash } = hashAuditEntry(entry);
      await an.node.store.appendAuditEntry({ chain: C, seq, at: entry.at, entry: text, hash, prevHash });
      prevHash = hash;
    }
    expect((await verify()).firstBad).toMatchObject({ chain: C, seq: 1, reason: 'removed', code: 'ERR_AUDIT_TAMPERED' });
    // A second chain-open in the middle of a chain.
    await appendAudit(logOf(A), sampleFields(1));
    const [head] = await an.node.store.listAuditEntries({ chain: A, fromSeq: 2, toSeq: 2 });
    const forged = { type: 'chain-open', chainId: A, seq: 3, at: NOW.toISOString(), prevHash: head!.hash } as AuditEntry;
    const { text, hash } = hashAuditEntry(forged);
    await an.node.store.appendAuditEntry({ chain: A, seq: 3, at: forged.at, entry: text, hash, prevHash: head!.hash });
    const result = await verify();
    expect(result.chains.find((c) => c.id === A)?.firstBad).toMatchObject({ seq: 3, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
  });
});

describe('a chain slipped in behind the checkpoints', () => {
  it('is found: the first checkpoint after its chain-open does not list it (inserted)', async () => {
    await appendAudit(logOf(A), sampleFields(1));
    await checkpoint(A);
    // An attacker writes a well-formed chain whose chain-open claims it opened before that checkpoint.
    const open = { type: 'chain-open', chainId: C, seq: 1, at: NOW.toISOString(), prevHash: GENESIS_HASH, details: {} } as AuditEntry;
    const { text, hash } = hashAuditEntry(open);
    await an.node.store.appendAuditEntry({ chain: C, seq: 1, at: open.at, entry: text, hash, prevHash: GENESIS_HASH });
    expect((await verify()).firstBad).toMatchObject({ chain: C, seq: 1, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
    // Opened honestly after it, the chain is fine until the next checkpoint, which lists it.
    await appendAudit(logOf(B), sampleFields(2));
    const result = await verify();
    expect(result.chains.find((c) => c.id === B)).toMatchObject({ ok: true });
  });
});

describe('closed chains leave the checkpoints', () => {
  it('are signed closed once, then left out; seq still counts their entries, and verify accepts it', async () => {
    await appendAudit(logOf(A), sampleFields(1));
    await appendAudit(logOf(B), sampleFields(2));
    expect((await checkpoint()).chains.map((h) => [h.id, h.state])).toEqual([[A, 'open'], [B, 'open']]);
    await appendAudit(logOf(A), { type: 'chain-close' });
    await appendAudit(logOf(B), sampleFields(3));
    const closing = await checkpoint();
    expect(closing).toMatchObject({ seq: 6, chains: [{ id: A, seq: 3, state: 'closed' }, { id: B, seq: 3, state: 'open' }] });
    await appendAudit(logOf(B), sampleFields(4));
    const after = await checkpoint();
    expect(after).toMatchObject({ seq: 7, chains: [{ id: B, seq: 4 }] });
    expect(after.chains).toHaveLength(1);
    // Nothing new but a dropped chain: no checkpoint.
    expect((await checkpointAudit(logOf(B))).created).toBe(false);
    await appendAudit(logOf(B), sampleFields(5));
    expect((await checkpoint()).chains.map((h) => h.id)).toEqual([B]);
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 4, chains: [{ id: A, state: 'closed', ok: true }, { id: B, ok: true }] });
  });

  it('a chain opened and closed since the last checkpoint is still signed (closed) once', async () => {
    await appendAudit(logOf(A), { type: 'chain-close' });
    await checkpoint(A);
    await appendAudit(logOf(B), sampleFields(1));
    await checkpoint();
    // C opens after the second checkpoint, and closes before the third.
    await appendAudit(logOf(C), sampleFields(2));
    await appendAudit(logOf(C), { type: 'chain-close' });
    expect((await checkpoint(C)).chains.map((h) => [h.id, h.state])).toEqual([[B, 'open'], [C, 'closed']]);
    await appendAudit(logOf(B), sampleFields(3));
    expect((await checkpoint()).chains.map((h) => h.id)).toEqual([B]);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('the chain bound counts chains open or newly closed, not those dropped', async () => {
    for (let i = 0; i < MAX_CHECKPOINT_CHAINS; i++) await appendAudit({ store: an.node.store, chain: `urn:uuid:chain-${i}` }, { type: 'chain-close' });
    await checkpoint(A);
    for (let i = 0; i < 10; i++) await appendAudit(logOf(`urn:uuid:open-${i}`), sampleFields(i));
    const next = await checkpoint(A);
    expect(next.chains).toHaveLength(10);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('verify finds a removed close (truncated) and an entry appended after a close that was dropped (inserted)', async () => {
    await appendAudit(logOf(A), sampleFields(1));
    await appendAudit(logOf(A), { type: 'chain-close', details: { reason: 'lapsed' } });
    await appendAudit(logOf(B), sampleFields(2));
    await checkpoint();
    await appendAudit(logOf(B), sampleFields(3));
    await checkpoint();
    const rows = await an.node.store.listAuditEntries({ chain: A });
    tamper(an, (db) => db.prepare('DELETE FROM audit_entries WHERE chain = ? AND seq = 3').run(A));
    expect((await verify()).firstBad).toMatchObject({ chain: A, seq: 3, reason: 'truncated', code: 'ERR_AUDIT_TAMPERED' });
    // Put the close back and slip a linked entry in after it.
    const close = rows[2]!;
    const forged = { ...sampleFields(4), chainId: A, seq: 4, at: NOW.toISOString(), prevHash: close.hash } as AuditEntry;
    const { text, hash } = hashAuditEntry(forged);
    tamper(an, (db) => {
      const insert = db.prepare('INSERT INTO audit_entries (chain, seq, at, entry, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?)');
      insert.run(A, 3, close.at, close.entry, close.hash, close.prevHash);
      insert.run(A, 4, forged.at, text, hash, close.hash);
    });
    expect((await verify()).firstBad).toMatchObject({ chain: A, seq: 4, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('verify refuses a checkpoint whose seq is not the entries of its chains and of those left out (bad-checkpoint)', async () => {
    await appendAudit(logOf(A), { type: 'chain-close' });
    await appendAudit(logOf(B), sampleFields(1));
    const first = (await checkpointAudit(logOf(B))).checkpoint!;
    await appendAudit(logOf(B), sampleFields(2));
    const [headB] = (await an.node.store.listAuditChains()).filter((h) => h.chain === B);
    const chains = [{ id: B, seq: headB!.seq, hash: headB!.hash, state: 'open' as const }];
    const at = new Date(NOW.getTime() + 1000).toISOString();
    // A's 2 entries, left out as closed, still count: 2 + 3 = 5; the forger says 6.
    const claims = { iss: an.node.organization.did, seq: 6, hash: headsHash(chains), at, log: await auditLogId(an.node.store), prev: createHash('sha256').update(first.token).digest('hex'), chains };
    expect(first.seq).toBe(4);
    await an.node.store.putAuditCheckpoint({ seq: 6, hash: claims.hash, at, token: await signAuditCheckpoint(claims, await organizationSigner(an.node)) });
    const result = await verify();
    expect(result.firstBad).toMatchObject({ seq: 6, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' });
    expect(result.firstBad?.message).toContain('its chains hold 5');
  });

  it('verify refuses a checkpoint that leaves out a chain no earlier checkpoint signed closed (bad-checkpoint)', async () => {
    await appendAudit(logOf(A), sampleFields(1));
    await appendAudit(logOf(B), sampleFields(2));
    const first = (await checkpointAudit(logOf(B))).checkpoint!;
    await appendAudit(logOf(B), sampleFields(3));
    // The organization's key signs a checkpoint over B alone, linked to the first: A (open) vanishes from view.
    const [headB] = (await an.node.store.listAuditChains()).filter((h) => h.chain === B);
    const chains = [{ id: B, seq: headB!.seq, hash: headB!.hash, state: 'open' as const }];
    const at = new Date(NOW.getTime() + 1000).toISOString();
    const claims = { iss: an.node.organization.did, seq: 5, hash: headsHash(chains), at, log: await auditLogId(an.node.store), prev: createHash('sha256').update(first.token).digest('hex'), chains };
    const token = await signAuditCheckpoint(claims, await organizationSigner(an.node));
    await an.node.store.putAuditCheckpoint({ seq: 5, hash: claims.hash, at, token });
    expect((await verify()).firstBad).toMatchObject({ seq: 5, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' });
  });
});
