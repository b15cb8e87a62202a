// acme -> alice -> sub (did:key); bank is the verifier; mallory presents what is not hers.
import { describe, expect, it } from 'vitest';
import { authorize } from '../../src/capability/authorize.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { Capability } from '../../src/credential/types.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { decodeCompactJws, signCompactJws } from '../../src/lib/jws.js';
import { createPresentation } from '../../src/presentation/create.js';
import { verifyPresentation } from '../../src/presentation/verify.js';
import { acme, alice, bob, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

const BANK = 'did:web:bank.example';
const NONCE = 'n-0S6_WzA2Mj';
const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const verify = (vp: string, extra: Partial<Parameters<typeof verifyPresentation>[1]> = {}) =>
  verifyPresentation(vp, { resolver: personaResolver(), audience: BANK, nonce: NONCE, clock: frozenClock(), ...extra });

async function setup() {
  const root = await issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: { id: alice.did, owner: alice.owner, capabilities: [refund(100)], delegation: { depth: 0, maxDepth: 1 } },
    clock: frozenClock(),
  });
  const sub = generateEphemeralSigner();
  const child = await delegateCapability({ parent: root.credential, signer: alice.signer, to: sub.did, capabilities: [refund(20)], clock: frozenClock() });
  return { root, sub, child };
}

describe('presentations', () => {
  it("verifies alice's presentation of her credential", async () => {
    const { root } = await setup();
    const vp = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    const result = await verify(vp);
    expect(result.errors).toEqual([]);
    expect(result.holder).toBe(alice.did);
    expect(result.credentials.map((c) => c.id)).toEqual([root.id]);
  });

  it('binds a DPoP key thumbprint in a jkt claim only when asked (OAuth token exchange, #15)', async () => {
    const { root } = await setup();
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const bound = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock(), jkt });
    expect(decodeCompactJws(bound).payload.jkt).toBe(jkt);
    expect((await verify(bound)).errors).toEqual([]);
    const plain = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    expect(decodeCompactJws(plain).payload).not.toHaveProperty('jkt');
    await expect(createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, jkt: '' })).rejects.toThrow(RangeError);
  });

  it("verifies a sub-agent's presentation with its whole chain, and authorizes within the child's limits", async () => {
    const { root, sub, child } = await setup();
    const vp = await createPresentation({ signer: sub, credentials: [child.jwt, root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    const result = await verify(vp);
    expect(result.errors).toEqual([]);
    expect(result.credentials.map((c) => c.id)).toEqual([child.id]);
    expect(result.chains[0]!.attribution.map((a) => a.role)).toEqual(['issuer', 'owner', 'agent', 'sub-agent']);
    const ctx = { clock: frozenClock(), verifier: BANK };
    expect(authorize({ action: 'call', resource: 'billing:refund', amount: { value: 15, currency: 'USD' } }, result.credentials, ctx).decision).toBe('allow');
    const over = authorize({ action: 'call', resource: 'billing:refund', amount: { value: 50, currency: 'USD' } }, result.credentials, ctx);
    expect(over.decision).toBe('deny');
    expect(over.reasons.map((r) => r.code)).toContain('ERR_CONSTRAINT_AMOUNT');
  });

  it('verifies a root shared by two chains once, and both chains from it', async () => {
    const { root, sub, child } = await setup();
    const second = await delegateCapability({ parent: root.credential, signer: alice.signer, to: sub.did, capabilities: [refund(10)], clock: frozenClock() });
    const vp = await createPresentation({ signer: sub, credentials: [child.jwt, second.jwt, root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    const checked: string[] = [];
    const result = await verify(vp, {
      status: (credential) => {
        checked.push(String(credential.id));
        return Promise.resolve([]);
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.chains.map((c) => c.links.map((l) => l.credential.id))).toEqual([
      [root.id, child.id],
      [root.id, second.id],
    ]);
    expect(checked.sort()).toEqual([root.id, child.id, second.id].sort());
  });

  it('bounds each chain it carries at nine links: ERR_INPUT_TOO_LARGE', async () => {
    const links = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signCompactJws(
          { id: `urn:x:${i}`, credentialSubject: { id: alice.did, delegation: i === 0 ? { depth: 0, maxDepth: 8 } : { parent: `urn:x:${i - 1}`, depth: i, maxDepth: 8 } } },
          alice.signer,
          { typ: 'vc+jwt' },
        ),
      ),
    );
    const vp = await createPresentation({ signer: alice.signer, credentials: links, audience: BANK, nonce: NONCE, clock: frozenClock() });
    const result = await verify(vp);
    expect(result.chains).toHaveLength(1);
    expect(result.chains[0]!.errors.map((e) => [e.code, e.claim])).toEqual([['ERR_INPUT_TOO_LARGE', 'chain']]);
  });

  it('rejects a presentation addressed to another verifier', async () => {
    const { root } = await setup();
    const vp = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: 'did:web:other.example', nonce: NONCE, clock: frozenClock() });
    expect(codes(await verify(vp))).toEqual(['ERR_AUDIENCE']);
  });

  it('rejects a presentation answering another challenge', async () => {
    const { root } = await setup();
    const vp = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: 'old-nonce', clock: frozenClock() });
    expect(codes(await verify(vp))).toEqual(['ERR_NONCE']);
  });

  it('rejects stale and future-dated presentations', async () => {
    const { root } = await setup();
    const vp = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock(), lifetimeSeconds: 3600 });
    expect(codes(await verify(vp, { clock: frozenClock(new Date(NOW.getTime() + 10 * 60_000)) }))).toEqual(['ERR_EXPIRED']);
    expect(codes(await verify(vp, { clock: frozenClock(new Date(NOW.getTime() - 10 * 60_000)) }))).toEqual(['ERR_NOT_YET_VALID']);
  });

  it("rejects mallory presenting alice's chain as her own", async () => {
    const { root } = await setup();
    const vp = await createPresentation({ signer: mallory.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    const result = await verify(vp);
    expect(codes(result)).toEqual(['ERR_HOLDER_BINDING']);
    expect(result.credentials).toEqual([]);
  });

  it("rejects mallory claiming to be alice (holder alice, mallory's key)", async () => {
    const { root } = await setup();
    const impostor = { ...mallory.signer, kid: `${alice.did}#key-1` };
    const vp = await createPresentation({ signer: impostor, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    expect(codes(await verify(vp))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('rejects a tampered presentation and alg none', async () => {
    const { root } = await setup();
    const vp = await createPresentation({ signer: alice.signer, credentials: [root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    const [h, p, s] = vp.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    payload.exp = 9_999_999_999;
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(codes(await verify(tampered))).toEqual(['ERR_SIGNATURE_INVALID']);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'vp+jwt' })).toString('base64url')}.${p}.`;
    expect(codes(await verify(none))).toEqual(['ERR_ALG_NOT_ALLOWED']);
  });

  it('rejects a wrong typ and any crit header, signed or not (the header policy every token shares)', async () => {
    const { root } = await setup();
    const claims = { holder: alice.did, aud: BANK, nonce: NONCE, iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 60, verifiableCredential: [{ type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${root.jwt}` }] };
    const wrongTyp = await signCompactJws(claims, alice.signer, { typ: 'JWT' });
    expect((await verify(wrongTyp)).errors.map((e) => [e.code, e.claim])).toEqual([['ERR_MALFORMED', 'typ']]);
    const crit = await signCompactJws(claims, alice.signer, { typ: 'vp+jwt', crit: ['exp'] });
    expect((await verify(crit)).errors.map((e) => [e.code, e.claim])).toEqual([['ERR_MALFORMED', 'crit']]);
  });

  it('rejects a chain whose parent is missing from the presentation', async () => {
    const { sub, child } = await setup();
    const vp = await createPresentation({ signer: sub, credentials: [child.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    expect(codes(await verify(vp))).toEqual(['ERR_CHAIN_INVALID']);
  });

  it('rejects malformed envelopes and too many credentials', async () => {
    const { root } = await setup();
    const bad = await signCompactJws(
      { holder: alice.did, aud: BANK, nonce: NONCE, iat: NOW.getTime() / 1000, exp: NOW.getTime() / 1000 + 60, verifiableCredential: [root.jwt] },
      alice.signer,
      { typ: 'vp+jwt' },
    );
    expect(codes(await verify(bad))).toEqual(['ERR_MALFORMED']);
    const many = await signCompactJws(
      { holder: alice.did, verifiableCredential: Array(33).fill({ type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${root.jwt}` }) },
      alice.signer,
      { typ: 'vp+jwt' },
    );
    expect(codes(await verify(many, { maxLength: 1024 * 1024 }))).toEqual(['ERR_INPUT_TOO_LARGE']);
    expect(codes(await verify(many))).toEqual(['ERR_INPUT_TOO_LARGE']);
    await expect(createPresentation({ signer: alice.signer, credentials: [], audience: BANK, nonce: NONCE })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('a presentation by bob of a credential issued to him verifies; one he does not hold is not counted', async () => {
    const { root } = await setup();
    const bobs = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: { id: bob.did, owner: bob.owner, capabilities: [refund(5)] }, clock: frozenClock() });
    const vp = await createPresentation({ signer: bob.signer, credentials: [bobs.jwt, root.jwt], audience: BANK, nonce: NONCE, clock: frozenClock() });
    const result = await verify(vp);
    expect(codes(result)).toEqual(['ERR_HOLDER_BINDING']);
    expect(result.credentials.map((c) => c.id)).toEqual([bobs.id]);
  });
});
