// The decodings a SignatureMemo keeps (#19 item 2): acme's credential for alice, verified twice with one memo, is
// decoded once; every check after decoding still runs on the second verification (expiry, key lookup, status,
// the length bound). mallory's forgery is never kept, and the memo stays within its bounds.
import type { DIDDocument } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { legateError } from '../../src/errors/index.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { decodeRemembered, SignatureMemo } from '../../src/lib/signature-memo.js';
import { verifySessionToken } from '../../src/session/verify.js';
import { issueSessionToken } from '../../src/session/issue.js';
import { acme, alice, aliceSubject, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

const codes = (result: { errors: { code: string }[] }) => result.errors.map((e) => e.code);
const issued = () => issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), validFor: 'P30D', clock: frozenClock() });
const later = frozenClock(new Date(NOW.getTime() + 31 * 86_400_000));

/** A resolver that knows acme without any key. */
const keyless = () => {
  const document: DIDDocument = { ...acme.document, verificationMethod: [], assertionMethod: [] };
  return createDidResolver({ local: (did) => Promise.resolve(did === acme.did ? document : undefined), fetch: () => Promise.resolve(new Response('', { status: 404 })) });
};

describe('SignatureMemo: decodings of validly signed tokens', () => {
  it('keeps the decoding of a verified credential and uses it again, frozen, with every later check still made', async () => {
    const memo = new SignatureMemo();
    const { jwt } = await issued();
    const first = await verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock: frozenClock(), signatureMemo: memo });
    expect(codes(first)).toEqual([]);
    expect(memo.decodedSize).toEqual({ entries: 1, chars: jwt.length });
    const kept = memo.decoded(jwt)!;
    expect(Object.isFrozen(kept.payload)).toBe(true);
    expect(Object.isFrozen(kept.payload.credentialSubject)).toBe(true);
    expect(() => {
      (kept.payload as { id: string }).id = 'urn:uuid:changed';
    }).toThrow(TypeError);

    const again = await verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock: frozenClock(), signatureMemo: memo });
    expect(codes(again)).toEqual([]);
    expect(again.credential).toBe(kept.payload);
    // Decoded once, checked every time: past its validUntil, with acme's key gone, revoked, or over the length bound.
    expect(codes(await verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock: later, signatureMemo: memo }))).toEqual(['ERR_EXPIRED']);
    expect(codes(await verifyCapabilityCredential(jwt, { resolver: keyless(), clock: frozenClock(), signatureMemo: memo }))).toEqual(['ERR_KID_INVALID']);
    const revoked = () => Promise.resolve([legateError('ERR_REVOKED', 'revoked', { claim: 'credentialStatus' })]);
    expect(codes(await verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock: frozenClock(), signatureMemo: memo, status: revoked }))).toEqual(['ERR_REVOKED']);
    expect(codes(await verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock: frozenClock(), signatureMemo: memo, maxLength: jwt.length - 1 }))).toEqual(['ERR_INPUT_TOO_LARGE']);
    expect(() => decodeRemembered(jwt, jwt.length - 1, memo)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }));
    expect(memo.decodedSize.entries).toBe(1);
  });

  it('never keeps a token whose signature fails, nor one whose key is unknown', async () => {
    const memo = new SignatureMemo();
    const { jwt } = await issued();
    const [h, p] = jwt.split('.');
    const forged = `${h}.${p}.${Buffer.from(await mallory.signer.sign(new TextEncoder().encode(`${h}.${p}`))).toString('base64url')}`;
    expect(codes(await verifyCapabilityCredential(forged, { resolver: personaResolver(), clock: frozenClock(), signatureMemo: memo }))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(codes(await verifyCapabilityCredential(jwt, { resolver: keyless(), clock: frozenClock(), signatureMemo: memo }))).toEqual(['ERR_KID_INVALID']);
    expect(memo.decodedSize).toEqual({ entries: 0, chars: 0 });
    expect(memo.decoded(forged)).toBeUndefined();
  });

  it('keeps session tokens it verified, and checks them again each time', async () => {
    const memo = new SignatureMemo();
    const { token } = await issueSessionToken({
      signer: acme.signer,
      subject: alice.did,
      audience: acme.did,
      owner: alice.owner,
      holderKey: { kid: alice.signer.kid, publicKey: alice.signer.publicKey },
      capabilities: [{ action: 'read', resource: 'crm:customer_records', credential: 'urn:uuid:6f1c2a1e-0000-4000-8000-000000000001' }],
      lifetimeSeconds: 600,
      clock: frozenClock(),
    });
    const options = { resolver: personaResolver(), audience: acme.did, clock: frozenClock(), signatureMemo: memo };
    expect(codes(await verifySessionToken(token, options))).toEqual([]);
    expect(memo.decodedSize.entries).toBe(1);
    expect(codes(await verifySessionToken(token, options))).toEqual([]);
    expect(codes(await verifySessionToken(token, { ...options, clock: later }))).toEqual(['ERR_EXPIRED']);
    expect(codes(await verifySessionToken(token, { ...options, audience: alice.did, issuers: [acme.did] }))).toEqual(['ERR_AUDIENCE']);
  });

  it('stays within its bounds: characters in all and entries, the least recently used dropped first', () => {
    const token = (n: number) => `${'a'.repeat(96)}.${String(n).padStart(3, '0')}`;
    const decoded = () => decodeCompactJws('eyJhbGciOiJFZERTQSJ9.eyJuIjoxfQ.AA');
    const memo = new SignatureMemo(3, 300);
    for (const n of [1, 2]) memo.keepDecoded(token(n), decoded());
    memo.decoded(token(1)); // token 1 used again: token 2 is now the least recently used
    memo.keepDecoded(token(3), decoded());
    expect(memo.decodedSize).toEqual({ entries: 3, chars: 300 });
    memo.keepDecoded(token(4), decoded());
    expect([1, 2, 3, 4].map((n) => memo.decoded(token(n)) !== undefined)).toEqual([true, false, true, true]);
    expect(memo.decodedSize.chars).toBeLessThanOrEqual(300);
    memo.keepDecoded('x'.repeat(301), decoded());
    expect(memo.decoded('x'.repeat(301))).toBeUndefined();
    const few = new SignatureMemo(2);
    for (const n of [1, 2, 3]) few.keepDecoded(token(n), decoded());
    expect(few.decodedSize.entries).toBe(2);
    expect(() => new SignatureMemo(1, -1)).toThrow(RangeError);
  });
});
