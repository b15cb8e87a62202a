/**
 * @module audit/verify
 *
 * Verifying the audit log (DESIGN.md, "Audit log"). Every checkpoint's
 * signature is checked against the organization's DID document; then every
 * entry is re-read from its stored text, re-hashed, and linked to the one
 * before; then each checkpoint is compared with the entry it covers. The
 * answer names the first sequence number that cannot be trusted and why:
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
import type { AuditEntryRecord, Store } from '../store/types.js';
import { verifyAuditCheckpoint } from './checkpoint.js';
import { readAuditEntry } from './entry.js';
import { locateDivergence, type SignedCheckpoint } from './locate.js';
import { auditLogId } from './log-id.js';
import { auditRecords } from './read.js';
import { GENESIS_HASH, type AuditProblem, type AuditTamperReason, type AuditVerification, type VerifyAuditOptions } from './types.js';

/** Hashes of this many recent entries are kept to recognize a link that skips inserted entries. */
const RECENT_WINDOW = 4096;

const tampered = (seq: number, reason: AuditTamperReason, message: string): AuditProblem => ({ seq, code: 'ERR_AUDIT_TAMPERED', reason, message });

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

/** Verifies every checkpoint from `fromSeq` on: the valid ones by seq, and the first invalid one. */
async function checkCheckpoints(store: Store, options: VerifyAuditOptions, fromSeq: number) {
  const records = (await store.listAuditCheckpoints()).filter((c) => c.seq >= fromSeq);
  const signed = new Map<number, SignedCheckpoint>();
  let bad: AuditProblem | undefined;
  if (records.length === 0) return { signed, bad };
  const issuer = options.issuer ?? (await store.getOrganization())?.did;
  if (issuer === undefined) throw legateError('ERR_NOT_FOUND', 'no organization to verify audit checkpoints against', { claim: 'issuer' });
  const resolver = memoize(options.resolver);
  // With its id setting gone, a log is still one log: every checkpoint must name the first one's.
  let log = await auditLogId(store);
  for (const record of records) {
    const result = await verifyAuditCheckpoint(record.token, { resolver, issuer, log });
    if (result.valid) log ??= result.claims.log;
    if (!result.valid) {
      bad ??= { seq: record.seq, code: result.error.code, reason: 'bad-checkpoint', message: `checkpoint ${record.seq}: ${result.error.message}` };
    } else if (result.claims.seq !== record.seq || result.claims.hash !== record.hash || result.claims.at !== record.at) {
      bad ??= tampered(record.seq, 'bad-checkpoint', `checkpoint ${record.seq} does not match its signed token`);
    } else {
      signed.set(record.seq, result.claims);
    }
  }
  return { signed, bad };
}

/** Whether some entry after `seq` holds the content of position `seq` (it was moved, not removed). */
async function movedLater(store: Store, seq: number): Promise<boolean> {
  for await (const record of auditRecords(store, { fromSeq: seq + 1 })) {
    if (readAuditEntry(record.entry)?.entry.seq === seq) return true;
  }
  return false;
}

/**
 * Walks the entries from `start`, re-hashing and linking each. Stops judging
 * at the first problem but keeps reading, to learn the last `seq` and the
 * hashes the checkpoints cover.
 */
class ChainWalk {
  expected: number;
  /** The hash the next entry must link to; undefined for the anchor entry of `fromCheckpoint`. */
  prev: string | undefined;
  readonly recent = new Map<string, number>();
  bad: AuditProblem | undefined;
  /** A link break at `seq`, waiting to learn whether the entries after it reach a valid checkpoint. */
  pending: number | undefined;
  entries = 0;
  lastSeq = 0;
  readonly covered = new Map<number, string>();
  /** Problems inferred from where a broken link leads, not seen at the entry itself. */
  readonly guesses = new Set<AuditProblem>();

  constructor(
    readonly store: Store,
    readonly start: number,
    readonly signed: ReadonlyMap<number, SignedCheckpoint>,
  ) {
    this.expected = start;
    this.prev = start === 1 ? GENESIS_HASH : undefined;
  }

  async add(record: AuditEntryRecord): Promise<void> {
    this.entries++;
    this.lastSeq = record.seq;
    if (this.signed.has(record.seq)) this.covered.set(record.seq, record.hash);
    if (this.bad !== undefined) return;
    const problem = await this.judge(record);
    if (problem !== undefined) {
      this.bad = this.pending === undefined ? problem : this.unresolved(this.pending);
      return;
    }
    const checkpoint = this.signed.get(record.seq);
    if (this.pending !== undefined && checkpoint !== undefined) {
      // Entries from the break on chain up to a valid checkpoint: they are authentic, so the entry before the break was rewritten.
      this.bad =
        checkpoint.hash === record.hash
          ? this.guess(tampered(this.pending - 1, 'changed', `entry ${this.pending - 1} was rewritten: the entries after it, up to checkpoint ${record.seq}, link to a different entry`))
          : this.unresolved(this.pending);
    }
  }

  finish(): void {
    if (this.bad === undefined && this.pending !== undefined) this.bad = this.unresolved(this.pending);
  }

  unresolved(seq: number): AuditProblem {
    return this.guess(tampered(seq, 'inserted', `entry ${seq} does not link to entry ${seq - 1} (inserted, or entry ${seq - 1} replaced)`));
  }

  guess(problem: AuditProblem): AuditProblem {
    this.guesses.add(problem);
    return problem;
  }

  /** The problem with `record`, or undefined after accepting it. */
  async judge(record: AuditEntryRecord): Promise<AuditProblem | undefined> {
    const p = record.seq;
    if (p > this.expected) {
      return tampered(this.expected, 'removed', p === this.expected + 1 ? `entry ${this.expected} is missing` : `entries ${this.expected}..${p - 1} are missing`);
    }
    const read = readAuditEntry(record.entry);
    if (read === undefined) return tampered(p, 'changed', `entry ${p} is not a well-formed entry`);
    const { entry, hash } = read;
    const s = entry.seq;
    if (hash !== record.hash) {
      if (s !== p && s >= 1 && (await this.store.listAuditEntries({ fromSeq: s, toSeq: s }))[0]?.hash === hash) {
        return tampered(p, 'reordered', `entry ${p} holds the content of entry ${s}`);
      }
      return tampered(p, 'changed', `entry ${p} does not match its hash`);
    }
    if (s < p) return tampered(Math.max(s, this.start), 'inserted', `entry ${s} was moved to ${p}: entries were inserted before it`);
    if (s > p) {
      return (await movedLater(this.store, p))
        ? tampered(p, 'reordered', `entry ${p} holds the content of entry ${s}`)
        : tampered(p, 'removed', `entry ${p} holds entry ${s}: entries were removed and the rest renumbered`);
    }
    if (entry.at !== record.at || entry.prevHash !== record.prevHash) return tampered(p, 'changed', `entry ${p} disagrees with its recorded time or link`);
    if (this.prev !== undefined && entry.prevHash !== this.prev) {
      const linked = this.recent.get(entry.prevHash);
      if (linked !== undefined && linked < p - 1) {
        return tampered(linked + 1, 'inserted', `entry ${p} links to entry ${linked}: entries ${linked + 1}..${p - 1} were inserted`);
      }
      // The entry before is the genesis or signed: this one is the impostor.
      if (p - 1 < this.start || this.signed.get(p - 1)?.hash === this.prev) return tampered(p, 'changed', `entry ${p} does not link to entry ${p - 1}`);
      if (this.pending !== undefined) return this.unresolved(this.pending);
      this.pending = p;
    }
    this.expected = p + 1;
    this.prev = hash;
    this.recent.set(hash, p);
    if (this.recent.size > RECENT_WINDOW) this.recent.delete(this.recent.keys().next().value as string);
    return undefined;
  }
}

/**
 * Verifies the audit log: hashes, links, and checkpoints. Never throws for a
 * tampered log; the answer says where and why.
 *
 * @throws TypeError for bad options; LegateError `ERR_NOT_FOUND` when
 *   `fromCheckpoint` names no checkpoint or there is no organization to check
 *   checkpoints against; `ERR_STORE` when the store fails.
 *
 * @example
 * ```ts
 * const result = await verifyAudit({ store: node.store, resolver: node.resolver });
 * if (!result.ok) console.error(`tampered at ${result.firstBad?.seq}: ${result.firstBad?.reason}`);
 * ```
 */
export async function verifyAudit(options: VerifyAuditOptions): Promise<AuditVerification> {
  if (!isRecord(options) || !isRecord(options.store) || typeof options.store.listAuditEntries !== 'function') throw new TypeError('options.store must be a Store');
  if (typeof options.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a DID resolver');
  const { store, fromCheckpoint } = options;
  if (fromCheckpoint !== undefined && (!Number.isSafeInteger(fromCheckpoint) || fromCheckpoint < 1)) {
    throw new RangeError('fromCheckpoint must be a positive integer');
  }
  const start = fromCheckpoint ?? 1;
  if (fromCheckpoint !== undefined && !(await store.listAuditCheckpoints()).some((c) => c.seq === fromCheckpoint)) {
    throw legateError('ERR_NOT_FOUND', `no audit checkpoint at seq ${fromCheckpoint}`, { claim: 'from' });
  }
  const { signed, bad: badCheckpoint } = await checkCheckpoints(store, options, start);
  if (fromCheckpoint !== undefined && !signed.has(fromCheckpoint)) {
    // The anchor itself does not verify: nothing after it can be trusted.
    return { ok: false, entries: 0, lastSeq: (await store.lastAuditEntry())?.seq ?? 0, checkpoints: signed.size, ...(badCheckpoint ? { firstBad: badCheckpoint } : {}) };
  }

  const walk = new ChainWalk(store, start, signed);
  for await (const record of auditRecords(store, { fromSeq: start })) await walk.add(record);
  walk.finish();
  const lastSeq = walk.entries > 0 ? walk.lastSeq : ((await store.lastAuditEntry())?.seq ?? 0);

  // Each checkpoint against the entry it covers, in order.
  const problems: AuditProblem[] = walk.bad === undefined ? [] : [walk.bad];
  const vague = new Set(walk.guesses);
  let lastGood = start - 1;
  // How far the first bad entry may lie beyond the first problem's seq: up to the checkpoint that no longer matches.
  let searchTo = 0;
  for (const checkpoint of [...signed.values()].sort((a, b) => a.seq - b.seq)) {
    if (checkpoint.seq > lastSeq) {
      problems.push(tampered(lastSeq + 1, 'truncated', `the log ends at ${lastSeq}, but checkpoint ${checkpoint.seq} covers entries up to ${checkpoint.seq}`));
      searchTo = checkpoint.seq;
      break;
    }
    if (walk.covered.get(checkpoint.seq) === checkpoint.hash) {
      lastGood = checkpoint.seq;
      continue;
    }
    // A chain problem at or before this checkpoint already explains the mismatch.
    if (walk.bad === undefined || walk.bad.seq > checkpoint.seq) {
      const rewritten = tampered(lastGood + 1, 'truncated', `entry ${checkpoint.seq} no longer matches its checkpoint: the log was rewritten or cut back after entry ${lastGood}`);
      problems.push(rewritten);
      vague.add(rewritten);
      searchTo = checkpoint.seq;
    }
    break;
  }
  if (badCheckpoint !== undefined) problems.push(badCheckpoint);
  // The earliest problem; on a tie, the first found (chain before checkpoints).
  let firstBad = problems.reduce<AuditProblem | undefined>((min, p) => (min === undefined || p.seq < min.seq ? p : min), undefined);
  if (firstBad !== undefined) {
    // The chain and the checkpoints' full hashes prove something changed; the digests they sign say which entry, and how.
    const located = await locateDivergence(store, signed.values(), start, Math.max(firstBad.seq, searchTo));
    if (located !== undefined && (located.seq < firstBad.seq || vague.has(firstBad))) firstBad = located;
  }
  const limit = firstBad?.seq ?? Number.POSITIVE_INFINITY;
  const good = [...signed.values()].filter((c) => c.seq < limit && walk.covered.get(c.seq) === c.hash).at(-1);
  return {
    ok: firstBad === undefined,
    entries: walk.entries,
    lastSeq,
    checkpoints: signed.size,
    ...(good === undefined ? {} : { lastCheckpoint: { seq: good.seq, hash: good.hash, at: good.at } }),
    ...(firstBad === undefined ? {} : { firstBad }),
  };
}
