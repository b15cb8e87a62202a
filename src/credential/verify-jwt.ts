/**
 * @module credential/verify-jwt
 *
 * Verification of any VCDM 2.0 `vc+jwt` credential (VC-JOSE-COSE §3.1.1):
 * bounded decoding, header policy (only `alg: EdDSA`; `none`, HMAC and every
 * other algorithm refused before any key is looked at), `kid` bound to the
 * issuer's DID document and authorized for `assertionMethod`, the Ed25519
 * signature, the validity window with a configurable skew, the schema, and
 * (when a status check is given) revocation and suspension. Every failed
 * check is reported, not only the first; lookups never throw. A VCDM 1.1 JWT
 * (`typ: JWT`, `vc` claim, as did-jwt-vc and Veramo write) is read as the 2.0
 * credential it states and held to the same checks (see `jwt-vc1.ts`). The
 * checks after the signature are those of every securing form (`checks.ts`).
 */

import type { KeyResolvable } from '../did/verification-key.js';
import { LegateError } from '../errors/index.js';
import type { CanonicalHashes } from '../data-integrity/hashes.js';
import type { DataIntegrityProof } from '../data-integrity/types.js';
import { didSignature } from '../did/signature.js';
import { decodeRemembered, type SignatureMemo } from '../lib/signature-memo.js';
import type { Clock } from '../lib/clock.js';
import type { WorkBudget } from '../lib/work-budget.js';
import { encodeBase64url } from '../lib/base64url.js';
import { algRefused, DEFAULT_MAX_TOKEN_LENGTH, headerErrors, type DecodedJws, type JwsHeader } from '../lib/jws.js';
import { credentialChecks, type CredentialProfile, type StatusCheck } from './checks.js';
import type { ValidSchemas } from '../lib/valid-schemas.js';
import { isVc1Jwt, readVc1Payload } from './jwt-vc1.js';
import { issuerId } from './types.js';

export type { CredentialProfile, StatusCheck } from './checks.js';
export type { ValidSchemas } from '../lib/valid-schemas.js';

export interface VerifyCredentialOptions {
  /** Resolves the issuer's DID document. */
  resolver: KeyResolvable;
  clock?: Clock;
  /** Tolerated clock difference for `validFrom` / `validUntil`, in seconds. Default 60. */
  skewSeconds?: number;
  /** Longest token (or Data Integrity credential's JSON) accepted, in characters. Default 64 KiB. */
  maxLength?: number;
  /**
   * Checks `credentialStatus` (revocation, suspension) of a credential whose
   * signature verified; see `createStatusChecker` in `legate/status`. Without
   * it, status is not checked.
   */
  status?: StatusCheck;
  /**
   * Checks that a root capability credential's issuer is trusted for each of
   * its capabilities (see `createTrustRegistry` in `legate/registry`). Without
   * it, issuer trust is not checked.
   */
  trust?: TrustCheck;
  /**
   * The work this verification may still cost (one per incoming message):
   * each signature verified is charged to it, `ERR_WORK_LIMIT` past its
   * limit. Wrap the resolver with `budget.resolver(…)` to charge DID
   * resolutions too. Without it, nothing is counted.
   */
  budget?: WorkBudget;
  /**
   * Signatures this verifier already found valid (a node keeps one, and
   * passes it where it re-checks what it verified before: the chains stored
   * behind a session). A repeat of the same bytes by the same key is not
   * verified again; the key is still looked up, and expiry, status and trust
   * still checked. It also keeps the decoding of each validly signed token,
   * so the same text is not decoded again; a credential it gave back is then
   * frozen (shared by every verification of that text). Without it, every
   * signature is verified and every token decoded.
   */
  signatureMemo?: SignatureMemo | undefined;
  /**
   * Canonical hashes of Data Integrity credentials to remember and reuse
   * (`createCanonicalHashes` in `legate/data-integrity`): give one to every
   * verification of one owner, such as a node. Without it, each Data
   * Integrity credential is canonicalized afresh.
   */
  canonicalHashes?: CanonicalHashes;
  /**
   * Credentials already found to match their schema (`createValidSchemas`,
   * lib/valid-schemas): one per owner, such as a node's verifier. Without it,
   * each credential is validated afresh.
   */
  validSchemas?: ValidSchemas;
}

/** Returns one `ERR_UNTRUSTED_ISSUER` per capability `issuer` is not trusted to attest, or none. */
export type TrustCheck = (
  issuer: string,
  capabilities: readonly { action: string; resource: string }[],
  options: { depth: number },
) => Promise<LegateError[]>;

export interface CredentialVerification<C> {
  /** True only when every check passed. */
  verified: boolean;
  /** Every failed check, each with its stable code. */
  errors: LegateError[];
  /**
   * The decoded credential, when the token could be decoded (present even
   * when unverified). A VCDM 1.1 JWT is given as the VCDM 2.0 credential it states.
   */
  credential?: C;
  /**
   * How the credential was secured: `jwt` (VCDM 2.0 `vc+jwt`), `jwt-vc1` (a
   * VCDM 1.1 JWT, `vc` claim) or `di` (a Data Integrity proof; `credential`
   * is then the document without it).
   */
  format?: 'jwt' | 'jwt-vc1' | 'di';
  header?: JwsHeader;
  /** The Data Integrity proof, for a `di` credential. */
  proof?: DataIntegrityProof;
  /** The issuer DID, when present. */
  issuer?: string;
  /**
   * True when the issuer's signature (or proof) verified, whatever else
   * failed: a delegation chain resolves a child's issuer only once its
   * parent is known to be signed (trust before fetch).
   */
  signed?: boolean;
}

/** @internal Verifies a `vc+jwt` credential of one profile. */
export async function verifyCredentialJwt<C>(
  token: string,
  profile: CredentialProfile,
  options: VerifyCredentialOptions,
  /** `token` as the caller already decoded it (with the same `maxLength`). */
  alreadyDecoded?: DecodedJws,
): Promise<CredentialVerification<C>> {
  let decoded: DecodedJws;
  try {
    decoded = alreadyDecoded ?? decodeRemembered(token, options.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH, options.signatureMemo);
  } catch (error) {
    if (error instanceof LegateError) return { verified: false, errors: [error] };
    throw error;
  }
  const { header } = decoded;
  const errors: LegateError[] = [];
  const vc1 = isVc1Jwt(decoded) ? readVc1Payload(decoded.payload) : undefined;
  const payload = vc1?.credential ?? decoded.payload;
  const issuer = issuerId(payload);
  if (vc1 !== undefined) errors.push(...vc1.errors);
  // A VCDM 1.1 token is typed `JWT` or not at all (isVc1Jwt) and usually names no key: each of the issuer's is tried.
  const policy = headerErrors(header, { typ: vc1 === undefined ? 'vc+jwt' : undefined, what: 'credentials' });
  errors.push(...policy);
  const check = { did: issuer, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature', kidOptional: vc1 !== undefined, memo: options.signatureMemo } as const;
  let signature: LegateError[] | undefined;
  let signedBy: Uint8Array | undefined;
  if (!algRefused(policy)) {
    options.budget?.charge('signatures');
    const verified = await didSignature(decoded, options.resolver, check);
    signature = verified.errors;
    signedBy = verified.key?.publicKey;
  }
  errors.push(...(signature ?? []));
  // A validly signed token's decoding is kept: seen again (a chain's links, exchange after exchange), it is not decoded again.
  if (signature?.length === 0) options.signatureMemo?.keepDecoded(token, decoded);
  // The schema's verdict on this exact payload text (and form) may be remembered: it cannot change. Only for a validly
  // signed text, named by its key and signature (no other text verifies under them, so nothing is hashed): what a
  // stranger sends unsigned takes no room.
  const textKey =
    options.validSchemas === undefined || signature?.length !== 0 || signedBy === undefined
      ? undefined
      : `${vc1 === undefined ? 'jwt' : 'jwt-vc1'}:${encodeBase64url(signedBy)}:${token.slice(token.lastIndexOf('.') + 1)}`;
  errors.push(...(await credentialChecks(payload, issuer, signature?.length === 0, profile, options, textKey)));
  return {
    verified: errors.length === 0,
    errors,
    credential: payload as C,
    format: vc1 === undefined ? 'jwt' : 'jwt-vc1',
    header,
    signed: signature?.length === 0,
    ...(issuer === undefined ? {} : { issuer }),
  };
}
