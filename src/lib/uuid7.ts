/**
 * @module lib/uuid7
 *
 * Time-ordered UUIDs (version 7, RFC 9562 §5.7): 48 bits of Unix time in
 * milliseconds, then 74 random bits. Keys made of them land at the end of a
 * B-tree index instead of anywhere in it, so a batch of inserts writes a few
 * pages instead of one page per row. For ids whose time is no secret (a
 * credential's id: the credential states when it was issued). Internal.
 */

import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version 7 UUID for `ms` (Unix time in milliseconds, 0 to 2^48 − 1), as `urn:uuid:…`. */
export function uuidV7Urn(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError('ms must be an integer from 0 to 2^48 - 1');
  const b = randomFillSync(new Uint8Array(16));
  // 48-bit big-endian timestamp (split: bitwise operators work on 32 bits).
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  b[0] = high >>> 8;
  b[1] = high & 0xff;
  b[2] = low >>> 24;
  b[3] = (low >>> 16) & 0xff;
  b[4] = (low >>> 8) & 0xff;
  b[5] = low & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const h = (i: number) => HEX[b[i]!]!;
  return `urn:uuid:${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
