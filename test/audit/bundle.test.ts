// acme exports its audit log as an offline bundle; the bundle is checked with the node closed and its
// data directory gone. mallory edits the bundle file: entries, checkpoints, the key history.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AUDIT_BUNDLE_FORMAT, readAuditBundle, type AuditBundle } from '../../src/audit/bundle.js';
import { jwkThumbprint, KEY_SPAN_SKEW_MS, verifyAuditBundle } from '../../src/audit/bundle-verify.js';
import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { LegateError } from '../../src/errors/index.js';
import { decodeCompactJws, signCompactJws } from '../../src/lib/jws.js';
import { ed25519ToJwk } from '../../src/lib/multikey.js';
import { exportAuditBundle } from '../../src/node/audit-export.js';
import { mallory } from '../fixtures.js';
import { appendSamples, auditNode, type AuditNode } from './helpers.js';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(() => an.close());

/** A deep copy to edit, as an attacker edits the file. */
const copy = (bundle: AuditBundle): AuditBundle => JSON.parse(JSON.stringify(bundle)) as AuditBundle;

/** Exports 10 entries (checkpointed at 6, and by the export at 10, just over the key-span skew later), then closes the node and deletes its directory. */
async function exported(): Promise<AuditBundle> {
  await appendSamples(an.node, 6);
  await checkpointAudit(an.node);
  an.advance(KEY_SPAN_SKEW_MS + 1000);
  await appendSamples(an.node, 4);
  const bundle = await exportAuditBundle(an.node);
  await an.close();
  an = { ...an, close: () => Promise.resolve() };
  return bundle;
}

/** Re-signs `token`'s claims with mallory's key under `kid`. */
function resign(token: string, kid: string): Promise<string> {
  return signCompactJws(decodeCompactJws(token).payload, { ...mallory.signer, kid }, { typ: 'audit-checkpoint+jwt' });
}

async function thrownCode(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LegateError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('exportAuditBundle and verifyAuditBundle', () => {
  it('a fresh export verifies with no node: entries, checkpoints, the DID document and the key history', async () => {
    const bundle = await exported();
    expect(bundle.format).toBe(AUDIT_BUNDLE_FORMAT);
    expect(bundle.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(bundle.checkpoints.map((c) => c.seq)).toEqual([6, 10]);
    expect(bundle.keys).toEqual([{ kid: 'did:web:acme.example#key-1', publicKeyJwk: expect.objectContaining({ kty: 'OKP', crv: 'Ed25519' }) as unknown, from: expect.any(String) as unknown }]);
    expect(bundle.organization.didDocument.id).toBe('did:web:acme.example');

    const result = await verifyAuditBundle(readAuditBundle(JSON.stringify(bundle)));
    expect(result).toMatchObject({ ok: true, entries: 10, lastSeq: 10, checkpoints: 2, organization: 'did:web:acme.example' });
    const thumbprint = jwkThumbprint(bundle.keys[0]!.publicKeyJwk);
    expect(result.keys).toEqual([expect.objectContaining({ kid: 'did:web:acme.example#key-1', thumbprint, checkpoints: 2 })]);
    expect((await verifyAuditBundle(bundle, { trustedKeys: [thumbprint] })).ok).toBe(true);
  });

  it("across a key rotation: the old key's span ends when its successor is made, and checkpoints of both verify", async () => {
    an.advance(KEY_SPAN_SKEW_MS + 1000);
    await appendSamples(an.node, 3);
    await checkpointAudit(an.node); // signed by key-1, a while after it was made
    an.advance(KEY_SPAN_SKEW_MS + 1000);
    const { rotateOrganizationKey } = await import('../../src/node/key-rotate.js');
    await rotateOrganizationKey(an.node);
    an.advance(KEY_SPAN_SKEW_MS + 1000);
    await appendSamples(an.node, 2);
    const bundle = await exportAuditBundle(an.node); // signed by the new key
    const [old, current] = bundle.keys;
    expect(old).toMatchObject({ kid: 'did:web:acme.example#key-1', until: current!.from });
    expect(current!.until).toBeUndefined();
    const kids = bundle.checkpoints.map((c) => decodeCompactJws(c.token).header.kid);
    expect(kids[0]).toBe(old!.kid);
    expect(kids.at(-1)).toBe(current!.kid);
    expect(await verifyAuditBundle(readAuditBundle(JSON.stringify(bundle)))).toMatchObject({ ok: true });
    // A checkpoint the old key signed after its span ended is refused: moving the span's end before it breaks the bundle.
    const early = copy(bundle);
    early.keys[0]!.until = bundle.keys[0]!.from!;
    expect(await verifyAuditBundle(early)).toMatchObject({ ok: false });
  });

  it('exports from a checkpoint: its checkpoints and each chain from the head it signs', async () => {
    await appendSamples(an.node, 6);
    await checkpointAudit(an.node);
    await appendSamples(an.node, 3);
    const bundle = await exportAuditBundle(an.node, { fromCheckpoint: 6 });
    expect(bundle.entries.map((e) => e.seq)).toEqual([6, 7, 8, 9]);
    expect(bundle.checkpoints.map((c) => c.seq)).toEqual([6, 9]);
    expect(await verifyAuditBundle(bundle)).toMatchObject({ ok: true, entries: 4, lastSeq: 9 });
    expect(await thrownCode(() => exportAuditBundle(an.node, { fromCheckpoint: 7 }))).toBe('ERR_NOT_FOUND');
    expect(await thrownCode(() => exportAuditBundle(an.node, { fromCheckpoint: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    // The anchor removed from the file.
    const cut = copy(bundle);
    cut.checkpoints.shift();
    expect((await verifyAuditBundle(cut)).firstBad).toMatchObject({ reason: 'truncated', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('exports up to a checkpoint without signing one: the same part twice, and it verifies', async () => {
    await appendSamples(an.node, 6);
    await checkpointAudit(an.node);
    await appendSamples(an.node, 3);
    const part = await exportAuditBundle(an.node, { toCheckpoint: 6 });
    expect(part.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(part.checkpoints.map((c) => c.seq)).toEqual([6]);
    expect((await an.node.store.listAuditCheckpoints()).map((c) => c.seq)).toEqual([6]);
    expect({ ...(await exportAuditBundle(an.node, { toCheckpoint: 6 })), exportedAt: part.exportedAt }).toEqual(part);
    expect(await verifyAuditBundle(part)).toMatchObject({ ok: true, entries: 6, lastSeq: 6 });
    expect(await thrownCode(() => exportAuditBundle(an.node, { toCheckpoint: 5 }))).toBe('ERR_NOT_FOUND');
    expect(await thrownCode(() => exportAuditBundle(an.node, { fromCheckpoint: 6, toCheckpoint: 5 }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('an empty log exports an empty bundle that verifies', async () => {
    const bundle = await exportAuditBundle(an.node);
    expect(bundle).toMatchObject({ entries: [], checkpoints: [] });
    expect((await verifyAuditBundle(bundle)).ok).toBe(true);
  });

  it('refuses to export past its size bound with ERR_INPUT_TOO_LARGE', async () => {
    await appendSamples(an.node, 3);
    expect(await thrownCode(() => exportAuditBundle(an.node, { maxBytes: 500 }))).toBe('ERR_INPUT_TOO_LARGE');
  });
});

describe('a tampered bundle', () => {
  it('an entry changed: ERR_AUDIT_TAMPERED at its seq', async () => {
    const bundle = copy(await exported());
    bundle.entries[3]!.entry = bundle.entries[3]!.entry.replace('"allow"', '"deny"').replace('"deny"', '"allow"').replace('billing', 'payroll');
    expect(await verifyAuditBundle(bundle)).toMatchObject({ ok: false, firstBad: { seq: 4, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('the last entries cut off: truncated', async () => {
    const bundle = copy(await exported());
    bundle.entries.splice(8);
    expect((await verifyAuditBundle(bundle)).firstBad).toMatchObject({ seq: 9, reason: 'truncated', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('an entry given twice, or entries after the last checkpoint, or no checkpoint at all: inserted', async () => {
    const original = await exported();
    const twice = copy(original);
    twice.entries.push(twice.entries[2]!);
    expect((await verifyAuditBundle(twice)).firstBad).toMatchObject({ seq: 3, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
    const stripped = copy(original);
    stripped.checkpoints = [];
    expect((await verifyAuditBundle(stripped)).firstBad).toMatchObject({ reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
    const older = copy(original);
    older.checkpoints.pop();
    expect((await verifyAuditBundle(older)).firstBad).toMatchObject({ seq: 7, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('a checkpoint signed by a key the history does not hold: bad-checkpoint', async () => {
    const bundle = copy(await exported());
    const last = bundle.checkpoints[1]!;
    last.token = await resign(last.token, 'did:web:acme.example#key-2');
    const result = await verifyAuditBundle(bundle);
    expect(result).toMatchObject({ ok: false, firstBad: { seq: 10, reason: 'bad-checkpoint', code: 'ERR_KID_INVALID' } });
  });

  it("a checkpoint signed by mallory under acme's kid: bad-checkpoint", async () => {
    const bundle = copy(await exported());
    bundle.checkpoints[0]!.token = await resign(bundle.checkpoints[0]!.token, 'did:web:acme.example#key-1');
    expect((await verifyAuditBundle(bundle)).firstBad).toMatchObject({ seq: 6, reason: 'bad-checkpoint', code: 'ERR_SIGNATURE_INVALID' });
  });

  it('the key list edited: a key swapped, dropped, or retired before it signed', async () => {
    const original = await exported();
    const malloryJwk = ed25519ToJwk(mallory.signer.publicKey);
    const swapped = copy(original);
    swapped.keys[0]!.publicKeyJwk = malloryJwk;
    expect(await verifyAuditBundle(swapped)).toMatchObject({ ok: false, firstBad: { reason: 'keys', code: 'ERR_AUDIT_TAMPERED' } });
    const dropped = copy(original);
    dropped.keys = [];
    expect((await verifyAuditBundle(dropped)).firstBad).toMatchObject({ reason: 'keys', code: 'ERR_AUDIT_TAMPERED' });
    const retired = copy(original);
    // Retired the instant it was made: checkpoint 6 (signed then) stands, checkpoint 10 (past the allowed skew) does not.
    retired.keys[0]!.until = retired.keys[0]!.from!;
    retired.organization.didDocument = { ...retired.organization.didDocument, verificationMethod: [], assertionMethod: [] };
    expect((await verifyAuditBundle(retired)).firstBad).toMatchObject({ seq: 10, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' });
  });

  it('a forgery consistent with itself (every key and checkpoint replaced) is caught by a pinned key', async () => {
    const original = await exported();
    const acmeKey = jwkThumbprint(original.keys[0]!.publicKeyJwk);
    const forged = copy(original);
    const kid = 'did:web:acme.example#key-1';
    forged.keys = [{ kid, publicKeyJwk: ed25519ToJwk(mallory.signer.publicKey) }];
    forged.organization.didDocument = buildOrganizationDidDocument({ did: 'did:web:acme.example', keys: [{ kid, publicKey: mallory.signer.publicKey }] });
    // Re-signed in order: the second links to the first by the hash of its token.
    const first = await resign(forged.checkpoints[0]!.token, kid);
    const { payload } = decodeCompactJws(forged.checkpoints[1]!.token);
    const second = await signCompactJws({ ...payload, prev: createHash('sha256').update(first).digest('hex') }, { ...mallory.signer, kid }, { typ: 'audit-checkpoint+jwt' });
    forged.checkpoints[0]!.token = first;
    forged.checkpoints[1]!.token = second;
    // The file alone cannot tell: its keys are its own.
    expect((await verifyAuditBundle(forged)).ok).toBe(true);
    expect(await verifyAuditBundle(forged, { trustedKeys: [acmeKey] })).toMatchObject({ ok: false, firstBad: { seq: 6, reason: 'keys', code: 'ERR_UNTRUSTED_ISSUER' } });
  });
});

describe('reading a bundle', () => {
  it('refuses truncated, foreign-format, malformed and oversized input with its code', async () => {
    const text = JSON.stringify(await exported());
    expect(await thrownCode(() => readAuditBundle(text.slice(0, text.length / 2)))).toBe('ERR_MALFORMED');
    expect(await thrownCode(() => readAuditBundle(text.replace(AUDIT_BUNDLE_FORMAT, 'legate-audit-bundle/2')))).toBe('ERR_MALFORMED');
    expect(await thrownCode(() => readAuditBundle('[]'))).toBe('ERR_MALFORMED');
    expect(await thrownCode(() => readAuditBundle(text.replace('"entries":[{"chain"', '"entries":[{"chain":1,"x"')))).toBe('ERR_MALFORMED');
    expect(await thrownCode(() => readAuditBundle(text, 1000))).toBe('ERR_INPUT_TOO_LARGE');
    expect(await thrownCode(() => verifyAuditBundle({ format: AUDIT_BUNDLE_FORMAT }))).toBe('ERR_MALFORMED');
  });
});
