/**
 * @module audit/checkpoint
 *
 * Signed checkpoints of the audit log: a compact JWS (`alg: EdDSA`, `typ:
 * audit-checkpoint+jwt`) by the organization's key over `{ iss, seq, hash,
 * at, log, prev, chains }`: `chains` lists every chain's head (`audit/heads`),
 * `hash` is the hash of that list, `seq` counts the entries it covers (the
 * sum of the heads' `seq`s: with one chain, its head's `seq`) and `prev`
 * is the hash of the previous checkpoint's token, so checkpoints form a
 * chain of their own. A checkpoint commits to every entry of every chain up
 * to its head through that chain's hash links, so anyone who can resolve the
 * organization's DID document can tell that nothing up to the heads was
 * changed, removed, or cut off since, and that a chain signed `closed` has
 * nothing after its head. `log` binds it to one log (see `audit/log-id`);
 * each head's `digests` (of the entries since the previous checkpoint, at
 * most {@link MAX_CHECKPOINT_DIGESTS} in all) let verification name the
 * first entry rewritten even when every later hash was recomputed.
 *
 * Checkpoints from before chains (`{ iss, seq, hash, at, log?, from?,
 * digests? }`, `hash` the hash of entry `seq` of the one chain) still verify.
 * Checkpoints are written on demand and by {@link appendAudit} when one is
 * due under its policy, by whichever instance finds it due; writers take
 * turns on the checkpoints' lock (appends never take it), so each links to
 * the one written before it.
 */

import type { Resolvable } from 'did-resolver';
import { didSignature } from '../did/signature.js';
import { LegateError, legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import { systemClock } from '../lib/clock.js';
import { decodeCompactJws, headerErrors, signCompactJws } from '../lib/jws.js';
import type { AuditCheckpointRecord, AuditEntryRecord, Store } from '../store/types.js';
import { AUDIT_CHAIN_SETTING, LEGACY_AUDIT_CHAIN } from './chain.js';
import { isHexHash, readAuditEntry } from './entry.js';
import {
  BEFORE_CHAINS,
  chainsError,
  checkpointHash,
  coverageOf,
  digestsError,
  headsHash,
  MAX_CHECKPOINT_CHAINS,
  MAX_CHECKPOINT_DIGESTS,
  MAX_CHECKPOINT_LENGTH,
  type ChainHead,
} from './heads.js';
import { ensureAuditLogId, MAX_LOG_ID } from './log-id.js';
import { auditLogOf, resolvePolicy, type AuditTarget } from './log.js';
import { digestsOf } from './digests.js';
import { sealCheckpointed } from './seal.js';
import { AUDIT_CHECKPOINT_TYP, type AuditCheckpoint, type AuditEntry, type AuditLog, type AuditMemo, type CheckpointPolicy } from './types.js';

export { MAX_CHECKPOINT_CHAINS, MAX_CHECKPOINT_DIGESTS, type ChainHead } from './heads.js';

/** What a checkpoint signs. */
export interface CheckpointClaims {
  iss: string;
  /** How many entries it covers, over all chains (so, with one chain, the seq of its head, as before chains). */
  seq: number;
  /** The hash of `chains` (before chains: of entry `seq`). */
  hash: string;
  at: string;
  /** The log's id (`audit/log-id`); absent in checkpoints from before log ids. */
  log?: string | undefined;
  /** The hash of the previous checkpoint's token; absent in the first, and before chains. */
  prev?: string | undefined;
  /** Every chain's head; absent in checkpoints from before chains. */
  chains?: ChainHead[] | undefined;
  /** Before chains: the first entry `digests` covers. */
  from?: number | undefined;
  /** Before chains: {@link entryDigest} of entries `from`, `from + 1`, …, concatenated (16 hex characters each). */
  digests?: string | undefined;
}

/** Why the optional claims are malformed, or undefined when they are fine (or absent). */
function optionalClaimsError(claims: Record<string, unknown>, seq: number): string | undefined {
  const { log, from, digests, prev, chains, hash } = claims;
  if (log !== undefined && (typeof log !== 'string' || log.length === 0 || log.length > MAX_LOG_ID)) return `log must be a string of at most ${MAX_LOG_ID} characters`;
  if (prev !== undefined && !isHexHash(prev)) return 'prev must be a lowercase hex SHA-256';
  if (chains === undefined) return prev === undefined ? digestsError(from, digests, seq) : 'prev comes with chains';
  if (from !== undefined || digests !== undefined) return 'with chains, digests belong to each chain';
  const error = chainsError(chains);
  if (error !== undefined) return error;
  return headsHash(chains as ChainHead[]) === hash ? undefined : 'hash must be the hash of chains';
}

/**
 * Signs a checkpoint. The signer's key must belong to `claims.iss`.
 *
 * @throws VerificationError `ERR_KID_INVALID` when it does not; TypeError/RangeError for bad claims.
 *
 * @example
 * ```ts
 * const token = await signAuditCheckpoint({ iss: org.did, seq: 42, hash, at: new Date().toISOString() }, signer);
 * ```
 */
export async function signAuditCheckpoint(claims: CheckpointClaims, signer: Signer): Promise<string> {
  if (!isRecord(claims) || typeof claims.iss !== 'string') throw new TypeError('claims.iss must be a string');
  if (!Number.isSafeInteger(claims.seq) || claims.seq < 1) throw new RangeError('claims.seq must be a positive integer');
  if (!isHexHash(claims.hash)) throw new TypeError('claims.hash must be a lowercase hex SHA-256');
  if (typeof claims.at !== 'string' || Number.isNaN(Date.parse(claims.at))) throw new TypeError('claims.at must be an ISO 8601 time');
  const optional = optionalClaimsError(claims, claims.seq);
  if (optional !== undefined) throw new RangeError(`claims: ${optional}`);
  if (typeof signer?.kid !== 'string' || !signer.kid.startsWith(`${claims.iss}#`)) {
    throw legateError('ERR_KID_INVALID', 'the checkpoint signer is not a key of the issuer', { claim: 'kid' });
  }
  const { iss, seq, hash, at, log, from, digests, prev, chains } = claims;
  const optionalClaims = {
    ...(log === undefined ? {} : { log }),
    ...(prev === undefined ? {} : { prev }),
    ...(chains === undefined ? {} : { chains }),
    ...(digests === undefined ? {} : { from, digests }),
  };
  return signCompactJws({ iss, seq, hash, at, ...optionalClaims }, signer, { typ: AUDIT_CHECKPOINT_TYP });
}

/** The outcome of {@link verifyAuditCheckpoint}: never thrown, always data. */
export type CheckpointVerification = { valid: true; claims: CheckpointClaims } | { valid: false; error: LegateError };

const invalid = (error: LegateError): CheckpointVerification => ({ valid: false, error });

/**
 * Verifies a checkpoint token: EdDSA, the right `typ`, well-formed claims,
 * `iss` = `issuer`, `log` = `options.log` (when both name one), and a
 * signature by a key of `issuer`'s DID document (any key it lists, so
 * checkpoints signed before a rotation still verify) that is authorized for
 * `assertionMethod`. A checkpoint for another organization or another log is
 * `ERR_AUDIT_TAMPERED`: it was planted, whoever signed it; `iss` is checked
 * before any resolution, so a planted checkpoint never makes the verifier
 * resolve (or fetch) a stranger's DID.
 *
 * @example
 * ```ts
 * const result = await verifyAuditCheckpoint(token, { resolver, issuer: org.did });
 * if (result.valid) result.claims.seq;
 * ```
 */
export async function verifyAuditCheckpoint(
  token: string,
  options: { resolver: Resolvable; issuer: string; log?: string | undefined },
): Promise<CheckpointVerification> {
  if (typeof options?.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a DID resolver');
  if (typeof options.issuer !== 'string' || options.issuer.length === 0) throw new TypeError('options.issuer must be a DID');
  const { issuer, resolver } = options;
  let decoded;
  try {
    decoded = decodeCompactJws(token, MAX_CHECKPOINT_LENGTH);
  } catch (error) {
    if (error instanceof LegateError) return invalid(error);
    throw error;
  }
  const { header, payload } = decoded;
  const [policy] = headerErrors(header, { typ: AUDIT_CHECKPOINT_TYP, what: 'checkpoints' });
  if (policy !== undefined) return invalid(policy);
  const { iss, seq, hash, at } = payload;
  const wellFormed =
    typeof iss === 'string' && typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 && isHexHash(hash) && typeof at === 'string' && !Number.isNaN(Date.parse(at));
  if (!wellFormed) {
    return invalid(legateError('ERR_MALFORMED', 'checkpoint claims must be { iss, seq, hash, at }', { claim: 'payload' }));
  }
  const optional = optionalClaimsError(payload, seq);
  if (optional !== undefined) return invalid(legateError('ERR_MALFORMED', `checkpoint claims: ${optional}`, { claim: 'payload' }));
  if (iss !== issuer) {
    return invalid(legateError('ERR_AUDIT_TAMPERED', `checkpoint is issued by ${iss.slice(0, 200)}, not by this organization`, { claim: 'iss', reason: 'foreign-checkpoint' }));
  }
  const log = payload.log as string | undefined;
  if (log !== undefined && options.log !== undefined && log !== options.log) {
    return invalid(legateError('ERR_AUDIT_TAMPERED', 'checkpoint is signed for another audit log', { claim: 'log', reason: 'foreign-checkpoint' }));
  }
  const check = { did: issuer, relationship: 'assertionMethod', party: 'organization', didClaim: 'iss', what: 'checkpoint signature' } as const;
  const signature = await didSignature(decoded, resolver, check);
  if (signature.errors[0] !== undefined) return invalid(signature.errors[0]);
  const from = payload.from as number | undefined;
  const digests = payload.digests as string | undefined;
  const prev = payload.prev as string | undefined;
  const chains = payload.chains as ChainHead[] | undefined;
  return {
    valid: true,
    claims: {
      iss,
      seq,
      hash,
      at,
      ...(log === undefined ? {} : { log }),
      ...(prev === undefined ? {} : { prev }),
      ...(chains === undefined ? {} : { chains }),
      ...(digests === undefined ? {} : { from, digests }),
    },
  };
}

/** Whether a checkpoint is due, with `pending` entries of a chain not yet covered, under `policy`. */
export async function checkpointDue(
  store: Store,
  previous: AuditCheckpointRecord | undefined,
  pending: number,
  now: Date,
  policy: CheckpointPolicy | undefined,
): Promise<boolean> {
  const { entries, seconds } = resolvePolicy(policy);
  if (pending <= 0) return false;
  if (pending >= entries) return true;
  // With no checkpoint yet, time runs from the first entry (of any chain).
  const since = previous?.at ?? (await store.listAuditEntries({ limit: 1 }))[0]?.at;
  return since !== undefined && now.getTime() - Date.parse(since) >= seconds * 1000;
}

/** The outcome of {@link checkpointAudit}. */
export interface CheckpointResult {
  /** The checkpoint covering the last entry (new or existing); absent while the log is empty. */
  checkpoint?: AuditCheckpoint;
  /** Whether this call wrote it. */
  created: boolean;
}

/** What the previous checkpoint covered, per chain, and how many of its entries belong to chains it no longer listed. */
interface Coverage {
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
interface Chosen {
  head: AuditEntryRecord;
  state: ChainHead['state'];
  /** Its entry read back, or undefined when unreadable (refused when signing). */
  read: ReturnType<typeof readAuditEntry>;
}

/**
 * The heads the next checkpoint lists: every open chain, and every closed
 * chain until one checkpoint has signed it closed (then it is dropped:
 * closed chains never change again, and the list stays within
 * {@link MAX_CHECKPOINT_CHAINS} of chains open or newly closed); and the
 * entries covered over all chains, dropped ones included.
 */
function chooseHeads(heads: readonly AuditEntryRecord[], previous: Coverage): { listed: Chosen[]; seq: number } {
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
  return { listed, seq: dropped + listed.reduce((sum, { head }) => sum + head.seq, 0) };
}

/** The heads to sign, with digests of what is new since the previous checkpoint (at most {@link MAX_CHECKPOINT_DIGESTS} in all). */
async function headsOf(tx: Store, listed: readonly Chosen[], previous: Coverage, memo: AuditMemo | undefined): Promise<ChainHead[]> {
  if (listed.length > MAX_CHECKPOINT_CHAINS) {
    throw legateError('ERR_STORE', `the audit log has more than ${MAX_CHECKPOINT_CHAINS} chains open or newly closed: a checkpoint cannot list them all`, { claim: 'chains' });
  }
  let budget = MAX_CHECKPOINT_DIGESTS;
  const chains: ChainHead[] = [];
  for (const { head, state, read } of listed) {
    // Never sign a hash the entry does not have: that would bless a tampered tail.
    if (read === undefined || read.hash !== head.hash || read.entry.seq !== head.seq) {
      throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${head.seq} of chain ${head.chain.slice(0, 100)} does not match its hash; run \`legate audit verify\``, {
        claim: 'seq',
        reason: 'changed',
      });
    }
    const signed: ChainHead = { id: head.chain, seq: head.seq, hash: head.hash, state };
    const from = (previous.covered.get(head.chain)?.seq ?? 0) + 1;
    if (from <= head.seq && budget > 0) {
      const to = Math.min(head.seq, from + budget - 1);
      signed.from = from;
      signed.digests = await digestsOf(tx, head.chain, from, to, memo);
      budget -= to - from + 1;
    }
    chains.push(signed);
  }
  return chains;
}

/** What `previous` covers (a checkpoint from before chains: the store's own chain). */
async function coverageBefore(tx: Store, previous: AuditCheckpointRecord | undefined): Promise<Coverage> {
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

/** @internal Writes a checkpoint of every chain's head; with `onlyIfDue`, only when the policy says so. */
export async function writeCheckpoint(log: AuditLog, onlyIfDue: boolean): Promise<CheckpointResult> {
  const config = log.checkpoints;
  const { memo } = log;
  if (config === undefined) throw legateError('ERR_KEY_UNAVAILABLE', 'this audit log has no checkpoint signer');
  // Before the transaction: a key store bound to the outer store cannot be used inside it.
  const signer = await config.signer();
  const clock = log.clock ?? systemClock;
  return log.store.transaction(async (tx) => {
    // The lock first: another instance writing a checkpoint now finishes before this one reads what to link to and cover.
    const previous = await tx.lastAuditCheckpoint({ lock: true });
    const heads = await tx.listAuditChains();
    if (heads.length === 0) return { created: false };
    const coverage = await coverageBefore(tx, previous);
    const unchanged = previous === undefined ? { created: false } : { checkpoint: previous, created: false };
    const pending = heads.reduce((sum, head) => sum + Math.max(0, head.seq - (coverage.covered.get(head.chain)?.seq ?? 0)), 0);
    // A chain dropped earlier counts as pending above; what is truly new shows once the heads are chosen.
    if (pending === 0) return unchanged;
    const now = clock();
    const { listed, seq } = chooseHeads(heads, coverage);
    const fresh = listed.reduce((sum, { head }) => sum + head.seq - (coverage.covered.get(head.chain)?.seq ?? 0), 0);
    if (fresh === 0 || (onlyIfDue && !(await checkpointDue(tx, previous, fresh, now, config.policy)))) return unchanged;
    const chains = await headsOf(tx, listed, coverage, memo);
    const at = now.toISOString();
    const log = await ensureAuditLogId(tx);
    const hash = headsHash(chains);
    const prev = previous === undefined ? undefined : checkpointHash(previous.token);
    const token = await signAuditCheckpoint({ iss: config.issuer, seq, hash, at, log, prev, chains }, signer);
    const checkpoint: AuditCheckpoint = { seq, hash, at, token };
    await tx.putAuditCheckpoint(checkpoint);
    return { checkpoint, created: true };
  });
}

/**
 * Checkpoints the log now: signs the hash of the last entry, unless the last
 * checkpoint already covers it (then returns that one, `created: false`);
 * then seals what it covers (`audit/seal`).
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when `target` cannot sign;
 *   VerificationError `ERR_AUDIT_TAMPERED` when the last entry does not match its hash.
 * @example
 * `const { checkpoint, created } = await checkpointAudit(node);`
 */
export async function checkpointAudit(target: AuditTarget): Promise<CheckpointResult> {
  const log = auditLogOf(target);
  const result = await writeCheckpoint(log, false);
  if (result.checkpoint !== undefined) await sealCheckpointed(log.store, result.checkpoint.token);
  return result;
}
