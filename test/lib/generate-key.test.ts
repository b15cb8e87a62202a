/**
 * Fresh keys (src/lib/generate-key, lib/ed25519): usable, consistent, and
 * never the deadlock a key straight from generateKeyPair* can cause on
 * Node 20 when its JWK export runs the garbage collector.
 */

import { execFile } from 'node:child_process';
import { createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEd25519, privateKeyObject, publicKeyOf, signEd25519, verifyEd25519 } from '../../src/lib/ed25519.js';
import { generateKeyDer, generateKeyObjects, type KeyKind } from '../../src/lib/generate-key.js';

const DIST = new URL('../../dist/', import.meta.url).href;

describe('generate-key', () => {
  it.each<[string, KeyKind, string | null]>([
    ['Ed25519', { type: 'ed25519' }, null],
    ['P-256', { type: 'ec', namedCurve: 'P-256' }, 'sha256'],
    ['P-384', { type: 'ec', namedCurve: 'P-384' }, 'sha384'],
    ['RSA', { type: 'rsa', modulusLength: 1024 }, 'sha256'],
  ])('makes a %s pair whose halves belong together and export as JWKs', (_name, kind, hash) => {
    const { privateKey, publicKey } = generateKeyObjects(kind);
    const data = Buffer.from('alice');
    expect(verify(hash, data, publicKey, sign(hash, data, privateKey))).toBe(true);
    expect(typeof privateKey.export({ format: 'jwk' }).d).toBe('string');
    const publicJwk = publicKey.export({ format: 'jwk' });
    expect(createPublicKey(privateKey).export({ format: 'jwk' })).toEqual(publicJwk);
    // Another pair is another key.
    expect(generateKeyObjects(kind).publicKey.export({ format: 'jwk' })).not.toEqual(publicJwk);
  });

  it('gives DER whose private half is the caller to zero, and whose halves match', () => {
    const { pkcs8, spki } = generateKeyDer({ type: 'ed25519' });
    expect(pkcs8).toHaveLength(48);
    expect(spki).toHaveLength(44);
    expect(Buffer.from(publicKeyOf(new Uint8Array(pkcs8.subarray(16))))).toEqual(spki.subarray(12));
  });

  it('makes Ed25519 raw keys that sign and verify, and whose public key is derived again from the secret', () => {
    const { secretKey, publicKey } = generateEd25519();
    expect(secretKey).toHaveLength(32);
    expect(publicKey).toHaveLength(32);
    expect(publicKeyOf(secretKey)).toEqual(publicKey);
    const data = new TextEncoder().encode('bob');
    expect(verifyEd25519(publicKey, data, signEd25519(privateKeyObject(secretKey, publicKey), data))).toBe(true);
    expect(generateEd25519().publicKey).not.toEqual(publicKey);
  });

  it('survives rounds of generating and exporting JWKs under a tiny young generation (keys straight from generateKeyPairSync hung within ~1,000-11,000)', async () => {
    const script = `
      import { generateKeyObjects } from '${DIST}lib/generate-key.js';
      import { generateEd25519 } from '${DIST}lib/ed25519.js';
      const keep = [];
      for (let i = 0; i < 12000; i++) {
        const { privateKey, publicKey } = generateKeyObjects({ type: 'ed25519' });
        keep.push(privateKey.export({ format: 'jwk' }).d + publicKey.export({ format: 'jwk' }).x + generateEd25519().publicKey[0]);
        if (keep.length > 500) keep.length = 0;
      }
      process.stdout.write('done');`;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', script], { timeout: 180_000 }, (_error, out) => resolve({ code: child.exitCode, stdout: out }));
    });
    expect([code, stdout]).toEqual([0, 'done']);
  }, 200_000);
});
