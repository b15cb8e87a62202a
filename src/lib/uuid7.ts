/**
 * @module lib/uuid7
 *
 * Time-ordered UUIDs (version 7, RFC 9562 §5.7): 48 bits of Unix time in
 * milliseconds, then 74 random bits. Keys made of them land at the end of a
 * B-tree index instead of anywhere in it, so a batch of inserts writes a few
 * pages instead of one page per row. For ids whose time is no secret (a
 * credential's id: the credential states when it was issued). Internal.
 */

import { randomUUID } from 'node:crypto';

/** A version 7 UUID for `ms` (Unix time in milliseconds, 0 to 2^48 − 1), as `urn:uuid:…`. */
export function uuidV7Urn(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError('ms must be an integer from 0 to 2^48 - 1');
  // A version 4 UUID's last 74 random bits (with its variant, the same) after the time and version 7: node:crypto
  // draws them from its buffered pool, several times faster than a draw of our own per id.
  const time = ms.toString(16).padStart(12, '0');
  return `urn:uuid:${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}
