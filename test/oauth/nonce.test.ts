import { describe, expect, it } from 'vitest';
import { createNonceIssuer, nonceKeyOf } from '../../src/oauth/nonce.js';
import { NOW, acme, alice } from '../fixtures.js';

describe('stateless nonces', () => {
  const key = new Uint8Array(32).fill(42);
  let now = NOW.getTime();
  const clock = () => new Date(now);
  const nonces = createNonceIssuer({ key, lifetimeSeconds: 300, clock });

  it('checks a nonce it issued, each one different', () => {
    now = NOW.getTime();
    const a = nonces.issue();
    const b = nonces.issue();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(nonces.check(a)).toBe('ok');
    // Another instance with the same key agrees: nothing is stored.
    expect(createNonceIssuer({ key: key.slice(), lifetimeSeconds: 300, clock }).check(a)).toBe('ok');
  });

  it('draws fresh randomness for every nonce, across refills of its random block', () => {
    now = NOW.getTime();
    const issued = Array.from({ length: 600 }, () => nonces.issue());
    expect(new Set(issued).size).toBe(600);
    // Same expiry second, so the random part alone tells them apart.
    expect(new Set(issued.map((n) => Buffer.from(n, 'base64url').subarray(6, 18).toString('hex'))).size).toBe(600);
    expect(issued.every((n) => nonces.check(n) === 'ok')).toBe(true);
  });

  it('is stale after its lifetime (injected clock)', () => {
    now = NOW.getTime();
    const nonce = nonces.issue();
    now += 299_000;
    expect(nonces.check(nonce)).toBe('ok');
    now += 1_000;
    expect(nonces.check(nonce)).toBe('stale');
  });

  it('is invalid when tampered with, or issued under another key', () => {
    now = NOW.getTime();
    const nonce = nonces.issue();
    for (let i = 0; i < nonce.length; i += 7) {
      const c = nonce[i] === 'A' ? 'B' : 'A';
      expect(nonces.check(`${nonce.slice(0, i)}${c}${nonce.slice(i + 1)}`)).toBe('invalid');
    }
    const other = createNonceIssuer({ key: new Uint8Array(32).fill(43), lifetimeSeconds: 300, clock });
    expect(nonces.check(other.issue())).toBe('invalid');
    expect(other.check(nonce)).toBe('invalid');
    // A forged expiry (far future) breaks the MAC.
    const bytes = Buffer.from(nonce, 'base64url');
    bytes[0] = 0xff;
    expect(nonces.check(bytes.toString('base64url'))).toBe('invalid');
  });

  it('says missing for none, invalid for garbage', () => {
    expect(nonces.check(undefined)).toBe('missing');
    expect(nonces.check('')).toBe('missing');
    for (const garbage of ['x', 'not base64url!', 'A'.repeat(46), 'A'.repeat(500)]) expect(nonces.check(garbage)).toBe('invalid');
  });

  it('refuses a short key and a bad lifetime', () => {
    expect(() => createNonceIssuer({ key: new Uint8Array(31), lifetimeSeconds: 60 })).toThrow(RangeError);
    expect(() => createNonceIssuer({ key, lifetimeSeconds: 0 })).toThrow(RangeError);
    expect(() => createNonceIssuer({ key, lifetimeSeconds: 1.5 })).toThrow(RangeError);
  });

  it('holds its own copy of the key', () => {
    now = NOW.getTime();
    const mutable = new Uint8Array(32).fill(9);
    const issuer = createNonceIssuer({ key: mutable, lifetimeSeconds: 60, clock });
    const nonce = issuer.issue();
    mutable.fill(0);
    expect(issuer.check(nonce)).toBe('ok');
  });

  it("derives the organization's nonce key deterministically from its signer, distinct per key", async () => {
    const key = await nonceKeyOf(acme.signer);
    expect(key).toHaveLength(32);
    expect(await nonceKeyOf(acme.signer)).toEqual(key);
    expect(await nonceKeyOf(alice.signer)).not.toEqual(key);
    const a = createNonceIssuer({ key, lifetimeSeconds: 60, clock });
    const b = createNonceIssuer({ key: await nonceKeyOf(acme.signer), lifetimeSeconds: 60, clock });
    expect(b.check(a.issue())).toBe('ok');
  });
});
