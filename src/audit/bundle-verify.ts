/**
 * @module audit/bundle-verify
 *
 * Verifying an offline audit bundle (`audit/bundle`) with no node and no
 * network: the bundle's key history is the only source of keys (its DID
 * document is checked against it), and `verifyAudit` runs over the bundle's
 * records, so a bundle passes exactly the checks a live log does: every
 * entry's hash and link, every checkpoint's signature, its link to the one
 * before, and the heads it signs. On top of those:
 *
 * - the key history and the DID document agree: every key the document
 *   lists is in the history with the same public key, and every key of the
 *   history still in use (no `until`) is in the document (`keys`);
 * - a checkpoint is signed by a key of the history inside the span that key
 *   was in use, give or take {@link KEY_SPAN_SKEW_MS} (`bad-checkpoint`);
 * - every entry is covered by the last checkpoint (an export signs one
 *   first), so entries added after it, or a bundle stripped of its
 *   checkpoints, do not pass (`inserted`);
 * - with `trustedKeys`, every checkpoint is signed by a key whose RFC 7638
 *   thumbprint is listed (`ERR_UNTRUSTED_ISSUER`): a bundle carries its own
 *   keys, so an auditor who must not trust the file pins the organization's
 *   keys from elsewhere (its published DID document, a partner's record).
 *
 * Tampering is data (`ok: false`, `firstBad` with its code, as
 * `verifyAudit` answers); input that is not a bundle throws.
 */

import { createHash } from 'node:crypto';
import type { DIDDocument, DIDResolutionResult, Resolvable } from 'did-resolver';
import { findVerificationMethod } from '../did/find-method.js';
import type { ErrorCode } from '../errors/index.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { decodeCompactJws } from '../lib/jws.js';
import { ed25519FromVerificationMethod } from '../lib/multikey.js';
import type { Store } from '../store/types.js';
import { checkAuditBundle, type AuditBundle, type AuditBundleKey } from './bundle.js';
import { bundleReads } from './bundle-store.js';
import { LEGACY_AUDIT_CHAIN } from './chain.js';
import { BEFORE_CHAINS, latestCoverage, MAX_CHECKPOINT_LENGTH } from './heads.js';
import type { AuditTamperReason, AuditVerification } from './types.js';
import { verifyAudit } from './verify.js';

/**
 * How far a checkpoint's time may lie outside its key's span: the span and the
 * checkpoint come from different instances' clocks (a fleet), which may
 * disagree by this much.
 */
export const KEY_SPAN_SKEW_MS = 60_000;

/** The first problem found in a bundle: `verifyAudit`'s, or one of the bundle's own (`keys`). */
export interface AuditBundleProblem {
  chain?: string;
  seq: number;
  code: ErrorCode;
  reason: AuditTamperReason | 'keys';
  message: string;
}

export interface AuditBundleVerification extends Omit<AuditVerification, 'firstBad'> {
  organization: string;
  exportedAt: string;
  /** The key history, each key with its RFC 7638 thumbprint and how many checkpoints name it. */
  keys: { kid: string; thumbprint: string; from?: string; until?: string; checkpoints: number }[];
  firstBad?: AuditBundleProblem;
}

export interface VerifyAuditBundleOptions {
  /** RFC 7638 thumbprints of the organization keys to trust; every checkpoint must be signed by one of them. */
  trustedKeys?: readonly string[] | undefined;
}

/** RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519 JWK. */
export function jwkThumbprint(jwk: AuditBundleKey['publicKeyJwk']): string {
  return createHash('sha256').update(canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

const problem = (reason: AuditBundleProblem['reason'], message: string, seq = 0, code: ErrorCode = 'ERR_AUDIT_TAMPERED'): AuditBundleProblem => ({
  seq,
  code,
  reason,
  message,
});

/** The organization's document as the key history makes it: every key, for assertions. */
function historyDocument(did: string, keys: readonly AuditBundleKey[]): DIDDocument {
  const ids = keys.map((k) => k.kid);
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: keys.map((k) => ({ id: k.kid, type: 'JsonWebKey2020', controller: did, publicKeyJwk: k.publicKeyJwk })),
    assertionMethod: ids,
    authentication: ids,
  };
}

/** A resolver that knows one DID, from the bundle, and nothing else: verifying never leaves the file. */
function bundleResolver(did: string, keys: readonly AuditBundleKey[]): Resolvable {
  const document = historyDocument(did, keys);
  return {
    resolve: (requested) =>
      Promise.resolve<DIDResolutionResult>(
        requested === did
          ? { didResolutionMetadata: {}, didDocument: document, didDocumentMetadata: {} }
          : { didResolutionMetadata: { error: 'notFound' }, didDocument: null, didDocumentMetadata: {} },
      ),
  };
}

const sameKey = (a: Uint8Array | undefined, b: Uint8Array | undefined) => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

/** Where the key history and the DID document disagree, or the history is not the organization's. */
function keysProblem(bundle: AuditBundle): AuditBundleProblem | undefined {
  const { did, didDocument } = bundle.organization;
  if (didDocument.id !== did) return problem('keys', `the DID document is ${String(didDocument.id).slice(0, 200)}'s, not the organization's`);
  const byKid = new Map<string, Uint8Array | undefined>();
  for (const key of bundle.keys) {
    if (!key.kid.startsWith(`${did}#`)) return problem('keys', `key ${key.kid.slice(0, 200)} is not a key of the organization`);
    if (byKid.has(key.kid)) return problem('keys', `key ${key.kid.slice(0, 200)} is listed twice`);
    const publicKey = ed25519FromVerificationMethod({ type: 'JsonWebKey2020', publicKeyJwk: key.publicKeyJwk });
    if (publicKey === undefined) return problem('keys', `key ${key.kid.slice(0, 200)} is not an Ed25519 public key`);
    if (key.from !== undefined && key.until !== undefined && Date.parse(key.until) < Date.parse(key.from)) {
      return problem('keys', `key ${key.kid.slice(0, 200)} was retired before it was in use`);
    }
    byKid.set(key.kid, publicKey);
  }
  const assertion = Array.isArray(didDocument.assertionMethod) ? didDocument.assertionMethod : [];
  for (const reference of assertion) {
    const id = typeof reference === 'string' ? (reference.startsWith('#') ? `${did}${reference}` : reference) : reference.id;
    const inDocument = ed25519FromVerificationMethod(findVerificationMethod(didDocument, id, 'assertionMethod'));
    if (!sameKey(inDocument, byKid.get(id))) return problem('keys', `the DID document's key ${id.slice(0, 200)} is not the key history's`);
  }
  for (const key of bundle.keys) {
    if (key.until !== undefined) continue;
    const inDocument = ed25519FromVerificationMethod(findVerificationMethod(didDocument, key.kid, 'assertionMethod'));
    if (!sameKey(inDocument, byKid.get(key.kid))) return problem('keys', `key ${key.kid.slice(0, 200)} is in use but not in the DID document`);
  }
  return undefined;
}

/** Two records at one place: a store's key makes that impossible, so one was added. */
function duplicatesProblem(bundle: AuditBundle): AuditBundleProblem | undefined {
  const seen = new Set<string>();
  for (const record of bundle.entries) {
    const key = `${record.seq} ${record.chain}`;
    if (seen.has(key)) return { chain: record.chain, ...problem('inserted', `entry ${record.seq} of chain ${record.chain.slice(0, 100)} appears twice`, record.seq) };
    seen.add(key);
  }
  const seqs = new Set<number>();
  for (const checkpoint of bundle.checkpoints) {
    if (seqs.has(checkpoint.seq)) return problem('bad-checkpoint', `checkpoint ${checkpoint.seq} appears twice`, checkpoint.seq);
    seqs.add(checkpoint.seq);
  }
  if (bundle.fromCheckpoint !== undefined && !seqs.has(bundle.fromCheckpoint)) {
    return problem('truncated', `the bundle starts at checkpoint ${bundle.fromCheckpoint}, which it does not hold`, bundle.fromCheckpoint);
  }
  return undefined;
}

/** The kid a checkpoint's header names, unverified. */
function kidOf(token: string): string | undefined {
  try {
    const kid = decodeCompactJws(token, MAX_CHECKPOINT_LENGTH).header.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** A checkpoint signed outside its key's span, or (with `trusted`) by a key not pinned. */
function signersProblem(bundle: AuditBundle, trusted: ReadonlySet<string> | undefined): AuditBundleProblem | undefined {
  const byKid = new Map(bundle.keys.map((k) => [k.kid, k]));
  for (const checkpoint of bundle.checkpoints) {
    const kid = kidOf(checkpoint.token);
    const key = kid === undefined ? undefined : byKid.get(kid);
    if (key === undefined) continue; // verifyAudit names the unknown key
    const at = Date.parse(checkpoint.at);
    const before = key.from !== undefined && at < Date.parse(key.from) - KEY_SPAN_SKEW_MS;
    const after = key.until !== undefined && at > Date.parse(key.until) + KEY_SPAN_SKEW_MS;
    if (before || after) {
      return problem('bad-checkpoint', `checkpoint ${checkpoint.seq} was signed at ${checkpoint.at}, outside the span key ${key.kid.slice(0, 200)} was in use`, checkpoint.seq);
    }
    if (trusted !== undefined && !trusted.has(jwkThumbprint(key.publicKeyJwk))) {
      return problem('keys', `checkpoint ${checkpoint.seq} is signed by key ${key.kid.slice(0, 200)}, which is not among the trusted keys`, checkpoint.seq, 'ERR_UNTRUSTED_ISSUER');
    }
  }
  return undefined;
}

/**
 * Entries no checkpoint covers (the bundle's log was checkpointed when
 * exported): each chain is covered up to the head the last checkpoint
 * listing it signs, so a chain closed and then left out of later
 * checkpoints is covered as far as it was signed (verifyAudit checks that
 * only closed chains are left out).
 */
function uncoveredProblem(bundle: AuditBundle, heads: readonly { chain: string; seq: number }[]): AuditBundleProblem | undefined {
  if (heads.length === 0) return undefined;
  if (bundle.checkpoints.length === 0) return problem('inserted', 'the bundle holds entries but no checkpoint: nothing in it is signed', 1);
  const covered = latestCoverage(bundle.checkpoints);
  // A checkpoint from before chains covers the store's own chain, unless a later one lists it by its id.
  const own = bundle.log.chain ?? LEGACY_AUDIT_CHAIN;
  const before = covered.get(BEFORE_CHAINS);
  if (before !== undefined && !covered.has(own)) covered.set(own, before);
  for (const head of heads) {
    const signed = covered.get(head.chain)?.seq ?? 0;
    if (head.seq > signed) {
      return { chain: head.chain, ...problem('inserted', `entries ${signed + 1}..${head.seq} of chain ${head.chain.slice(0, 100)} come after the last checkpoint`, signed + 1) };
    }
  }
  return undefined;
}

/**
 * Verifies an audit bundle (a parsed `legate audit export --bundle` file)
 * with no node and no network.
 *
 * @throws InputError `ERR_MALFORMED` when `bundle` is not a bundle of this
 *   format; `ERR_INPUT_TOO_LARGE` when it lists too many keys or checkpoints.
 *
 * @example
 * ```ts
 * const result = await verifyAuditBundle(readAuditBundle(readFileSync('audit.json', 'utf8')));
 * if (!result.ok) console.error(result.firstBad?.code, result.firstBad?.message);
 * ```
 */
export async function verifyAuditBundle(bundle: unknown, options: VerifyAuditBundleOptions = {}): Promise<AuditBundleVerification> {
  const checked = checkAuditBundle(bundle);
  const trusted = options.trustedKeys === undefined ? undefined : new Set(options.trustedKeys);
  const reads = bundleReads(checked);
  const named = new Map<string, number>();
  for (const c of checked.checkpoints) {
    const kid = kidOf(c.token);
    if (kid !== undefined) named.set(kid, (named.get(kid) ?? 0) + 1);
  }
  const summary = {
    organization: checked.organization.did,
    exportedAt: checked.exportedAt,
    keys: checked.keys.map((k) => ({
      kid: k.kid,
      thumbprint: jwkThumbprint(k.publicKeyJwk),
      ...(k.from === undefined ? {} : { from: k.from }),
      ...(k.until === undefined ? {} : { until: k.until }),
      checkpoints: named.get(k.kid) ?? 0,
    })),
  };
  const early = duplicatesProblem(checked) ?? keysProblem(checked) ?? signersProblem(checked, trusted);
  if (early !== undefined) {
    return { ...summary, ok: false, chains: [], entries: checked.entries.length, lastSeq: 0, checkpoints: 0, firstBad: early };
  }
  // verifyAudit reads only these of a store; the rest is not there.
  const store = reads as unknown as Store;
  const result = await verifyAudit({
    store,
    resolver: bundleResolver(checked.organization.did, checked.keys),
    issuer: checked.organization.did,
    fromCheckpoint: checked.fromCheckpoint,
  });
  const uncovered = result.ok ? uncoveredProblem(checked, (await reads.listAuditChains()).map((h) => ({ chain: h.chain, seq: h.seq }))) : undefined;
  const firstBad = result.firstBad ?? uncovered;
  const { firstBad: _ignored, ...rest } = result;
  return { ...summary, ...rest, ok: firstBad === undefined, ...(firstBad === undefined ? {} : { firstBad }) };
}

