// TOTP (RFC 6238) against the RFC's own Appendix B vectors, then the window the console accepts: the current
// step and one either side, nothing further, and only six-digit codes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { base32, matchTotp, otpauthUri, totpCode, totpStep } from '../../src/lib/totp.js';

interface Vectors {
  seed: string;
  digits: number;
  vectors: { time: number; step: string; totp: string }[];
}
const RFC = JSON.parse(readFileSync(new URL('../vectors/rfc6238-totp.json', import.meta.url), 'utf8')) as Vectors;
const SEED = new TextEncoder().encode(RFC.seed);

describe('RFC 6238 Appendix B (SHA-1)', () => {
  it.each(RFC.vectors)('at $time s the code is $totp', ({ time, step, totp }) => {
    expect(totpStep(time * 1000)).toBe(Number.parseInt(step, 16));
    expect(totpCode(SEED, totpStep(time * 1000), RFC.digits)).toBe(totp);
  });
});

describe('matchTotp', () => {
  const at = 1_111_111_111_000;
  const now = totpStep(at);
  const code = (step: number) => totpCode(SEED, step);

  it('accepts the current step and one either side, and says which', () => {
    expect(matchTotp(SEED, code(now), at)).toBe(now);
    expect(matchTotp(SEED, code(now - 1), at)).toBe(now - 1);
    expect(matchTotp(SEED, code(now + 1), at)).toBe(now + 1);
  });

  it('refuses codes two steps away, malformed codes and another secret', () => {
    expect(matchTotp(SEED, code(now - 2), at)).toBeUndefined();
    expect(matchTotp(SEED, code(now + 2), at)).toBeUndefined();
    expect(matchTotp(SEED, '12345', at)).toBeUndefined();
    expect(matchTotp(SEED, ' 123456', at)).toBeUndefined();
    expect(matchTotp(new Uint8Array(20).fill(7), code(now), at)).toBeUndefined();
  });
});

describe('otpauth URIs', () => {
  it('carries the secret in RFC 4648 base32 and the parameters apps expect', () => {
    expect(base32(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI');
    const uri = new URL(otpauthUri('Legate acme.example', 'dana', SEED));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});
