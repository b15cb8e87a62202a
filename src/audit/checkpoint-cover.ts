/**
 * @module audit/checkpoint-cover
 *
 * What the next checkpoint covers (`audit/checkpoint`): which chains it
 * lists, how far along each, and the digests it signs for what is new.
 *
 * A checkpoint signs the digests of at most {@link MAX_CHECKPOINT_DIGESTS}
 * new entries. When more are new (a busy fleet between two runs of the
 * checkpoint job, a backlog after an upgrade), it does not sign the chains'
 * heads with most entries left without a digest: it signs, for each chain,
 * the last entry of its share of the digests ({@link reaches}), and the next
 * checkpoint goes on from there. Every entry thus gets a signed digest, and
 * verification can name the first entry rewritten anywhere in the log; a
 * checkpoint's head need not be its chain's last entry, only an entry whose
 * hash it signs (which is all verification ever assumed).
 */

import { legateError } from '../errors/index.js';
import type { AuditCheckpointRecord, AuditEntryRecord, Store } from '../store/types.js';
import { AUDIT_CHAIN_SETTING, chainReader, LEGACY_AUDIT_CHAIN } from './chain.js';
import { digestsOf } from './digests.js';
import { readAuditEntry } from './entry.js';
import { BEFORE_CHAINS, coverageOf, MAX_CHECKPOINT_CHAINS, MAX_CHECKPOINT_DIGESTS, type ChainHead } from './heads.js';
import type { AuditEntry, AuditMemo } from './types.js';

/** What the previous checkpoint covered, per chain, and how many of its entries belong to chains it no longer listed. */
export interface Coverage {
  covered: ReturnType<typeof coverageOf>;
  /** The `seq` of the previous checkpoint; undefined when there is none. */
  seq: number | undefined;
  /** Entries of chains dropped before the previous checkpoint (its `seq` less the heads it lists). */
  dropped: number;
  /** Whether the previous checkpoint lists heads (`chains`); one from before chains lists none. */
  withChains: boolean;
}

/** The `afterCheckpoint` a `chain-open` (copied into its `chain-close`) records: the last checkpoint when the chain opened. */
function openedAfter(details: Record<string, unknown> | undefined): number | undefined {
  const after = details?.afterCheckpoint;
  return typeof after === 'number' && Number.isSafeInteger(after) ? after : undefined;
}

/**
 * Whether a closed chain the previous checkpoint does not list was dropped
 * (signed closed by an earlier checkpoint) rather than opened and closed
 * since: a chain opens under the checkpoints' lock, noting the last
 * checkpoint (`audit/append`), so a chain opened before the previous
 * checkpoint was seen by it and by every one after; not listed there, it was
 * dropped. When unsure it is listed again, which verification accepts.
 */
function droppedEarlier(head: AuditEntry, previous: Coverage): boolean {
  if (previous.seq === undefined || !previous.withChains || previous.covered.has(head.chainId ?? '')) return false;
  const after = openedAfter(head.details);
  return after === undefined || after < previous.seq;
}

/** A chain head chosen for the next checkpoint. */
export interface Chosen {
  head: AuditEntryRecord;
  state: ChainHead['state'];
  /** Its entry read back, or undefined when unreadable (refused when signing). */
  read: ReturnType<typeof readAuditEntry>;
}

/** What `previous` covers (a checkpoint from before chains: the store's own chain). */
export async function coverageBefore(tx: Store, previous: AuditCheckpointRecord | undefined): Promise<Coverage> {
  if (previous === undefined) return { covered: new Map(), seq: undefined, dropped: 0, withChains: false };
  const covered = coverageOf(previous.token);
  const before = covered.get(BEFORE_CHAINS);
  if (before !== undefined) {
    covered.set((await tx.getSetting(AUDIT_CHAIN_SETTING)) ?? LEGACY_AUDIT_CHAIN, before);
    covered.delete(BEFORE_CHAINS);
    return { covered, seq: previous.seq, dropped: 0, withChains: false };
  }
  const listed = [...covered.values()].reduce((sum, head) => sum + head.seq, 0);
  return { covered, seq: previous.seq, dropped: Math.max(0, previous.seq - listed), withChains: true };
}

/**
 * The heads the next checkpoint lists: every open chain, and every closed
 * chain until one checkpoint has signed it closed (then it is dropped:
 * closed chains never change again, and the list stays within
 * {@link MAX_CHECKPOINT_CHAINS} of chains open or newly closed); and the
 * entries of chains dropped, which its `seq` counts too.
 */
export function chooseHeads(heads: readonly AuditEntryRecord[], previous: Coverage): { listed: Chosen[]; dropped: number } {
  const listed: Chosen[] = [];
  let dropped = previous.dropped;
  for (const head of heads) {
    const read = readAuditEntry(head.entry);
    const state = read?.entry.type === 'chain-close' ? 'closed' : 'open';
    const before = previous.covered.get(head.chain);
    if (state === 'closed' && before?.state === 'closed' && before.seq === head.seq) {
      dropped += head.seq;
      continue;
    }
    if (state === 'closed' && read !== undefined && droppedEarlier({ ...read.entry, chainId: head.chain }, previous)) continue;
    listed.push({ head, state, read });
  }
  return { listed, dropped };
}

/**
 * How far the next checkpoint reaches along each listed chain: its head,
 * when no more than {@link MAX_CHECKPOINT_DIGESTS} entries are new over all
 * chains; otherwise the last of each chain's share of that many, in the
 * order listed. A chain no checkpoint listed before gets one entry at least,
 * so every chain opened since is listed (verification checks that); at most
 * {@link MAX_CHECKPOINT_CHAINS} of them, so the shares fit.
 */
export function reaches(listed: readonly Chosen[], previous: Coverage): number[] {
  const coveredOf = ({ head }: Chosen) => previous.covered.get(head.chain)?.seq ?? 0;
  const fresh = listed.map((chosen) => Math.max(0, chosen.head.seq - coveredOf(chosen)));
  if (fresh.reduce((sum, n) => sum + n, 0) <= MAX_CHECKPOINT_DIGESTS) return listed.map(({ head }) => head.seq);
  const unseen = listed.filter((chosen, i) => fresh[i]! > 0 && coveredOf(chosen) === 0).length;
  let spare = MAX_CHECKPOINT_DIGESTS - unseen;
  return listed.map((chosen, i) => {
    if (fresh[i] === 0) return chosen.head.seq;
    const covered = coveredOf(chosen);
    const least = covered === 0 ? 1 : 0;
    const take = Math.min(fresh[i]!, least + spare);
    spare -= take - least;
    return covered + take;
  });
}

/** The entry at `seq` of `chain`, checked against its stored hash; refuses to sign one that does not match. */
async function signable(tx: Store, chain: string, seq: number, record?: AuditEntryRecord, read?: Chosen['read']): Promise<{ hash: string }> {
  let found = record;
  let entry = read;
  if (found === undefined) {
    [found] = await chainReader(tx, chain).listAuditEntries({ fromSeq: seq, toSeq: seq });
    entry = found === undefined ? undefined : readAuditEntry(found.entry);
  }
  // Never sign a hash the entry does not have: that would bless a tampered tail.
  if (found === undefined || entry === undefined || entry.hash !== found.hash || entry.entry.seq !== seq || found.seq !== seq) {
    throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${seq} of chain ${chain.slice(0, 100)} does not match its hash; run \`legate audit verify\``, {
      claim: 'seq',
      reason: 'changed',
    });
  }
  return { hash: found.hash };
}

/**
 * The heads to sign, each at its reach (see {@link reaches}), with the
 * digests of its entries since the previous checkpoint up to there.
 */
export async function headsOf(tx: Store, listed: readonly Chosen[], reach: readonly number[], previous: Coverage, memo: AuditMemo | undefined): Promise<ChainHead[]> {
  if (listed.length > MAX_CHECKPOINT_CHAINS) {
    throw legateError('ERR_STORE', `the audit log has more than ${MAX_CHECKPOINT_CHAINS} chains open or newly closed: a checkpoint cannot list them all`, { claim: 'chains' });
  }
  const chains: ChainHead[] = [];
  for (const [i, { head, state, read }] of listed.entries()) {
    const seq = reach[i]!;
    const atHead = seq === head.seq;
    const { hash } = atHead ? await signable(tx, head.chain, head.seq, head, read) : await signable(tx, head.chain, seq);
    const signed: ChainHead = { id: head.chain, seq, hash, state: atHead ? state : 'open' };
    const from = (previous.covered.get(head.chain)?.seq ?? 0) + 1;
    if (from <= seq) {
      signed.from = from;
      signed.digests = await digestsOf(tx, head.chain, from, seq, memo);
    }
    chains.push(signed);
  }
  return chains;
}
