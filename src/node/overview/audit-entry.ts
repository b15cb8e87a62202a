/**
 * @module node/overview/audit-entry
 *
 * One audit entry for the console, and whether its chain holds together up
 * to it: every entry from the chain's first to this one is re-read,
 * re-hashed and linked to the one before (the link check of
 * `audit/verify`, without the checkpoint signatures, which `legate audit
 * verify` checks over the whole log). Bounded: chains longer than
 * {@link MAX_ENTRIES_CHECKED} before the entry are not walked here.
 *
 * The signed action an entry may hold is a token and is never returned:
 * only whether there is one.
 */

import { readAuditEntry } from '../../audit/entry.js';
import { GENESIS_HASH, type AuditEntry } from '../../audit/types.js';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';

export const MAX_ENTRIES_CHECKED = 50_000;
const PAGE = 500;

export interface ChainCheck {
  /** False when the chain before the entry is longer than {@link MAX_ENTRIES_CHECKED}. */
  checked: boolean;
  /** Every entry up to this one hashes to its recorded hash and links to the one before. */
  ok: boolean;
  /** The first entry that does not, and why. */
  problem?: { seq: number; message: string };
}

export interface AuditEntryOverview {
  chain: string;
  seq: number;
  hash: string;
  /** The entry, without its signed action. */
  entry: Omit<AuditEntry, 'signedAction'>;
  hasSignedAction: boolean;
  check: ChainCheck;
}

async function checkChain(ctx: NodeContext, chain: string, seq: number): Promise<ChainCheck> {
  if (seq > MAX_ENTRIES_CHECKED) return { checked: false, ok: false };
  let prev = GENESIS_HASH;
  let expected = 1;
  while (expected <= seq) {
    const page = await ctx.store.listAuditEntries({ chain, fromSeq: expected, toSeq: Math.min(seq, expected + PAGE - 1), limit: PAGE });
    if (page.length === 0) return { checked: true, ok: false, problem: { seq: expected, message: `entry ${expected} is missing` } };
    for (const record of page) {
      if (record.seq !== expected) return { checked: true, ok: false, problem: { seq: expected, message: `entry ${expected} is missing` } };
      const read = readAuditEntry(record.entry);
      if (read === undefined || read.hash !== record.hash || read.entry.seq !== record.seq) {
        return { checked: true, ok: false, problem: { seq: expected, message: `entry ${expected} does not match its hash` } };
      }
      if (read.entry.prevHash !== prev) return { checked: true, ok: false, problem: { seq: expected, message: `entry ${expected} does not link to entry ${expected - 1}` } };
      prev = record.hash;
      expected++;
    }
  }
  return { checked: true, ok: true };
}

/**
 * Entry `seq` of audit chain `chain`, and the link check up to it.
 * @throws LegateError `ERR_NOT_FOUND` when there is no such entry;
 *   `ERR_AUDIT_TAMPERED` when its stored text is not an entry.
 */
export async function auditEntryOverview(ctx: NodeContext, chain: string, seq: number): Promise<AuditEntryOverview> {
  if (!Number.isSafeInteger(seq) || seq < 1) throw legateError('ERR_INVALID_ARGUMENT', 'seq must be a positive integer', { claim: 'seq' });
  const [record] = await ctx.store.listAuditEntries({ chain, fromSeq: seq, toSeq: seq, limit: 1 });
  if (record === undefined || record.seq !== seq) throw legateError('ERR_NOT_FOUND', 'no such audit entry', { claim: 'seq' });
  const read = readAuditEntry(record.entry);
  if (read === undefined) throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${seq} is not a well-formed entry; run \`legate audit verify\``, { claim: 'seq', reason: 'changed' });
  const { signedAction, ...entry } = read.entry;
  return { chain, seq, hash: record.hash, entry, hasSignedAction: signedAction !== undefined, check: await checkChain(ctx, chain, seq) };
}
