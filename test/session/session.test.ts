// bob (B) issues alice (A) a session; acme -> alice -> sub for the act chain; mallory forges.
// The reading under test (RFC 8693 §4.1, oauth/act): sub = the human owner, outermost act = the agent, nested = prior actors.
import { describe, expect, it } from 'vitest';
import type { AttributionEntry } from '../../src/delegation/verify-chain.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { principalAndActors } from '../../src/oauth/act.js';
import { issueSessionToken, sessionPrincipal, type IssueSessionOptions } from '../../src/session/issue.js';
import { actorsOf, sessionAgent, sessionAttribution, sessionOwner, sessionSubjects } from '../../src/session/types.js';
import { verifySessionToken, type VerifySessionOptions } from '../../src/session/verify.js';
import { authorize } from '../../src/capability/authorize.js';
import { acme, alice, bob, frozenClock, mallory, NOW } from '../fixtures.js';
import { worldResolver } from '../handshake/fixtures.js';

const SUB = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const attribution: AttributionEntry[] = [
  { role: 'issuer', id: acme.did },
  { role: 'owner', id: alice.owner },
  { role: 'agent', id: alice.did, credential: 'urn:uuid:root' },
];
const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } }, credential: 'urn:uuid:root' };
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const at = (offsetMs: number) => frozenClock(new Date(NOW.getTime() + offsetMs));

/** A session for alice at bob; `attribution: undefined` issues one without a chain (a library caller's). */
function issue(extra: Omit<Partial<IssueSessionOptions>, 'attribution'> & { attribution?: readonly AttributionEntry[] | undefined } = {}) {
  const { attribution: given, ...rest } = extra;
  const chain = 'attribution' in extra ? given : attribution;
  return issueSessionToken({
    signer: bob.signer,
    subject: alice.did,
    audience: bob.did,
    holderKey: { kid: alice.signer.kid, publicKey: alice.signer.publicKey },
    capabilities: [refund],
    clock: frozenClock(),
    ...rest,
    ...(chain === undefined ? {} : { attribution: chain }),
  });
}

const verify = (token: string, extra: Partial<VerifySessionOptions> = {}) =>
  verifySessionToken(token, { resolver: worldResolver(), audience: bob.did, clock: frozenClock(), ...extra });

describe('session tokens', () => {
  it('carries sub, aud, cnf (RFC 7800) and the chain as act (RFC 8693), and verifies', async () => {
    const { token, claims } = await issue();
    const [header] = token.split('.') as [string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: bob.signer.kid, typ: 'session+jwt' });
    const iat = NOW.getTime() / 1000;
    expect(claims).toMatchObject({ iss: bob.did, sub: alice.owner, aud: bob.did, iat, exp: iat + 300, capabilities: [refund] });
    expect(claims.cnf).toEqual({ kid: alice.signer.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(alice.signer.publicKey).toString('base64url') } });
    expect(claims.act).toEqual({ sub: alice.did });
    // Time-ordered (UUID version 7), its first 48 bits the issuing clock's milliseconds: a node's session rows land in order.
    expect(claims.jti).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(claims.jti.slice(9, 22).replace('-', ''), 16)).toBe(NOW.getTime());
    expect((await issue()).claims.jti).not.toBe(claims.jti);
    const result = await verify(token);
    expect(result.errors).toEqual([]);
    expect(result.claims).toEqual(claims);
  });

  it("reads acme -> alice -> sub as sub = owner, act = sub-agent, nested act = alice", async () => {
    const chain: AttributionEntry[] = [...attribution, { role: 'sub-agent', id: SUB, credential: 'urn:uuid:child' }];
    const { claims } = await issue({ subject: SUB, holderKey: { kid: `${SUB}#key-1`, publicKey: alice.signer.publicKey }, attribution: chain });
    expect({ sub: claims.sub, act: claims.act }).toEqual({ sub: alice.owner, act: { sub: SUB, act: { sub: alice.did } } });
    expect(sessionAgent(claims)).toBe(SUB);
    expect(sessionOwner(claims)).toBe(alice.owner);
    expect(actorsOf(claims)).toEqual([SUB, alice.did]);
    // Audit order: the current actor first, the owner last.
    expect(sessionAttribution(claims)).toEqual([SUB, alice.did, alice.owner]);
    expect(sessionSubjects(claims).map(({ id, owner }) => ({ id, owner }))).toEqual([{ id: SUB, owner: alice.owner }]);
    // The very reading of the access tokens (oauth/act).
    expect({ sub: claims.sub, act: claims.act }).toEqual(principalAndActors(chain));
    expect((await verify((await issue({ subject: SUB, holderKey: { kid: `${SUB}#key-1`, publicKey: alice.signer.publicKey }, attribution: chain })).token)).errors).toEqual([]);
    // alice's own session: the owner, and alice as the only actor.
    const own = (await issue()).claims;
    expect({ sub: own.sub, act: own.act }).toEqual({ sub: alice.owner, act: { sub: alice.did } });
    expect(sessionAttribution(own)).toEqual([alice.did, alice.owner]);
  });

  it('takes the owner from the chain, or from an explicit owner option, and never invents one', async () => {
    const chain: AttributionEntry[] = [...attribution, { role: 'sub-agent', id: SUB, credential: 'urn:uuid:child' }];
    expect(() => sessionPrincipal(chain, alice.did)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'attribution' }) as Error);
    expect(sessionPrincipal(undefined, alice.did, alice.owner)).toEqual({ sub: alice.owner, act: { sub: alice.did } });
    const { claims } = await issue({ attribution: undefined, owner: alice.owner });
    expect({ sub: claims.sub, act: claims.act }).toEqual({ sub: alice.owner, act: { sub: alice.did } });
    await expect(issue({ attribution: undefined })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'owner' });
    await expect(issue({ owner: 'mailto:someone-else@acme.example' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'owner' });
    expect((await issue({ owner: alice.owner })).claims.sub).toBe(alice.owner);
    // Never deeper than verifiers read (MAX_ACT_DEPTH, 16 actors).
    const long: AttributionEntry[] = [...attribution, ...Array.from({ length: 16 }, (_, i): AttributionEntry => ({ role: 'sub-agent', id: `did:key:z${i}` }))];
    expect(() => sessionPrincipal(long, 'did:key:z15')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'attribution' }) as Error);
    expect(sessionPrincipal(long.slice(0, -1), 'did:key:z14').act.sub).toBe('did:key:z14');
    // A chain without an owner, or with only its issuer, names no one accountable.
    await expect(issue({ attribution: [{ role: 'issuer', id: acme.did }] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(issue({ subject: 'alice', holderKey: { kid: 'alice#key-1', publicKey: alice.signer.publicKey }, attribution: undefined, owner: alice.owner })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      claim: 'subject',
    });
  });

  it('refuses a session with a missing, malformed, non-DID or too deep act with ERR_MALFORMED', async () => {
    const { claims } = await issue();
    const signed = (act: unknown) => signCompactJws({ ...claims, act }, bob.signer, { typ: 'session+jwt' });
    // alice as the current actor over `priors` prior actors.
    const chainOf = (priors: number) => ({ sub: alice.did, act: Array.from({ length: priors - 1 }, (_, i) => `did:key:z${i}`).reduceRight<Record<string, unknown>>((inner, sub) => ({ sub, act: inner }), { sub: 'did:key:zlast' }) });
    const deep = chainOf(16);
    for (const act of [undefined, null, 'did:key:x', {}, { sub: '' }, { sub: alice.owner }, { sub: alice.did, act: { sub: 42 } }, { sub: alice.did, act: [] }, deep]) {
      const result = await verify(await signed(act));
      expect(codes(result)).toEqual(['ERR_MALFORMED']);
      expect(result.errors.map((e) => e.claim)).toEqual(['act']);
      expect(result.claims).toBeUndefined();
    }
    // Sixteen actors (MAX_ACT_DEPTH) is the bound, not beyond it.
    expect(await verify(await signed(chainOf(15)))).toMatchObject({ verified: true });
    // The agent must be the DID of the cnf key: a session naming mallory as agent but bound to alice's key is malformed.
    const swapped = await verify(await signed({ sub: mallory.did }));
    expect(codes(swapped)).toEqual(['ERR_MALFORMED']);
    expect(swapped.errors.map((e) => e.claim)).toEqual(['cnf']);
  });

  it('expires, and never outlives notAfter', async () => {
    const { token } = await issue();
    expect((await verify(token, { clock: at(300_000 + 60_000) })).errors).toEqual([]);
    expect(codes(await verify(token, { clock: at(300_000 + 61_000) }))).toEqual(['ERR_EXPIRED']);
    expect(codes(await verify(token, { clock: at(-120_000) }))).toEqual(['ERR_NOT_YET_VALID']);
    const { claims } = await issue({ notAfter: new Date(NOW.getTime() + 30_000) });
    expect(claims.exp - claims.iat).toBe(30);
    await expect(issue({ notAfter: NOW })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('is refused by another verifier', async () => {
    const { token } = await issue();
    expect(codes(await verify(token, { audience: 'did:web:other.example', issuers: [bob.did] }))).toEqual(['ERR_AUDIENCE']);
  });

  it('is refused when tampered with, or signed with alg none', async () => {
    const { token } = await issue();
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, capabilities: [{ action: '*', resource: '*', credential: 'urn:uuid:root' }] })).toString('base64url');
    expect(codes(await verify(`${h}.${widened}.${s}`))).toEqual(['ERR_SIGNATURE_INVALID']);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'session+jwt' })).toString('base64url')}.${p}.`;
    expect(codes(await verify(none))).toEqual(['ERR_ALG_NOT_ALLOWED']);
    expect(codes(await verify('garbage'))).toEqual(['ERR_MALFORMED']);
  });

  it('is refused from an issuer the verifier does not accept sessions from (mallory minting her own)', async () => {
    const { claims } = await issue();
    const minted = await signCompactJws({ ...claims, iss: mallory.did }, mallory.signer, { typ: 'session+jwt' });
    expect(codes(await verify(minted))).toEqual(['ERR_UNTRUSTED_ISSUER']);
    // Signed by acme on bob's behalf: accepted once acme is listed.
    const { token } = await issue({ signer: acme.signer });
    expect(codes(await verify(token))).toEqual(['ERR_UNTRUSTED_ISSUER']);
    expect((await verify(token, { issuers: [bob.did, acme.did] })).errors).toEqual([]);
  });

  it('reports malformed claims', async () => {
    const { claims } = await issue();
    const bad = await signCompactJws({ ...claims, cnf: { kid: alice.signer.kid }, capabilities: [] }, bob.signer, { typ: 'session+jwt' });
    const result = await verify(bad);
    expect(codes(result)).toEqual(['ERR_MALFORMED']);
    expect(result.errors.map((e) => e.claim)).toEqual(['cnf', 'capabilities']);
  });

  it('refuses to issue for a holder key of another DID or without capabilities', async () => {
    await expect(issue({ holderKey: { kid: mallory.signer.kid, publicKey: mallory.signer.publicKey } })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(issue({ capabilities: [] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(issue({ lifetimeSeconds: 0 })).rejects.toThrow(RangeError);
  });

  it('feeds authorize() through sessionSubjects', async () => {
    const { claims } = await issue();
    const subjects = sessionSubjects(claims);
    expect(subjects).toEqual([{ id: alice.did, owner: alice.owner, capabilities: [{ action: 'call', resource: 'billing:refund', constraints: refund.constraints }] }]);
    const request = (value: number) => ({ action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });
    expect(authorize(request(80), subjects, { clock: frozenClock() }).decision).toBe('allow');
    expect(authorize(request(120), subjects, { clock: frozenClock() }).reasons.map((r) => r.code)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });
});
