/**
 * @module audit/checkpoint
 *
 * Signed checkpoints of the audit log: a compact JWS (`alg: EdDSA`, `typ:
 * audit-checkpoint+jwt`) by the organization's key over `{ iss, seq, hash,
 * at, log, from, digests }`, where `hash` is the hash of entry `seq`. A
 * checkpoint commits to every entry up to `seq` through the hash chain, so
 * anyone who can resolve the organization's DID document can tell that
 * nothing up to `seq` was changed, removed, or cut off since. `log` binds it
 * to one log (see `audit/log-id`); `digests` holds an
 * {@link entryDigest} of each entry from `from` on (those since the previous
 * checkpoint, at most {@link MAX_CHECKPOINT_DIGESTS}), so verification can
 * name the first entry rewritten even when every later hash was recomputed.
 * The three are optional on verification: checkpoints from before them
 * still verify, and only bind what their hash binds. Checkpoints are written
 * on demand and by {@link appendAudit} when one is due under its policy.
 */

import type { Resolvable } from 'did-resolver';
import { didSignature } from '../did/signature.js';
import { LegateError, legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import { systemClock } from '../lib/clock.js';
import { decodeCompactJws, headerErrors, signCompactJws } from '../lib/jws.js';
import type { AuditCheckpointRecord, Store } from '../store/types.js';
import { ENTRY_DIGEST_LENGTH, entryDigest, isHexHash, readAuditEntry } from './entry.js';
import { ensureAuditLogId, MAX_LOG_ID } from './log-id.js';
import { auditLogOf, resolvePolicy, type AuditTarget } from './log.js';
import { AUDIT_CHECKPOINT_TYP, type AuditCheckpoint, type AuditLog, type CheckpointPolicy } from './types.js';

/** Most entries a checkpoint carries digests for: the first this many since the previous checkpoint. */
export const MAX_CHECKPOINT_DIGESTS = 1000;

/** Longest checkpoint token accepted, in characters (room for {@link MAX_CHECKPOINT_DIGESTS} digests). */
const MAX_CHECKPOINT_LENGTH = 32 * 1024;

const DIGESTS = /^(?:[0-9a-f]{16})*$/;

/** What a checkpoint signs. */
export interface CheckpointClaims {
  iss: string;
  seq: number;
  hash: string;
  at: string;
  /** The log's id (`audit/log-id`); absent in checkpoints from before log ids. */
  log?: string | undefined;
  /** The first entry `digests` covers. */
  from?: number | undefined;
  /** {@link entryDigest} of entries `from`, `from + 1`, …, concatenated (16 hex characters each). */
  digests?: string | undefined;
}

/** Why the optional claims are malformed, or undefined when they are fine (or absent). */
function optionalClaimsError(claims: Record<string, unknown>, seq: number): string | undefined {
  const { log, from, digests } = claims;
  if (log !== undefined && (typeof log !== 'string' || log.length === 0 || log.length > MAX_LOG_ID)) return `log must be a string of at most ${MAX_LOG_ID} characters`;
  if ((from === undefined) !== (digests === undefined)) return 'from and digests come together';
  if (digests === undefined) return undefined;
  if (typeof digests !== 'string' || !DIGESTS.test(digests)) return 'digests must be 16-character lowercase hex digests, concatenated';
  const count = digests.length / ENTRY_DIGEST_LENGTH;
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1 || count > MAX_CHECKPOINT_DIGESTS || from + count - 1 > seq) {
    return `from must be a positive integer, and digests cover at most ${MAX_CHECKPOINT_DIGESTS} entries up to seq`;
  }
  return undefined;
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
  const { iss, seq, hash, at, log, from, digests } = claims;
  const optionalClaims = { ...(log === undefined ? {} : { log }), ...(digests === undefined ? {} : { from, digests }) };
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
  return { valid: true, claims: { iss, seq, hash, at, ...(log === undefined ? {} : { log }), ...(digests === undefined ? {} : { from, digests }) } };
}

/** Whether a checkpoint is due after entry `seq` under `policy`. */
export async function checkpointDue(
  store: Store,
  previous: AuditCheckpointRecord | undefined,
  seq: number,
  now: Date,
  policy: CheckpointPolicy | undefined,
): Promise<boolean> {
  const { entries, seconds } = resolvePolicy(policy);
  if (seq - (previous?.seq ?? 0) >= entries) return true;
  // With no checkpoint yet, time runs from the first entry.
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

/** The digests of entries `from..to`, refusing to sign any entry that does not match its hash. */
async function digestsOf(store: Store, from: number, to: number): Promise<string> {
  let digests = '';
  let expected = from;
  for (const record of await store.listAuditEntries({ fromSeq: from, toSeq: to })) {
    const read = readAuditEntry(record.entry);
    if (record.seq !== expected || read === undefined || read.hash !== record.hash || read.entry.seq !== record.seq) {
      throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${expected} is missing or does not match its hash; run \`legate audit verify\``, {
        claim: 'seq',
        reason: 'changed',
      });
    }
    digests += entryDigest(read.entry);
    expected++;
  }
  return digests;
}

/** @internal Writes a checkpoint of the last entry; with `onlyIfDue`, only when the policy says so. */
export async function writeCheckpoint(log: AuditLog, onlyIfDue: boolean): Promise<CheckpointResult> {
  const config = log.checkpoints;
  if (config === undefined) throw legateError('ERR_KEY_UNAVAILABLE', 'this audit log has no checkpoint signer');
  // Before the transaction: a key store bound to the outer store cannot be used inside it.
  const signer = await config.signer();
  const clock = log.clock ?? systemClock;
  return log.store.transaction(async (tx) => {
    const last = await tx.lastAuditEntry();
    if (last === undefined) return { created: false };
    const previous = await tx.lastAuditCheckpoint();
    if (previous !== undefined && previous.seq >= last.seq) return { checkpoint: previous, created: false };
    const now = clock();
    if (onlyIfDue && !(await checkpointDue(tx, previous, last.seq, now, config.policy))) {
      return previous === undefined ? { created: false } : { checkpoint: previous, created: false };
    }
    // Never sign a hash the entry does not have: that would bless a tampered tail.
    const read = readAuditEntry(last.entry);
    if (read === undefined || read.hash !== last.hash || read.entry.seq !== last.seq) {
      throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${last.seq} does not match its hash; run \`legate audit verify\``, {
        claim: 'seq',
        reason: 'changed',
      });
    }
    const at = now.toISOString();
    const log = await ensureAuditLogId(tx);
    const from = (previous?.seq ?? 0) + 1;
    const digests = await digestsOf(tx, from, Math.min(last.seq, from + MAX_CHECKPOINT_DIGESTS - 1));
    const token = await signAuditCheckpoint({ iss: config.issuer, seq: last.seq, hash: last.hash, at, log, from, digests }, signer);
    const checkpoint: AuditCheckpoint = { seq: last.seq, hash: last.hash, at, token };
    await tx.putAuditCheckpoint(checkpoint);
    return { checkpoint, created: true };
  });
}

/**
 * Checkpoints the log now: signs the hash of the last entry, unless the last
 * checkpoint already covers it (then returns that one, `created: false`).
 *
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when `target` cannot sign;
 *   VerificationError `ERR_AUDIT_TAMPERED` when the last entry does not match its hash.
 *
 * @example
 * ```ts
 * const { checkpoint, created } = await checkpointAudit(node);
 * ```
 */
export async function checkpointAudit(target: AuditTarget): Promise<CheckpointResult> {
  return writeCheckpoint(auditLogOf(target), false);
}
