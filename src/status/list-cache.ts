/**
 * @module status/list-cache
 *
 * How the status checker keeps verified lists in the shared list cache
 * (`lib/list-cache`): a list is fresh for the smaller of its `ttl` (W3C
 * Bitstring Status List v1.0 §2.2, default five minutes) and the response's
 * `Cache-Control: max-age`, never past its `validUntil`. Large lists are kept
 * compressed and inflated again at each use, bounding memory to entries ×
 * max(`maxListBytes`, response). Internal to `status/`.
 */

import type { Lifetime } from '../lib/list-cache.js';
import { decodeList, type DecodeListLimits } from './bitstring.js';
import { DEFAULT_STATUS_TTL_MS, type StatusList } from './list-credential.js';

/** A verified list; `encodedList` is set only while the decoded bits are not kept. */
export interface AcceptedList {
  list: StatusList;
  encodedList: string | undefined;
}

/** The `lifetime`, `keep` and `restore` of the shared cache for status lists. */
export function statusListKeeping(maxListBytes: number, limits: DecodeListLimits) {
  return {
    defaultTtlMs: DEFAULT_STATUS_TTL_MS,
    lifetime: ({ list }: AcceptedList): Lifetime => ({ ttlMs: list.ttlMs ?? DEFAULT_STATUS_TTL_MS, validUntil: list.validUntil }),
    keep: ({ list, encodedList }: AcceptedList): AcceptedList =>
      list.bits.length <= maxListBytes || encodedList === undefined
        ? { list, encodedList: undefined }
        : { list: { ...list, bits: new Uint8Array(0) }, encodedList },
    // It decoded within these limits before; decoding is deterministic.
    restore: (kept: AcceptedList): AcceptedList =>
      kept.encodedList === undefined ? kept : { list: { ...kept.list, bits: decodeList(kept.encodedList, limits) }, encodedList: kept.encodedList },
  };
}
