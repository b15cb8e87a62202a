/**
 * @module lib/totp
 *
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1,
 * 6 digits, 30-second steps, as every authenticator app speaks by default.
 * A code is checked against the current step and `skew` steps either side,
 * in constant time, and the step it matched is returned so the caller can
 * refuse it a second time. Internal.
 */

import { createHmac, randomBytes } from 'node:crypto';
import { sameString } from './same-string.js';

/** Seconds per step. */
export const TOTP_PERIOD = 30;
/** Digits per code. */
export const TOTP_DIGITS = 6;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as otpauth:// URIs carry secrets. */
export function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A new 160-bit secret (RFC 4226's recommended length). */
export const newTotpSecret = (): Uint8Array => new Uint8Array(randomBytes(20));

/** The code of `step` (RFC 4226 dynamic truncation), `digits` long (6 or 8). */
export function totpCode(secret: Uint8Array, step: number, digits = TOTP_DIGITS, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** The step `epochMs` falls in. */
export const totpStep = (epochMs: number): number => Math.floor(epochMs / 1000 / TOTP_PERIOD);

/**
 * The step whose code `code` is, within `skew` steps of `epochMs`, or
 * undefined. Every candidate is compared (constant time), so timing does not
 * say which step matched.
 */
export function matchTotp(secret: Uint8Array, code: string, epochMs: number, skew = 1): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const now = totpStep(epochMs);
  let matched: number | undefined;
  for (let step = now - skew; step <= now + skew; step++) {
    if (sameString(totpCode(secret, step), code) && matched === undefined) matched = step;
  }
  return matched;
}

/** The `otpauth://` URI an authenticator app scans (as a QR code) or takes typed in. */
export function otpauthUri(issuer: string, account: string, secret: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({ secret: base32(secret), issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD) });
  return `otpauth://totp/${label}?${query.toString()}`;
}
