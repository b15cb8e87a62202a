/**
 * @module lib/same-string
 *
 * Constant-time string equality where a secret or a challenge meets input
 * (nonces, body and action hashes): the comparison takes the same time
 * wherever the strings differ. Strings of different byte lengths compare
 * unequal at once; lengths are not secret here. Internal.
 */

import { timingSafeEqual } from 'node:crypto';

/** Whether `a` and `b` are the same string, compared in constant time over their UTF-8 bytes. */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
