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
 * first entry rewritten even when every later hash was recomputed. With
 * more entries new than that, a checkpoint signs each chain only as far as
 * its share of the digests reaches, and the next goes on from there
 * (`audit/checkpoint-cover`): no entry is left without a signed digest.
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
import { nextTurn } from '../lib/next-turn.js';
import type { AuditCheckpointRecord, Store } from '../store/types.js';
import { isHexHash } from './entry.js';
import { chainsError, checkpointHash, digestsError, headsHash, MAX_CHECKPOINT_DIGESTS, MAX_CHECKPOINT_LENGTH, type ChainHead } from './heads.js';
import { ensureAuditLogId, MAX_LOG_ID } from './log-id.js';
import { auditLogOf, resolvePolicy, type AuditTarget } from './log.js';
import { chooseHeads, coverageBefore, headsOf, reaches } from './checkpoint-cover.js';
import { sealCheckpointed } from './seal.js';
import { AUDIT_CHECKPOINT_TYP, type AuditCheckpoint, type AuditLog, type CheckpointPolicy } from './types.js';

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
  /** The last checkpoint (new or existing): it covers the last entry unless `remaining` says otherwise; absent while the log is empty. */
  checkpoint?: AuditCheckpoint;
  /** Whether this call wrote it. */
  created: boolean;
  /**
   * Entries it left without a signed digest, for the next checkpoint: one
   * signs the digests of at most {@link MAX_CHECKPOINT_DIGESTS} new entries,
   * and with more it reaches only that far (`audit/checkpoint-cover`).
   */
  remaining: number;
}

/**
 * @internal Writes a checkpoint of every chain's head; with `onlyIfDue`,
 * only when the policy says so. With more new entries than one checkpoint
 * signs digests for, it reaches part of the way (`audit/checkpoint-cover`)
 * and says how many entries it left (`remaining`): call it again.
 */
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
    if (heads.length === 0) return { created: false, remaining: 0 };
    const coverage = await coverageBefore(tx, previous);
    const unchanged = previous === undefined ? { created: false, remaining: 0 } : { checkpoint: previous, created: false, remaining: 0 };
    const pending = heads.reduce((sum, head) => sum + Math.max(0, head.seq - (coverage.covered.get(head.chain)?.seq ?? 0)), 0);
    // A chain dropped earlier counts as pending above; what is truly new shows once the heads are chosen.
    if (pending === 0) return unchanged;
    const now = clock();
    const { listed, dropped } = chooseHeads(heads, coverage);
    const fresh = listed.reduce((sum, { head }) => sum + head.seq - (coverage.covered.get(head.chain)?.seq ?? 0), 0);
    if (fresh === 0 || (onlyIfDue && !(await checkpointDue(tx, previous, fresh, now, config.policy)))) return unchanged;
    const reach = reaches(listed, coverage);
    const chains = await headsOf(tx, listed, reach, coverage, memo);
    const seq = dropped + reach.reduce((sum, n) => sum + n, 0);
    const remaining = listed.reduce((sum, { head }, i) => sum + head.seq - reach[i]!, 0);
    const at = now.toISOString();
    const log = await ensureAuditLogId(tx);
    const hash = headsHash(chains);
    const prev = previous === undefined ? undefined : checkpointHash(previous.token);
    const token = await signAuditCheckpoint({ iss: config.issuer, seq, hash, at, log, prev, chains }, signer);
    const checkpoint: AuditCheckpoint = { seq, hash, at, token };
    await tx.putAuditCheckpoint(checkpoint);
    return { checkpoint, created: true, remaining };
  });
}

/**
 * Checkpoints the log now: signs the hash of the last entry, unless the last
 * checkpoint already covers it (then returns that one, `created: false`);
 * then seals what it covers (`audit/seal`). With more new entries than one
 * checkpoint signs digests for, it writes checkpoints one after another
 * until every entry appended before the call is covered (`remaining` counts
 * those appended meanwhile and left for the next).
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when `target` cannot sign;
 *   VerificationError `ERR_AUDIT_TAMPERED` when the last entry does not match its hash.
 * @example
 * `const { checkpoint, created } = await checkpointAudit(node);`
 */
export async function checkpointAudit(target: AuditTarget): Promise<CheckpointResult> {
  const log = auditLogOf(target);
  let result = await writeCheckpoint(log, false);
  // Each capped checkpoint covers MAX_CHECKPOINT_DIGESTS more entries: this many more cover what was there at the call.
  for (let rounds = Math.ceil(result.remaining / MAX_CHECKPOINT_DIGESTS); rounds > 0 && result.remaining > 0; rounds--) {
    // Each checkpoint holds the event loop a few ms (a thousand digests and a signature): requests go in between.
    await nextTurn();
    const next = await writeCheckpoint(log, false);
    result = { ...next, created: result.created || next.created };
  }
  if (result.checkpoint !== undefined) await sealCheckpointed(log.store, result.checkpoint.token);
  return result;
}
