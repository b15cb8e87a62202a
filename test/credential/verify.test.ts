import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { acme, alice, aliceSubject, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (jwt: string) => jwt.split('.') as [string, string, string];
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

async function issued(overrides: { validFor?: string; validFrom?: Date } = {}) {
  return issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: aliceSubject(),
    validFor: overrides.validFor ?? 'P30D',
    clock: frozenClock(),
    ...(overrides.validFrom === undefined ? {} : { validFrom: overrides.validFrom }),
  });
}

const verify = (jwt: string, clock = frozenClock(), extra: { skewSeconds?: number; maxLength?: number } = {}) =>
  verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock, ...extra });

const codes = (result: { errors: { code: string }[] }) => result.errors.map((e) => e.code);

describe('capability credential: issue and verify', () => {
  it('round-trips a credential issued by an organization', async () => {
    const { jwt, credential, id } = await issued();
    const result = await verify(jwt);
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.credential).toEqual(credential);
    expect(result.issuer).toBe(acme.did);
    expect(credential.id).toBe(id);
    expect(credential.validUntil).toBe('2026-04-01T10:00:00Z');
  });

  it('uses the VC-JOSE-COSE header: typ vc+jwt, alg EdDSA, kid a DID URL of the issuer', async () => {
    const { jwt } = await issued();
    expect(decode(parts(jwt)[0])).toEqual({ alg: 'EdDSA', kid: `${acme.did}#key-1`, typ: 'vc+jwt' });
  });

  it('verifies a did:key-issued credential offline', async () => {
    const sub = generateEphemeralSigner();
    const { jwt } = await issueCapabilityCredential({ issuer: sub.did, signer: sub, subject: aliceSubject(), clock: frozenClock() });
    const result = await verifyCapabilityCredential(jwt, {
      resolver: createDidResolver({ fetch: () => Promise.reject(new Error('no network in this test')) }),
      clock: frozenClock(),
    });
    expect(result.errors).toEqual([]);
  });
});

describe('capability credential: rejections', () => {
  it('rejects a tampered header', async () => {
    const [, p, s] = parts((await issued()).jwt);
    const header = b64({ alg: 'EdDSA', kid: `${acme.did}#key-1`, typ: 'vc+jwt', x: 1 });
    expect(codes(await verify(`${header}.${p}.${s}`))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('rejects a tampered payload (a widened refund limit)', async () => {
    const [h, p, s] = parts((await issued()).jwt);
    const payload = decode(p) as { credentialSubject: { capabilities: { constraints?: { maxAmount: { value: number } } }[] } };
    payload.credentialSubject.capabilities[1]!.constraints!.maxAmount.value = 1_000_000;
    expect(codes(await verify(`${h}.${b64(payload)}.${s}`))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('rejects a tampered signature', async () => {
    const [h, p, s] = parts((await issued()).jwt);
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 0x01;
    expect(codes(await verify(`${h}.${p}.${sig.toString('base64url')}`))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('rejects alg none', async () => {
    const [, p] = parts((await issued()).jwt);
    const result = await verify(`${b64({ alg: 'none', typ: 'vc+jwt', kid: `${acme.did}#key-1` })}.${p}.`);
    expect(codes(result)).toEqual(['ERR_ALG_NOT_ALLOWED']);
    expect(result.verified).toBe(false);
  });

  it('rejects HS256 signed with the public key as the HMAC secret', async () => {
    const [, p] = parts((await issued()).jwt);
    const h = b64({ alg: 'HS256', typ: 'vc+jwt', kid: `${acme.did}#key-1` });
    const mac = createHmac('sha256', acme.signer.publicKey).update(`${h}.${p}`).digest('base64url');
    expect(codes(await verify(`${h}.${p}.${mac}`))).toEqual(['ERR_ALG_NOT_ALLOWED']);
  });

  it("rejects a kid of another DID (mallory signs acme's credential with her own key)", async () => {
    const { credential } = await issued();
    const forged = await signCompactJws(credential as unknown as Record<string, unknown>, mallory.signer, { typ: 'vc+jwt' });
    expect(codes(await verify(forged))).toEqual(['ERR_KID_INVALID']);
  });

  it("rejects mallory's signature under acme's kid", async () => {
    const { credential } = await issued();
    const impostor = { ...mallory.signer, kid: `${acme.did}#key-1`, sign: mallory.signer.sign };
    const forged = await signCompactJws(credential as unknown as Record<string, unknown>, impostor, { typ: 'vc+jwt' });
    expect(codes(await verify(forged))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('rejects a kid that is not in the issuer document', async () => {
    const { credential } = await issued();
    const other = { ...acme.signer, kid: `${acme.did}#key-9`, sign: acme.signer.sign };
    const jwt = await signCompactJws(credential as unknown as Record<string, unknown>, other, { typ: 'vc+jwt' });
    expect(codes(await verify(jwt))).toEqual(['ERR_KID_INVALID']);
  });

  it('rejects a key the issuer lists for authentication only', async () => {
    const document = { ...acme.document, assertionMethod: [] };
    const resolver = createDidResolver({ local: (did) => Promise.resolve(did === acme.did ? document : undefined) });
    const { jwt } = await issued();
    expect(codes(await verifyCapabilityCredential(jwt, { resolver, clock: frozenClock() }))).toEqual(['ERR_KID_INVALID']);
  });

  it('rejects an expired credential, and accepts it within the skew', async () => {
    const { jwt } = await issued({ validFor: 'PT1H' });
    const late = new Date(NOW.getTime() + 3600_000 + 61_000);
    expect(codes(await verify(jwt, frozenClock(late)))).toEqual(['ERR_EXPIRED']);
    const justAfter = new Date(NOW.getTime() + 3600_000 + 59_000);
    expect((await verify(jwt, frozenClock(justAfter))).verified).toBe(true);
    expect(codes(await verify(jwt, frozenClock(justAfter), { skewSeconds: 0 }))).toEqual(['ERR_EXPIRED']);
  });

  it('rejects a credential that is not yet valid', async () => {
    const { jwt } = await issued({ validFrom: new Date(NOW.getTime() + 3600_000) });
    expect(codes(await verify(jwt))).toEqual(['ERR_NOT_YET_VALID']);
  });

  it('rejects a wrong typ', async () => {
    const { credential } = await issued();
    const jwt = await signCompactJws(credential as unknown as Record<string, unknown>, acme.signer, { typ: 'JWT' });
    expect(codes(await verify(jwt))).toEqual(['ERR_MALFORMED']);
  });

  it('reports schema violations of a correctly signed credential', async () => {
    const { credential } = await issued();
    const bad = {
      ...credential,
      credentialSubject: { ...credential.credentialSubject, capabilities: [{ action: 'read', resource: 'crm::bad', extra: true }] },
    };
    const jwt = await signCompactJws(bad, acme.signer, { typ: 'vc+jwt' });
    const result = await verify(jwt);
    expect(result.verified).toBe(false);
    expect(new Set(codes(result))).toEqual(new Set(['ERR_SCHEMA']));
    expect(result.errors.length).toBeGreaterThanOrEqual(2);
  });

  it('remembers only schema matches, by payload text: a violation is refused every time, a match validated once', async () => {
    const { jwt, credential } = await issued();
    const bad = { ...credential, credentialSubject: { ...credential.credentialSubject, capabilities: [{ action: 'read', resource: 'crm::bad' }] } };
    const badJwt = await signCompactJws(bad, acme.signer, { typ: 'vc+jwt' });
    const remembered = new Map<string, true>();
    const validSchemas = { get: (k: string) => remembered.get(k), set: (k: string, v: true) => void remembered.set(k, v) };
    const withMemo = (token: string) => verifyCapabilityCredential(token, { resolver: personaResolver(), clock: frozenClock(), validSchemas });
    for (let i = 0; i < 2; i++) {
      expect(new Set(codes(await withMemo(badJwt)))).toEqual(new Set(['ERR_SCHEMA']));
      expect(remembered.size).toBe(0);
    }
    expect((await withMemo(jwt)).verified).toBe(true);
    expect(remembered.size).toBe(1);
    // Remembered by its key and signature, only once validly signed: the same payload under a broken signature fails its signature and takes no room.
    const [h, p, sig] = parts(jwt);
    const forged = `${h}.${p}.${sig.slice(0, -4)}AAAA`;
    expect(codes(await withMemo(forged))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect((await withMemo(jwt)).verified).toBe(true);
    expect(remembered.size).toBe(1);
  });

  it('reports every failed check, not only the first', async () => {
    const { credential } = await issued({ validFor: 'PT1H' });
    const bad = { ...credential, type: ['VerifiableCredential'] };
    const jwt = await signCompactJws(bad, acme.signer, { typ: 'vc+jwt' });
    const late = new Date(NOW.getTime() + 2 * 3600_000);
    expect(new Set(codes(await verify(jwt, frozenClock(late))))).toEqual(new Set(['ERR_EXPIRED', 'ERR_SCHEMA']));
  });

  it('rejects oversized input', async () => {
    const { jwt } = await issued();
    expect(codes(await verify(jwt, frozenClock(), { maxLength: 100 }))).toEqual(['ERR_INPUT_TOO_LARGE']);
    expect(codes(await verify('a'.repeat(70_000)))).toEqual(['ERR_INPUT_TOO_LARGE']);
  });

  it('rejects deeply nested JSON as too large', async () => {
    const deep = '['.repeat(100) + ']'.repeat(100);
    const token = `${b64({ alg: 'EdDSA', typ: 'vc+jwt' })}.${Buffer.from(`{"a":${deep}}`).toString('base64url')}.AA`;
    expect(codes(await verify(token))).toEqual(['ERR_INPUT_TOO_LARGE']);
  });

  it.each([
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['non-base64url header', '***.e30.AA'],
    ['non-JSON payload', `${b64({ alg: 'EdDSA' })}.${Buffer.from('not json').toString('base64url')}.AA`],
    ['array payload', `${b64({ alg: 'EdDSA' })}.${b64([1, 2])}.AA`],
    ['header without alg', `${b64({ typ: 'vc+jwt' })}.${b64({})}.AA`],
    ['non-canonical base64url signature', `${b64({ alg: 'EdDSA' })}.${b64({})}.AB`],
  ])('rejects malformed input: %s', async (_name, token) => {
    expect(codes(await verify(token))).toEqual(['ERR_MALFORMED']);
  });

  it('rejects a credential whose issuer DID cannot be resolved', async () => {
    const stranger = 'did:web:unknown.example';
    const { credential } = await issued();
    const jwt = await signCompactJws({ ...credential, issuer: stranger }, { ...acme.signer, kid: `${stranger}#key-1`, sign: acme.signer.sign }, { typ: 'vc+jwt' });
    expect(codes(await verify(jwt))).toEqual(['ERR_DID_UNRESOLVABLE']);
  });
});

describe('capability credential: issue-time checks', () => {
  it('refuses to sign a credential that violates the schema', async () => {
    await expect(
      issueCapabilityCredential({
        issuer: acme.did,
        signer: acme.signer,
        subject: { ...aliceSubject(), capabilities: [] },
        clock: frozenClock(),
      }),
    ).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
  });

  it("refuses a signer whose key is not the issuer's", async () => {
    await expect(
      issueCapabilityCredential({ issuer: acme.did, signer: mallory.signer, subject: aliceSubject(), clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('refuses an empty validity window and a malformed duration', async () => {
    await expect(
      issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), validUntil: NOW, clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(
      issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), validFor: 'soon', clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
  });

  it('expresses alice as the subject with her owner', async () => {
    const { credential } = await issued();
    expect(credential.credentialSubject.id).toBe(alice.did);
    expect(credential.credentialSubject.owner).toBe(alice.owner);
  });
});
