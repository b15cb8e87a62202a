/**
 * @module lib/password
 *
 * Password hashing with scrypt (RFC 7914), stored self-describing as
 * `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url), so the cost can rise
 * later and old hashes still verify. Verification compares in constant
 * time; {@link DUMMY_PASSWORD_HASH} lets a caller spend the same work on a
 * name that does not exist. Internal.
 */

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from './base64url.js';

/** log2 of scrypt's N: 2^15 with r = 8 takes 32 MiB and tens of milliseconds, OWASP's floor. */
const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
/** Highest cost a stored hash may ask for: a tampered row cannot make one check take minutes. */
const MAX_LOG_N = 20;

function derive(password: string, salt: Uint8Array, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error === null ? resolve(key) : reject(error))));
}

/** A new hash of `password`, with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG_N, R, P);
  return ['scrypt', LOG_N, R, P, encodeBase64url(salt), encodeBase64url(key)].join('$');
}

/** Whether `password` is the one `stored` was made from; false for a malformed or over-costly hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every(Number.isSafeInteger) || logN < 10 || logN > MAX_LOG_N || r < 1 || r > 32 || p < 1 || p > 4) return false;
  const salt = decodeBase64url(parts[4]!);
  const expected = decodeBase64url(parts[5]!);
  if (salt === undefined || expected === undefined) return false;
  const key = await derive(password, salt, logN, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A well-formed hash no password matches (its key is all zero bytes): verifying against it costs what a real one does. */
export const DUMMY_PASSWORD_HASH = `scrypt$${LOG_N}$${R}$${P}$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(43)}`;
