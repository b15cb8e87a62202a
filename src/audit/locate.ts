/**
 * @module audit/locate
 *
 * Naming the first entry that differs from what the checkpoints signed. A
 * checkpoint's full hash proves that something up to its `seq` changed, but
 * not what: an attacker who rewrites entry 5 and recomputes every hash after
 * it leaves a chain that links perfectly. Checkpoints also sign a short
 * digest of each entry's content (without `seq` and `prevHash`, see
 * `entryDigest`), so comparing the stored entries with them finds the first
 * position that differs, and tells apart:
 *
 * - `removed`: the content signed for the next position sits here (the rest
 *   was renumbered down);
 * - `inserted`: the content signed for this position sits at the next one;
 * - `reordered`: the content signed for some other position sits here;
 * - `changed`: anything else; `truncated` when the log ends before it.
 */

import type { AuditReader } from './chain.js';
import { ENTRY_DIGEST_LENGTH, entryDigest, readAuditEntry } from './entry.js';
import { auditRecords } from './read.js';
import type { AuditProblem } from './types.js';

/** A checkpoint whose signature verified, with what it signed. */
export interface SignedCheckpoint {
  seq: number;
  hash: string;
  at: string;
  from?: number | undefined;
  digests?: string | undefined;
}

/** The signed digest of each position in `lo..hi + 1` that some checkpoint covers. */
function signedDigests(checkpoints: Iterable<SignedCheckpoint>, lo: number, hi: number): Map<number, string> {
  const signed = new Map<number, string>();
  for (const { from, digests } of checkpoints) {
    if (from === undefined || digests === undefined) continue;
    const count = digests.length / ENTRY_DIGEST_LENGTH;
    for (let seq = Math.max(from, lo); seq < from + count && seq <= hi + 1; seq++) {
      const i = (seq - from) * ENTRY_DIGEST_LENGTH;
      signed.set(seq, digests.slice(i, i + ENTRY_DIGEST_LENGTH));
    }
  }
  return signed;
}

/**
 * The first position in `lo..hi` whose stored entry is not the one the
 * checkpoints signed a digest for, classified; undefined when every covered
 * position matches (or none is covered: checkpoints from before digests).
 * Reads only entries `lo..hi + 1`.
 */
export async function locateDivergence(store: AuditReader, checkpoints: Iterable<SignedCheckpoint>, lo: number, hi: number): Promise<AuditProblem | undefined> {
  const signed = signedDigests(checkpoints, lo, hi);
  if (signed.size === 0) return undefined;
  const stored = new Map<number, string>();
  const present = new Set<number>();
  let last = lo - 1;
  for await (const record of auditRecords(store, { fromSeq: lo })) {
    if (record.seq > hi + 1) break;
    last = record.seq;
    present.add(record.seq);
    const read = readAuditEntry(record.entry);
    // An unreadable entry has no digest: it matches nothing that was signed.
    if (read !== undefined) stored.set(record.seq, entryDigest(read.entry));
  }
  const positions = [...signed.keys()].filter((seq) => seq <= hi).sort((a, b) => a - b);
  const first = positions.find((seq) => stored.get(seq) !== signed.get(seq));
  if (first === undefined) return undefined;
  const here = stored.get(first);
  const problem = (reason: AuditProblem['reason'], message: string): AuditProblem => ({ seq: first, code: 'ERR_AUDIT_TAMPERED', reason, message });
  if (first > last) return problem('truncated', `the log ends at ${last}, but a checkpoint signed entry ${first}`);
  if (!present.has(first)) return problem('removed', `entry ${first} is missing`);
  const next = stored.get(first + 1);
  if (here !== undefined && here === signed.get(first + 1) && next !== undefined && next === signed.get(first)) {
    return problem('reordered', `entries ${first} and ${first + 1} were swapped`);
  }
  if (here !== undefined && here === signed.get(first + 1)) {
    return problem('removed', `entry ${first} was removed: the entry signed as ${first + 1} now sits at ${first}`);
  }
  if (next !== undefined && next === signed.get(first)) {
    return problem('inserted', `an entry was inserted at ${first}: the entry signed as ${first} now sits at ${first + 1}`);
  }
  if (here !== undefined) {
    for (const [seq, digest] of signed) {
      if (seq !== first && digest === here) return problem('reordered', `entry ${first} holds the content signed for entry ${seq}`);
    }
  }
  return problem('changed', `entry ${first} is not the entry the checkpoint signed: it was rewritten`);
}
