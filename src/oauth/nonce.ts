/**
 * @module oauth/nonce
 *
 * Stateless server nonces (RFC 9449 §8, and the challenge a presentation's
 * `nonce` answers): an expiry, random bytes and a truncated HMAC-SHA256 of
 * both, base64url. Any instance holding the key checks a nonce any other
 * issued, with nothing stored; a nonce stops being accepted at its expiry
 * and when the key rotates. Single use is not the nonce's job: the
 * presentation and the DPoP `jti` are claimed in the replay store.
 */

import { createHash, createHmac, createSecretKey, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../lib/base64url.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Signer } from '../lib/signer.js';

/** What the organization key signs to derive the nonce key (the contract of #15: every instance derives the same key). */
export const NONCE_KEY_LABEL = 'legate oauth nonce v1';

/**
 * The nonce key of an organization: SHA-256 of its key's signature over
 * {@link NONCE_KEY_LABEL}. Ed25519 signatures are deterministic, so every
 * instance holding the key derives the same nonce key, and it rotates with
 * the organization key; the key itself never leaves the signer.
 *
 * @example
 * ```ts
 * const nonces = createNonceIssuer({ key: await nonceKeyOf(orgSigner), lifetimeSeconds: 300 });
 * ```
 */
export async function nonceKeyOf(signer: Signer): Promise<Uint8Array> {
  const signature = await signer.sign(new TextEncoder().encode(NONCE_KEY_LABEL));
  return new Uint8Array(createHash('sha256').update(signature).digest());
}

/** Issues nonces and checks them. */
export interface NonceIssuer {
  /** A fresh nonce, valid for the issuer's lifetime. */
  issue(): string;
  /** `ok`, or why not: `missing` (none given), `stale` (expired), `invalid` (not one of this key's). */
  check(nonce: string | undefined): 'ok' | 'missing' | 'stale' | 'invalid';
}

const EXPIRY_BYTES = 6; // seconds since the epoch, big-endian: enough until the year 8 million
const RANDOM_BYTES = 12;
const MAC_BYTES = 16;
const BODY_BYTES = EXPIRY_BYTES + RANDOM_BYTES;
/** The length of every nonce, in base64url characters. */
const NONCE_LENGTH = Math.ceil(((BODY_BYTES + MAC_BYTES) * 4) / 3);

/**
 * A stateless nonce issuer keyed by `key` (at least 32 bytes).
 * @throws RangeError for a short key or a lifetime that is not a positive integer.
 *
 * @example
 * ```ts
 * const nonces = createNonceIssuer({ key, lifetimeSeconds: 300 });
 * nonces.check(nonces.issue()) // 'ok'
 * ```
 */
export function createNonceIssuer(options: { key: Uint8Array; lifetimeSeconds: number; clock?: Clock | undefined }): NonceIssuer {
  if (!(options.key instanceof Uint8Array) || options.key.length < 32) throw new RangeError('a nonce key is at least 32 bytes');
  const lifetime = options.lifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime <= 0) throw new RangeError('lifetimeSeconds must be a positive integer');
  // Held as a KeyObject: a copy the caller cannot change or read back by accident.
  const key: KeyObject = createSecretKey(Buffer.from(options.key));
  const clock = options.clock ?? systemClock;
  const mac = (body: Uint8Array) => createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES);
  const nowSeconds = () => Math.floor(clock().getTime() / 1000);
  // Randomness drawn a block at a time (one call to the CSPRNG per 256 nonces), each byte used once.
  const pool = Buffer.alloc(RANDOM_BYTES * 256);
  let drawn = pool.length;

  return Object.freeze({
    issue(): string {
      const nonce = Buffer.alloc(BODY_BYTES + MAC_BYTES);
      const body = nonce.subarray(0, BODY_BYTES);
      body.writeUIntBE(nowSeconds() + lifetime, 0, EXPIRY_BYTES);
      if (drawn === pool.length) {
        randomFillSync(pool);
        drawn = 0;
      }
      pool.copy(body, EXPIRY_BYTES, drawn, drawn + RANDOM_BYTES);
      pool.fill(0, drawn, drawn + RANDOM_BYTES);
      drawn += RANDOM_BYTES;
      mac(body).copy(nonce, BODY_BYTES);
      return encodeBase64url(nonce);
    },
    check(nonce: string | undefined): 'ok' | 'missing' | 'stale' | 'invalid' {
      if (nonce === undefined || nonce === '') return 'missing';
      if (typeof nonce !== 'string' || nonce.length !== NONCE_LENGTH) return 'invalid';
      const bytes = decodeBase64url(nonce);
      if (bytes?.length !== BODY_BYTES + MAC_BYTES) return 'invalid';
      const body = bytes.subarray(0, BODY_BYTES);
      if (!timingSafeEqual(mac(body), bytes.subarray(BODY_BYTES))) return 'invalid';
      const expiry = Buffer.from(body.buffer, body.byteOffset, EXPIRY_BYTES).readUIntBE(0, EXPIRY_BYTES);
      return expiry <= nowSeconds() ? 'stale' : 'ok';
    },
  });
}
