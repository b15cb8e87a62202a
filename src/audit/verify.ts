/**
 * @module audit/verify
 *
 * Verifying the audit log (DESIGN.md, "Audit log" and "The audit log under
 * many writers"). Every checkpoint's signature, and its link to the
 * checkpoint before, is checked against the organization's DID document
 * (a checkpoint may leave out a chain only once an earlier one signed it
 * closed);
 * then, chain by chain, every entry is re-read from its stored text,
 * re-hashed, and linked to the one before in its chain (`audit/walk`; a
 * chain an instance opened starts with `chain-open`); then each head a
 * checkpoint signed is compared with the entry it covers, and a chain signed
 * `closed` must end at its closing head. The answer names the chain and the
 * first sequence number in it that cannot be trusted, and why:
 *
 * - `changed`: an entry does not hash to its recorded hash (or is not an
 *   entry at all); or, when entries after it still chain up to a valid
 *   checkpoint, an entry was rewritten with a fresh hash;
 * - `removed`: a sequence number is missing, or the entries after a removed
 *   one were renumbered;
 * - `inserted`: an entry does not link to the one before it (or the entry
 *   after a run of new ones links past them);
 * - `reordered`: an entry holds another position's content;
 * - `truncated`: a checkpoint covers entries that are gone, or no longer
 *   matches the entry at its `seq` (cut off and re-extended, or rewritten)
 *   and is too old to say which entry changed;
 * - `bad-checkpoint`: a checkpoint's signature or claims do not verify, or it
 *   was signed for another organization or another log (planted).
 *
 * When the chain links but a checkpoint no longer matches (an entry was
 * rewritten and every later hash recomputed), and wherever the chain alone
 * can only guess, the digests checkpoints sign for each entry name the
 * first entry changed, removed or inserted (`audit/locate`).
 *
 * An attacker who can write the store can still append well-formed entries
 * after the last checkpoint, or rewrite everything after it; checkpoints
 * bound what can be changed unnoticed to what came after the last one.
 */

import type { DIDResolutionResult, Resolvable } from 'did-resolver';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { Store } from '../store/types.js';
import { AUDIT_CHAIN_SETTING, auditStart, chainReader, LEGACY_AUDIT_CHAIN, type AuditReader } from './chain.js';
import { verifyAuditCheckpoint } from './checkpoint.js';
import { withKeyHistory } from './key-history.js';
import { checkpointHash } from './heads.js';
import { readAuditEntry } from './entry.js';
import { locateDivergence, type SignedCheckpoint } from './locate.js';
import { auditLogId } from './log-id.js';
import { auditRecords } from './read.js';
import type { AuditChainVerification, AuditProblem, AuditVerification, VerifyAuditOptions } from './types.js';
import { ChainWalk, tampered } from './walk.js';


/** One resolution per DID for the whole verification. */
function memoize(resolver: Resolvable): Resolvable {
  const cache = new Map<string, Promise<DIDResolutionResult>>();
  return {
    resolve: (did, options) => {
      let result = cache.get(did);
      if (result === undefined) {
        result = resolver.resolve(did, options);
        cache.set(did, result);
      }
      return result;
    },
  };
}

/** What the checkpoints that verified sign, per chain. */
interface Signed {
  /** Per chain: its heads as signed, by seq. */
  chains: Map<string, Map<number, SignedCheckpoint>>;
  /** Per chain: the seq a checkpoint signed it closed at. */
  closed: Map<string, number>;
  count: number;
  bad: AuditProblem | undefined;
  /** Each checkpoint read, by seq: the chains it lists (undefined: from before chains, or it did not verify). */
  lists: { seq: number; ids: ReadonlyMap<string, number> | undefined }[];
}

function signHead(signed: Signed, chain: string, head: SignedCheckpoint): void {
  let heads = signed.chains.get(chain);
  if (heads === undefined) signed.chains.set(chain, (heads = new Map<number, SignedCheckpoint>()));
  const known = heads.get(head.seq);
  // Two checkpoints may sign one head (the chain did not move): keep the one with digests.
  if (known === undefined || (known.digests === undefined && head.digests !== undefined)) heads.set(head.seq, head);
}

/** Verifies every checkpoint from `fromSeq` on: what the valid ones sign per chain, and the first invalid one. */
async function checkCheckpoints(store: Store, options: VerifyAuditOptions, fromSeq: number): Promise<Signed> {
  const records = (await store.listAuditCheckpoints()).filter((c) => c.seq >= fromSeq);
  const signed: Signed = { chains: new Map(), closed: new Map(), count: 0, bad: undefined, lists: [] };
  if (records.length === 0) return signed;
  const issuer = options.issuer ?? (await store.getOrganization())?.did;
  if (issuer === undefined) throw legateError('ERR_NOT_FOUND', 'no organization to verify audit checkpoints against', { claim: 'issuer' });
  // Checkpoints signed by a key retired since still verify: the issuer's key history, from the store (audit/key-history).
  const resolver = memoize(withKeyHistory(store, issuer, options.resolver));
  // With its id setting gone, a log is still one log: every checkpoint must name the first one's.
  let log = await auditLogId(store);
  let before: string | undefined;
  // The chains (and heads) the previous valid checkpoint listed: one left out since must have been signed closed by then.
  let listed: ReadonlyMap<string, number> | undefined;
  // Entries of chains left out before the previous checkpoint; undefined when unknown (after one that did not verify).
  let dropped: number | undefined = fromSeq === 1 ? 0 : undefined;
  // A checkpoint from before chains signs the store's own chain (after the migration, `main`).
  const legacy = (await store.getSetting(AUDIT_CHAIN_SETTING)) ?? LEGACY_AUDIT_CHAIN;
  for (const [i, record] of records.entries()) {
    const result = await verifyAuditCheckpoint(record.token, { resolver, issuer, log });
    const previous = before;
    before = record.token;
    const listedBefore = listed;
    listed = undefined;
    const entry = { seq: record.seq, ids: undefined as ReadonlyMap<string, number> | undefined };
    signed.lists.push(entry);
    const droppedBefore = dropped;
    dropped = undefined;
    if (result.valid) log ??= result.claims.log;
    if (!result.valid) {
      signed.bad ??= { seq: record.seq, code: result.error.code, reason: 'bad-checkpoint', message: `checkpoint ${record.seq}: ${result.error.message}` };
      continue;
    }
    const { claims } = result;
    if (claims.seq !== record.seq || claims.hash !== record.hash || claims.at !== record.at) {
      signed.bad ??= tampered(record.seq, 'bad-checkpoint', `checkpoint ${record.seq} does not match its signed token`);
      continue;
    }
    // Checkpoints with chains link to the one before (the anchor of fromCheckpoint excepted): none removed or replaced in between.
    const expectedPrev = previous === undefined ? undefined : checkpointHash(previous);
    if (claims.chains !== undefined && (i > 0 || fromSeq === 1) && claims.prev !== expectedPrev) {
      signed.bad ??= tampered(record.seq, 'bad-checkpoint', `checkpoint ${record.seq} does not link to the checkpoint before it: a checkpoint was removed or replaced`);
      continue;
    }
    const omitted = claims.chains === undefined ? undefined : [...(listedBefore?.keys() ?? [])].find((id) => !signed.closed.has(id) && !claims.chains?.some((head) => head.id === id));
    if (omitted !== undefined) {
      signed.bad ??= tampered(record.seq, 'bad-checkpoint', `checkpoint ${record.seq} leaves out chain ${omitted.slice(0, 100)}, which no earlier checkpoint signed closed`);
      continue;
    }
    // Its seq counts the entries of every chain: those it lists, and those left out as closed (through prev).
    const heads = new Map(claims.chains?.map((head) => [head.id, head.seq]));
    const leftOut = [...(listedBefore ?? [])].reduce((sum, [id, seq]) => sum + (heads.has(id) ? 0 : seq), 0);
    const count = (droppedBefore ?? 0) + leftOut + [...heads.values()].reduce((sum, seq) => sum + seq, 0);
    if (claims.chains !== undefined && droppedBefore !== undefined && claims.seq !== count) {
      signed.bad ??= tampered(record.seq, 'bad-checkpoint', `checkpoint ${record.seq} counts ${claims.seq} entries, but its chains hold ${count}`);
      continue;
    }
    signed.count++;
    if (claims.chains === undefined) {
      dropped = 0;
      signHead(signed, legacy, claims);
      continue;
    }
    dropped = droppedBefore === undefined ? claims.seq - count + leftOut : (droppedBefore ?? 0) + leftOut;
    listed = heads;
    entry.ids = listed;
    for (const head of claims.chains) {
      signHead(signed, head.id, { seq: head.seq, hash: head.hash, at: claims.at, from: head.from, digests: head.digests });
      if (head.state === 'closed' && !signed.closed.has(head.id)) signed.closed.set(head.id, head.seq);
    }
  }
  return signed;
}

/**
 * The problem with a chain its `chain-open` says was opened after checkpoint
 * `afterCheckpoint` (none: before the first), when the first checkpoint
 * after that one does not list it: a chain opens under the checkpoints'
 * lock, so that checkpoint saw it; not listed, it was slipped in since.
 */
async function unlisted(reader: AuditReader, signed: Signed): Promise<AuditProblem | undefined> {
  const [first] = await reader.listAuditEntries({ fromSeq: 1, toSeq: 1 });
  const open = first === undefined ? undefined : readAuditEntry(first.entry)?.entry;
  if (open?.type !== 'chain-open') return undefined;
  const after = open.details?.afterCheckpoint;
  const since = typeof after === 'number' ? after : 0;
  const next = signed.lists.find((checkpoint) => checkpoint.seq > since);
  if (next?.ids === undefined || next.ids.has(open.chainId ?? '')) return undefined;
  return tampered(1, 'inserted', `the chain opened after checkpoint ${since}, but checkpoint ${next.seq} does not list it: it was inserted since`);
}

/** Verifies one chain from `start`: hashes, links, its signed heads, and nothing after a closed head. */
async function verifyChain(reader: AuditReader, start: number, signed: ReadonlyMap<number, SignedCheckpoint>, closedAt: number | undefined, opened: boolean) {
  const walk = new ChainWalk(reader, start, signed, opened && start === 1);
  for await (const record of auditRecords(reader, { fromSeq: start })) await walk.add(record);
  walk.finish();
  const lastSeq = walk.entries > 0 ? walk.lastSeq : 0;

  // Each signed head against the entry it covers, in order.
  const problems: AuditProblem[] = walk.bad === undefined ? [] : [walk.bad];
  const vague = new Set(walk.guesses);
  let lastGood = start - 1;
  // How far the first bad entry may lie beyond the first problem's seq: up to the checkpoint that no longer matches.
  let searchTo = 0;
  for (const checkpoint of [...signed.values()].sort((a, b) => a.seq - b.seq)) {
    if (checkpoint.seq > lastSeq) {
      problems.push(tampered(lastSeq + 1, 'truncated', `the chain ends at ${lastSeq}, but a checkpoint covers entries up to ${checkpoint.seq}`));
      searchTo = checkpoint.seq;
      break;
    }
    if (walk.covered.get(checkpoint.seq) === checkpoint.hash) {
      lastGood = checkpoint.seq;
      continue;
    }
    // A chain problem at or before this checkpoint already explains the mismatch.
    if (walk.bad === undefined || walk.bad.seq > checkpoint.seq) {
      const rewritten = tampered(lastGood + 1, 'truncated', `entry ${checkpoint.seq} no longer matches its checkpoint: the chain was rewritten or cut back after entry ${lastGood}`);
      problems.push(rewritten);
      vague.add(rewritten);
      searchTo = checkpoint.seq;
    }
    break;
  }
  if (closedAt !== undefined && lastSeq > closedAt) {
    problems.push(tampered(closedAt + 1, 'inserted', `the chain was signed closed at entry ${closedAt}: entry ${closedAt + 1} was appended after it`));
  }
  // The earliest problem; on a tie, the first found (chain before checkpoints).
  let firstBad = problems.reduce<AuditProblem | undefined>((min, p) => (min === undefined || p.seq < min.seq ? p : min), undefined);
  if (firstBad !== undefined) {
    // The chain and the checkpoints' full hashes prove something changed; the digests they sign say which entry, and how.
    const located = await locateDivergence(reader, signed.values(), start, Math.max(firstBad.seq, searchTo));
    if (located !== undefined && (located.seq < firstBad.seq || vague.has(firstBad))) firstBad = located;
  }
  const limit = firstBad?.seq ?? Number.POSITIVE_INFINITY;
  const good = [...signed.values()].filter((c) => c.seq < limit && walk.covered.get(c.seq) === c.hash).at(-1);
  return { entries: walk.entries, lastSeq, firstBad, good };
}

/**
 * Verifies the audit log: every chain's hashes and links, every checkpoint's
 * signature, link to the checkpoint before, and the heads it signs. Never
 * throws for a tampered log; the answer says which chain, where and why
 * (`firstBad.chain`), first the chain written before chains existed, then by
 * chain id.
 *
 * @throws TypeError for bad options; LegateError `ERR_NOT_FOUND` when
 *   `fromCheckpoint` names no checkpoint or there is no organization to check
 *   checkpoints against; `ERR_STORE` when the store fails.
 *
 * @example
 * ```ts
 * const result = await verifyAudit({ store: node.store, resolver: node.resolver });
 * if (!result.ok) console.error(`tampered in chain ${result.firstBad?.chain} at ${result.firstBad?.seq}: ${result.firstBad?.reason}`);
 * ```
 */
export async function verifyAudit(options: VerifyAuditOptions): Promise<AuditVerification> {
  if (!isRecord(options) || !isRecord(options.store) || typeof options.store.listAuditEntries !== 'function') throw new TypeError('options.store must be a Store');
  if (typeof options.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a DID resolver');
  const { store } = options;
  if (options.fromCheckpoint !== undefined && (!Number.isSafeInteger(options.fromCheckpoint) || options.fromCheckpoint < 1)) {
    throw new RangeError('fromCheckpoint must be a positive integer');
  }
  // A pruned log starts at the checkpoint it was pruned behind.
  const fromCheckpoint = await auditStart(store, options.fromCheckpoint);
  const anchor = fromCheckpoint === undefined ? undefined : (await store.listAuditCheckpoints()).find((c) => c.seq === fromCheckpoint);
  if (fromCheckpoint !== undefined && anchor === undefined) {
    throw legateError('ERR_NOT_FOUND', `no audit checkpoint at seq ${fromCheckpoint}`, { claim: 'from' });
  }
  const signed = await checkCheckpoints(store, options, fromCheckpoint ?? 1);
  const heads = await store.listAuditChains();
  if (anchor !== undefined && signed.bad?.seq === anchor.seq) {
    // The anchor itself does not verify: nothing after it can be trusted.
    const lastSeq = heads.reduce((max, head) => Math.max(max, head.seq), 0);
    return { ok: false, chains: [], entries: 0, lastSeq, checkpoints: signed.count, firstBad: signed.bad };
  }
  // Where each chain starts: at the head the anchor signs (its first head per chain), else at 1.
  const starts = new Map<string, number>();
  if (anchor !== undefined) {
    for (const [chain, byHead] of signed.chains) {
      const first = [...byHead.values()].find((head) => head.at === anchor.at);
      if (first !== undefined) starts.set(chain, first.seq);
    }
  }
  const ids = [...new Set([...heads.map((head) => head.chain), ...signed.chains.keys()])].sort((a, b) =>
    a === LEGACY_AUDIT_CHAIN ? -1 : b === LEGACY_AUDIT_CHAIN ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  const chains: AuditChainVerification[] = [];
  const own = await store.getSetting(AUDIT_CHAIN_SETTING);
  let firstBad: AuditProblem | undefined;
  for (const id of ids) {
    const closedAt = signed.closed.get(id);
    // A chain an instance opened starts with chain-open; `main` (from before chains) and the store's own chain need not.
    const opened = id !== LEGACY_AUDIT_CHAIN && id !== own;
    const reader = chainReader(store, id);
    const result = await verifyChain(reader, starts.get(id) ?? 1, signed.chains.get(id) ?? new Map(), closedAt, opened);
    // Read from the first checkpoint on, every chain opened since is in the checkpoint after its opening.
    const hidden = opened && anchor === undefined && result.firstBad === undefined ? await unlisted(reader, signed) : undefined;
    const problem = result.firstBad ?? hidden;
    const bad = problem === undefined ? undefined : { ...problem, chain: id };
    firstBad ??= bad;
    chains.push({
      id,
      ok: bad === undefined,
      entries: result.entries,
      lastSeq: result.lastSeq,
      state: closedAt === undefined ? 'open' : 'closed',
      ...(result.good === undefined ? {} : { lastCheckpoint: { seq: result.good.seq, hash: result.good.hash, at: result.good.at } }),
      ...(bad === undefined ? {} : { firstBad: bad }),
    });
  }
  firstBad ??= signed.bad;
  const only = chains.length === 1 ? chains[0] : undefined;
  return {
    ok: firstBad === undefined,
    chains,
    entries: chains.reduce((sum, chain) => sum + chain.entries, 0),
    lastSeq: chains.reduce((max, chain) => Math.max(max, chain.lastSeq), 0),
    checkpoints: signed.count,
    ...(only?.lastCheckpoint === undefined ? {} : { lastCheckpoint: only.lastCheckpoint }),
    ...(firstBad === undefined ? {} : { firstBad }),
  };
}
