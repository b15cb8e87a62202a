/**
 * @module audit/heads
 *
 * The chain heads a checkpoint signs (DESIGN.md, "The audit log under many
 * writers"): `chains: [{ id, seq, hash, state, from?, digests? }]`, one per
 * chain not yet signed closed, where `hash` is the hash of entry `seq` of
 * chain `id` and `digests` (from entry `from` on) are the
 * {@link entryDigest}s of that chain's entries since the previous
 * checkpoint. The checkpoint's own `hash` is the SHA-256 of the canonical
 * JSON of `chains`, and `prev` the SHA-256 of the previous checkpoint's
 * token, so checkpoints form a chain of their own. A checkpoint from before
 * chains (no `chains` claim) signs one head: entry `seq` of the store's own
 * chain (after the schema migration, `main`).
 */

import { isRecord } from '../lib/assert.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { decodeCompactJws } from '../lib/jws.js';
import { MAX_CHAIN_ID } from './chain.js';
import { ENTRY_DIGEST_LENGTH, isHexHash, sha256Hex } from './entry.js';

/** Most chains one checkpoint lists. */
export const MAX_CHECKPOINT_CHAINS = 1000;

/** Most entries a checkpoint carries digests for, over all its chains. */
export const MAX_CHECKPOINT_DIGESTS = 1000;

/** Longest checkpoint token accepted, in characters (room for {@link MAX_CHECKPOINT_CHAINS} heads and the digests). */
export const MAX_CHECKPOINT_LENGTH = 512 * 1024;

const DIGESTS = /^(?:[0-9a-f]{16})*$/;

/** One chain's head as a checkpoint signs it. */
export interface ChainHead {
  id: string;
  seq: number;
  hash: string;
  /** `closed` when the head is the chain's `chain-close` entry: nothing may follow it. */
  state: 'open' | 'closed';
  /** The first entry `digests` covers. */
  from?: number | undefined;
  /** {@link entryDigest} of entries `from`, `from + 1`, … of this chain, concatenated (16 hex characters each). */
  digests?: string | undefined;
}

/** Why `from`/`digests` (for a head at `seq`) are malformed, or undefined when fine or absent. */
export function digestsError(from: unknown, digests: unknown, seq: number): string | undefined {
  if ((from === undefined) !== (digests === undefined)) return 'from and digests come together';
  if (digests === undefined) return undefined;
  if (typeof digests !== 'string' || !DIGESTS.test(digests)) return 'digests must be 16-character lowercase hex digests, concatenated';
  const count = digests.length / ENTRY_DIGEST_LENGTH;
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1 || count > MAX_CHECKPOINT_DIGESTS || from + count - 1 > seq) {
    return `from must be a positive integer, and digests cover at most ${MAX_CHECKPOINT_DIGESTS} entries up to seq`;
  }
  return undefined;
}

/** Why a `chains` claim is malformed, or undefined when it is fine. */
export function chainsError(chains: unknown): string | undefined {
  if (!Array.isArray(chains) || chains.length === 0 || chains.length > MAX_CHECKPOINT_CHAINS) return `chains must list 1 to ${MAX_CHECKPOINT_CHAINS} heads`;
  const ids = new Set<string>();
  let digests = 0;
  for (const head of chains as unknown[]) {
    if (!isRecord(head)) return 'each chain head must be an object';
    const { id, seq, hash, state } = head;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CHAIN_ID || ids.has(id)) return `chain ids must be distinct strings of at most ${MAX_CHAIN_ID} characters`;
    ids.add(id);
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1 || !isHexHash(hash) || (state !== 'open' && state !== 'closed')) {
      return 'each chain head must be { id, seq, hash, state: open | closed }';
    }
    const error = digestsError(head.from, head.digests, seq);
    if (error !== undefined) return error;
    digests += typeof head.digests === 'string' ? head.digests.length / ENTRY_DIGEST_LENGTH : 0;
  }
  return digests > MAX_CHECKPOINT_DIGESTS ? `digests cover at most ${MAX_CHECKPOINT_DIGESTS} entries in all` : undefined;
}

/** The hash a checkpoint signs for its heads. */
export function headsHash(chains: readonly ChainHead[]): string {
  return sha256Hex(canonicalJson(chains));
}

/** The hash by which the next checkpoint names this one (`prev`). */
export function checkpointHash(token: string): string {
  return sha256Hex(token);
}

/** The key {@link coverageOf} files a checkpoint from before chains under: its one chain, the store's own (`audit/chain`). */
export const BEFORE_CHAINS = '';

/**
 * What a checkpoint token claims to cover, per chain, WITHOUT verifying it:
 * for the writer deciding what the next checkpoint adds (and when one is
 * due), never for verification. An unreadable token covers nothing; a
 * checkpoint from before chains covers {@link BEFORE_CHAINS}.
 */
export function coverageOf(token: string): Map<string, { seq: number; state: 'open' | 'closed' }> {
  const covered = new Map<string, { seq: number; state: 'open' | 'closed' }>();
  let payload: Record<string, unknown>;
  try {
    payload = decodeCompactJws(token, MAX_CHECKPOINT_LENGTH).payload;
  } catch {
    return covered;
  }
  if (payload.chains === undefined) {
    if (typeof payload.seq === 'number') covered.set(BEFORE_CHAINS, { seq: payload.seq, state: 'open' });
    return covered;
  }
  if (chainsError(payload.chains) !== undefined) return covered;
  for (const head of payload.chains as ChainHead[]) covered.set(head.id, { seq: head.seq, state: head.state });
  return covered;
}

/**
 * Per chain, the head the last of `checkpoints` listing it claims (by
 * {@link coverageOf}, unverified): a chain signed closed and then left out
 * of later checkpoints keeps the head it was last signed at.
 */
export function latestCoverage(checkpoints: readonly { seq: number; token: string }[]): Map<string, { seq: number; state: 'open' | 'closed' }> {
  const latest = new Map<string, { seq: number; state: 'open' | 'closed' }>();
  for (const checkpoint of [...checkpoints].sort((a, b) => a.seq - b.seq)) for (const [chain, head] of coverageOf(checkpoint.token)) latest.set(chain, head);
  return latest;
}
