/**
 * @module audit/walk
 *
 * Walking one chain for `audit/verify`: every entry re-read from its stored
 * text, re-hashed and linked to the one before, judged at the first problem
 * (`changed`, `removed`, `inserted`, `reordered`), and a chain an instance
 * opened must start with `chain-open` and hold it nowhere else. Internal.
 */

import type { AuditEntryRecord } from '../store/types.js';
import type { AuditReader } from './chain.js';
import { readAuditEntry } from './entry.js';
import type { SignedCheckpoint } from './locate.js';
import { auditRecords } from './read.js';
import { GENESIS_HASH, type AuditProblem, type AuditTamperReason } from './types.js';

/** Hashes of this many recent entries are kept to recognize a link that skips inserted entries. */
const RECENT_WINDOW = 4096;

export const tampered = (seq: number, reason: AuditTamperReason, message: string): AuditProblem => ({ seq, code: 'ERR_AUDIT_TAMPERED', reason, message });

/** Whether some entry after `seq` holds the content of position `seq` (it was moved, not removed). */
async function movedLater(store: AuditReader, seq: number): Promise<boolean> {
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
export class ChainWalk {
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
    readonly store: AuditReader,
    readonly start: number,
    readonly signed: ReadonlyMap<number, SignedCheckpoint>,
    /** Whether the chain must start with `chain-open` (a chain an instance opened; not `main`, not the store's own). */
    readonly opened: boolean,
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
    if (entry.chainId !== undefined && entry.chainId !== record.chain) return tampered(p, 'changed', `entry ${p} belongs to another chain`);
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
    if (this.opened && p === 1 && entry.type !== 'chain-open') return tampered(1, 'removed', 'the chain does not start with chain-open: its first entries were removed');
    if (p > 1 && entry.type === 'chain-open') return tampered(p, 'inserted', `entry ${p} is a chain-open: only a chain's first entry opens it`);
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
