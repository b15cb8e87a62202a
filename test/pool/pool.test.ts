// The verifier pool runs from dist/ (workers load compiled JavaScript), so it is imported as users would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifierPool, type VerifierPool } from 'legate/pool';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { mallory } from '../fixtures.js';

describe('verifier pool', () => {
  let pool: VerifierPool;
  const tokens: string[] = [];
  beforeAll(async () => {
    pool = createVerifierPool({ size: 2, batchSize: 8 });
    const issuer = generateEphemeralSigner();
    for (let i = 0; i < 40; i++) {
      const { jwt } = await issueCapabilityCredential({
        issuer: issuer.did,
        signer: issuer,
        subject: { id: issuer.did, owner: 'mailto:carol@acme.example', capabilities: [{ action: 'call', resource: `billing:refund:${i}` }] },
      });
      tokens.push(jwt);
    }
  });
  afterAll(() => pool.close());

  it('gives the same results as verifying on this thread, in order', async () => {
    const results = await pool.verifyBatch(tokens);
    expect(results).toHaveLength(40);
    expect(results.every((r) => r.verified)).toBe(true);
    expect(results.map((r) => r.credential?.credentialSubject.capabilities[0]?.resource)).toEqual(tokens.map((_, i) => `billing:refund:${i}`));
  });

  it('batches single calls and keeps every failed check with its code', async () => {
    const [h, p, s] = tokens[0]!.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -4)}AAAA`;
    const forged = `${h}.${p}.${Buffer.from(await mallory.signer.sign(Buffer.from(`${h}.${p}`))).toString('base64url')}`;
    const [good, bad, worse, garbage] = await Promise.all([pool.verify(tokens[1]!), pool.verify(tampered), pool.verify(forged), pool.verify('x.y')]);
    const local = await verifyCapabilityCredential(tampered, { resolver: createDidResolver() });
    expect(good.verified).toBe(true);
    expect(bad.errors.map((e) => e.code)).toEqual(local.errors.map((e) => e.code));
    expect(worse.errors.map((e) => e.code)).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(garbage.errors[0]).toMatchObject({ code: 'ERR_MALFORMED' });
    expect(garbage.errors[0]).toBeInstanceOf(Error);
  });

  it('refuses bad sizes and work after close', async () => {
    expect(() => createVerifierPool({ size: 0 })).toThrow(RangeError);
    const small = createVerifierPool({ size: 1 });
    await small.close();
    await expect(small.verifyBatch(tokens.slice(0, 2))).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });
});
