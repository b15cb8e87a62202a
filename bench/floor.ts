/**
 * The signature floor: what one Ed25519 verification of a token's signing
 * input costs through node:crypto with an imported, reused public key. No
 * verifier of that token can be faster; ratios against it show overhead.
 */

import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';

export function floor(jwt: string, publicKey: Uint8Array): () => boolean {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return () => {
    if (!verify(null, data, key, signature)) throw new Error('floor: signature does not verify');
    return true;
  };
}

/**
 * The signing floor: one node:crypto Ed25519 signature over a token's
 * signing input with an imported, reused private key (a fresh one: the cost
 * does not depend on the key; imported from 32 random bytes rather than made
 * by generateKeyPair, which src/lib/generate-key.ts says why to avoid).
 */
export function signFloor(jwt: string): () => Buffer {
  const [h, p] = jwt.split('.') as [string, string];
  const data = Buffer.from(`${h}.${p}`);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), randomBytes(32)]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return () => sign(null, data, privateKey);
}
