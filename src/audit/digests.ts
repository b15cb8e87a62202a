/**
 * @module audit/digests
 *
 * The digests a checkpoint signs for a stretch of one chain: from what the
 * log remembers of the entries it appended (their seqs and stored hashes
 * read, no text), or else read back and checked entry by entry.
 */

import { legateError } from '../errors/index.js';
import type { Store } from '../store/types.js';
import { chainReader } from './chain.js';
import { entryDigest, readAuditEntry } from './entry.js';
import type { AuditMemo } from './types.js';

/**
 * The digests of entries `from..to` of `chain`, refusing to sign any entry
 * that does not match its hash. An entry this log appended itself, whose
 * stored hash is still the one it wrote, is signed from `memo` without
 * reading its text back (AuditMemo.digests): what is signed is what was
 * written, and a text changed since is found by verification at that entry.
 */
export async function digestsOf(store: Store, chain: string, from: number, to: number, memo: AuditMemo | undefined): Promise<string> {
  const remembered = memo?.digests;
  if (remembered !== undefined) {
    // Every entry of the stretch remembered, with the hash it still has: no text read. Else the whole stretch is read.
    let known = '';
    let expected = from;
    for (const { seq, hash } of await store.listAuditHashes(chain, from, to)) {
      const digest = seq === expected ? remembered.recall(chain, seq, hash) : undefined;
      if (digest === undefined) break;
      known += digest;
      expected++;
    }
    if (expected === to + 1) return known;
  }
  let digests = '';
  let expected = from;
  for (const record of await chainReader(store, chain).listAuditEntries({ fromSeq: from, toSeq: to })) {
    const known = record.seq === expected ? memo?.digests?.recall(chain, record.seq, record.hash) : undefined;
    if (known !== undefined) {
      digests += known;
      expected++;
      continue;
    }
    const read = readAuditEntry(record.entry);
    if (record.seq !== expected || read === undefined || read.hash !== record.hash || read.entry.seq !== record.seq) {
      throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${expected} of chain ${chain.slice(0, 100)} is missing or does not match its hash; run \`legate audit verify\``, {
        claim: 'seq',
        reason: 'changed',
      });
    }
    digests += entryDigest(read.entry);
    expected++;
  }
  return digests;
}
