// Strict base64url decoding: the fast canonicality check (the last
// character's unused bits) must accept exactly the strings that re-encode to
// themselves, which is how the check was first written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from '../../src/lib/base64url.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64urlChars = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 40 });

/** The reference: Node's lenient decoder, then a round trip. */
function reference(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined;
}

describe('decodeBase64url', () => {
  it('accepts exactly the canonical encodings', () => {
    fc.assert(
      fc.property(base64urlChars, (text) => {
        const expected = reference(text);
        const actual = decodeBase64url(text);
        expect(actual === undefined).toBe(expected === undefined);
        if (expected !== undefined) expect(new Uint8Array(actual!)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(new Uint8Array(decodeBase64url(encodeBase64url(bytes))!)).toEqual(bytes);
      }),
    );
  });

  it('refuses stray low bits, padding and characters outside the alphabet', () => {
    expect(decodeBase64url('AA')).toEqual(new Uint8Array([0]));
    expect(decodeBase64url('AB')).toBeUndefined(); // 4 unused bits set
    expect(decodeBase64url('AAA')).toEqual(new Uint8Array([0, 0]));
    expect(decodeBase64url('AAB')).toBeUndefined(); // 2 unused bits set
    expect(decodeBase64url('AA==')).toBeUndefined();
    expect(decodeBase64url('A+/A')).toBeUndefined();
    expect(decodeBase64url('A')).toBeUndefined();
  });
});
