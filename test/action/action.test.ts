// alice (A) acts at bob (B) under a session bob issued her; mallory replays, re-signs and tampers.
import { describe, expect, it } from 'vitest';
import { createSignedAction, type CreateSignedActionOptions } from '../../src/action/create.js';
import { actionHash } from '../../src/action/hash.js';
import { verifySignedAction, type VerifySignedActionOptions } from '../../src/action/verify.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { issueSessionToken } from '../../src/session/issue.js';
import { alice, bob, frozenClock, mallory, NOW, timeOrderedIdAt } from '../fixtures.js';
import { worldResolver } from '../handshake/fixtures.js';

const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } }, credential: 'urn:uuid:root' };
const read = { action: 'read', resource: 'crm:*', scope: 'assigned_tickets_only', credential: 'urn:uuid:root' };
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const at = (offsetMs: number) => frozenClock(new Date(NOW.getTime() + offsetMs));
const body = new TextEncoder().encode('{"amount":80}');

async function session(lifetimeSeconds = 300, owner: string = alice.owner) {
  const { token } = await issueSessionToken({
    signer: bob.signer,
    subject: alice.did,
    audience: bob.did,
    holderKey: { kid: alice.signer.kid, publicKey: alice.signer.publicKey },
    capabilities: [refund, read],
    attribution: [{ role: 'owner', id: owner }, { role: 'agent', id: alice.did }],
    lifetimeSeconds,
    clock: frozenClock(),
  });
  return token;
}

async function act(extra: Partial<CreateSignedActionOptions> = {}) {
  return createSignedAction({
    signer: alice.signer,
    audience: bob.did,
    session: extra.session ?? (await session()),
    action: 'call',
    resource: 'billing:refund',
    params: { amount: { value: 80, currency: 'USD' } },
    clock: frozenClock(),
    ...extra,
  });
}

const verify = (token: string, extra: Partial<VerifySignedActionOptions> = {}) =>
  verifySignedAction(token, { resolver: worldResolver(), audience: bob.did, replay: new MemoryReplayCache({ clock: frozenClock() }), clock: frozenClock(), ...extra });

describe('signed actions', () => {
  it('verifies and names the covering session capability', async () => {
    const { token, payload } = await act({ body });
    const result = await verify(token, { body });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.capability).toEqual(refund);
    expect(result.session).toMatchObject({ sub: alice.owner, act: { sub: alice.did } });
    expect(result.claims).toEqual(payload);
    expect(result.hash).toBe(actionHash(payload));
    const scoped = await act({ action: 'read', resource: 'crm:customer_records:42', scope: 'assigned_tickets_only', params: {} });
    expect((await verify(scoped.token)).capability).toEqual(read);
  });

  it('gives each action a time-ordered jti (UUID version 7, its first 48 bits the signer\'s clock), distinct within one millisecond', async () => {
    const first = await act();
    const second = await act();
    for (const { payload } of [first, second]) expect(payload.jti).toMatch(timeOrderedIdAt(NOW));
    expect(first.payload.jti).not.toBe(second.payload.jti);
    expect((await act({ jti: 'urn:uuid:given' })).payload.jti).toBe('urn:uuid:given');
  });

  it('refuses a replayed jti', async () => {
    const { token } = await act();
    const replay = new MemoryReplayCache({ clock: frozenClock() });
    expect((await verify(token, { replay })).ok).toBe(true);
    expect(codes(await verify(token, { replay }))).toEqual(['ERR_REPLAY']);
  });

  it("refuses an action signed with another key than the session's cnf", async () => {
    const stolen = await session();
    // mallory, with her own key, presents alice's session.
    const byMallory = await act({ signer: mallory.signer, session: stolen });
    expect(codes(await verify(byMallory.token))).toEqual(['ERR_HOLDER_BINDING', 'ERR_KEY_BINDING']);
    // mallory claiming alice's key id: the signature does not verify.
    const impostor = await act({ signer: { ...mallory.signer, kid: alice.signer.kid }, session: stolen });
    expect(codes(await verify(impostor.token))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('refuses an action signed by the owner (sub) instead of the agent (act.sub)', async () => {
    // carol owns alice and holds a DID key of her own: the session is about her, but only alice acts under it.
    const carol = generateEphemeralSigner();
    const owned = await session(300, carol.did);
    const byOwner = await act({ signer: carol, session: owned });
    expect(codes(await verify(byOwner.token))).toEqual(['ERR_HOLDER_BINDING', 'ERR_KEY_BINDING']);
    // The same session, signed by its agent, is accepted.
    expect((await verify((await act({ session: owned })).token)).ok).toBe(true);
  });

  it('refuses a body that does not match bodyHash', async () => {
    const { token } = await act({ body });
    const result = await verify(token, { body: new TextEncoder().encode('{"amount":8000}') });
    expect(codes(result)).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(result.errors[0]!.claim).toBe('bodyHash');
    expect(codes(await verify(token))).toEqual(['ERR_SIGNATURE_INVALID']);
    const bodiless = await act();
    expect(codes(await verify(bodiless.token, { body }))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('denies an action no session capability covers', async () => {
    const { token } = await act({ action: 'delete', resource: 'billing:refund' });
    const result = await verify(token);
    expect(codes(result)).toEqual(['ERR_NOT_AUTHORIZED']);
    expect(result.capability).toBeUndefined();
    // A scoped capability never covers an unscoped request.
    const unscoped = await act({ action: 'read', resource: 'crm:customer_records:42', params: {} });
    expect(codes(await verify(unscoped.token))).toEqual(['ERR_NOT_AUTHORIZED']);
  });

  it('refuses stale actions, another audience, and an expired session', async () => {
    const { token } = await act();
    expect(codes(await verify(token, { clock: at(61_000) }))).toEqual(['ERR_EXPIRED']);
    expect(codes(await verify(token, { clock: at(-61_000) }))).toEqual(['ERR_NOT_YET_VALID']);
    expect(codes(await verify(token, { audience: 'did:web:other.example', sessionIssuers: [bob.did] }))).toEqual(['ERR_AUDIENCE']);
    const late = await act({ session: await session(10), clock: at(75_000) });
    const result = await verify(late.token, { clock: at(75_000) });
    expect(codes(result)).toEqual(['ERR_EXPIRED']);
    expect(result.errors[0]!.claim).toBe('session.exp');
  });

  it('refuses malformed and oversized actions', async () => {
    expect(codes(await verify('x.y'))).toEqual(['ERR_MALFORMED']);
    expect(codes(await verify('a'.repeat(64 * 1024 + 1)))).toEqual(['ERR_INPUT_TOO_LARGE']);
    await expect(act({ params: { blob: 'x'.repeat(16 * 1024) } })).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    await expect(act({ resource: 'billing:*' })).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
    await expect(act({ params: { n: Number.NaN } })).rejects.toThrow(TypeError);
  });

  it('hashes actions independently of member order and of jti/iat', async () => {
    const a = await act({ params: { b: 1, a: [1, { y: 2, x: 1 }] } });
    const b = await act({ params: { a: [1, { x: 1, y: 2 }], b: 1 }, clock: at(5_000) });
    expect(actionHash(a.payload)).toBe(actionHash(b.payload));
    expect(actionHash({ ...a.payload, resource: 'billing:refund:2' })).not.toBe(actionHash(a.payload));
    expect(actionHash(a.payload)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('hashes the UTF-8 of the canonical JSON: a pinned vector with characters outside ASCII and the BMP', () => {
    // Expected value from openssl over the same canonical text:
    // printf '%s' '{"action":"call","aud":…,"resource":"billing:refund"}' | openssl dgst -sha256 -binary | base64 (url alphabet, no padding)
    const fields = {
      iss: 'did:web:helpdesk.example:agents:alice',
      aud: 'did:web:bank.example:agents:teller',
      action: 'call',
      resource: 'billing:refund',
      params: { amount: { value: 80, currency: 'EUR' }, note: 'café ☕ 𝄞' },
    };
    expect(actionHash(fields)).toBe('Zm3QipXYh8LWf-9ZUbQ3J3VWYGrnAehI9R1TB2Qwf1U');
  });
});
