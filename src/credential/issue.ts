/**
 * @module credential/issue
 *
 * Issuing `AgentCapabilityCredential`s as VC-JOSE-COSE compact JWS
 * (`typ: vc+jwt`, `alg: EdDSA`, `kid` = the signer's verification method):
 * the JWS payload is the VCDM 2.0 credential itself (VC-JOSE-COSE §3.1.1);
 * or, with `format: 'di'`, as the credential itself with a Data Integrity
 * proof (`eddsa-rdfc-2022`). The credential is checked against its JSON
 * Schema before anything is signed.
 */

import { randomUUID } from 'node:crypto';
import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { isoSeconds, systemClock } from '../lib/clock.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import type { DataIntegritySecured } from '../data-integrity/types.js';
import { signCompactJws } from '../lib/jws.js';
import { signVc1Jwt } from './jwt-vc1.js';
import { assertSchema, CAPABILITY_SCHEMA_FILE } from './schema.js';
import {
  CAPABILITY_CREDENTIAL_TYPE,
  CAPABILITY_SCHEMA_ID,
  LEGATE_CONTEXT,
  VC_V2_CONTEXT,
  type AgentCapabilityCredential,
  type CapabilitySubject,
  type StatusEntry,
} from './types.js';

export interface IssueCapabilityOptions {
  /** The issuer's DID: an organization, or an agent when it delegates. */
  issuer: string;
  /** Signs with one of the issuer's assertion keys; its `kid` must belong to `issuer`. */
  signer: Signer;
  subject: CapabilitySubject;
  /** Defaults to a fresh `urn:uuid:`. */
  id?: string;
  /** Defaults to now. */
  validFrom?: Date;
  /** An absolute end of validity. */
  validUntil?: Date;
  /** A duration from `validFrom` (ISO 8601 `P30D` or short `30d`); ignored when `validUntil` is set. */
  validFor?: string;
  credentialStatus?: StatusEntry[];
  /**
   * How the credential is secured: `jwt` (default), a VCDM 2.0 `vc+jwt`;
   * `jwt-vc1`, the same credential as a VCDM 1.1 JWT (`vc` claim) for
   * verifiers that only speak 1.1 (did-jwt-vc, Veramo); or `di`, a Data
   * Integrity proof (`eddsa-rdfc-2022`) added to the credential itself.
   */
  format?: 'jwt' | 'jwt-vc1' | 'di';
  clock?: Clock;
}

export interface IssuedCredential<C = AgentCapabilityCredential> {
  id: string;
  /** The compact JWS. */
  jwt: string;
  credential: C;
}

/** A credential secured with a Data Integrity proof. */
export interface IssuedDataIntegrityCredential<C = AgentCapabilityCredential> {
  id: string;
  format: 'di';
  /** The credential with its proof: what is carried, stored (as JSON text) and verified. */
  secured: DataIntegritySecured<C>;
  /** The credential without its proof. */
  credential: C;
}

/** A credential issued in either securing form. */
export type IssuedSecuredCredential<C = AgentCapabilityCredential> = IssuedCredential<C> | IssuedDataIntegrityCredential<C>;

/** What an issued credential is carried as: the JWS, or the Data Integrity secured credential. */
export function securedCredentialOf<C>(issued: IssuedSecuredCredential<C>): string | DataIntegritySecured<C> {
  return 'secured' in issued ? issued.secured : issued.jwt;
}

/** @internal Secures an unsigned credential in the requested form. */
export async function secureCredential<C extends object>(
  credential: C,
  signer: Signer,
  format: 'jwt' | 'jwt-vc1' | 'di' | undefined,
  clock: Clock | undefined,
): Promise<{ jwt: string } | { secured: DataIntegritySecured<C> }> {
  const claims = credential as unknown as Record<string, unknown>;
  if (format === 'di') {
    // Loaded on first use: only Data Integrity issuers pay for jsonld.
    const { createProof } = await import('../data-integrity/create-proof.js');
    return { secured: (await createProof(claims, { signer, clock })) as unknown as DataIntegritySecured<C> };
  }
  return { jwt: format === 'jwt-vc1' ? await signVc1Jwt(claims, signer) : await signCompactJws(claims, signer, { typ: 'vc+jwt' }) };
}

/**
 * Issues a capability credential, as a compact JWS (`jwt`, default) or with a
 * Data Integrity proof (`format: 'di'`).
 *
 * @throws InputError `ERR_SCHEMA` when the credential would not match its
 * schema; `ERR_INVALID_ARGUMENT` for a signer of another DID or an empty
 * validity window.
 *
 * @example
 * ```ts
 * const { jwt } = await issueCapabilityCredential({
 *   issuer: org.did, signer,
 *   subject: { id: alice.did, owner: 'mailto:alice@acme.example',
 *              capabilities: [{ action: 'read', resource: 'crm:customer_records' }] },
 *   validFor: 'P30D',
 * });
 * const { secured } = await issueCapabilityCredential({ ...sameOptions, format: 'di' });
 * secured.proof.cryptosuite; // 'eddsa-rdfc-2022'
 * ```
 */
export function issueCapabilityCredential(options: IssueCapabilityOptions & { format: 'di' }): Promise<IssuedDataIntegrityCredential>;
export function issueCapabilityCredential(options: IssueCapabilityOptions & { format?: 'jwt' | 'jwt-vc1' | undefined }): Promise<IssuedCredential>;
export function issueCapabilityCredential(options: IssueCapabilityOptions): Promise<IssuedSecuredCredential>;
export async function issueCapabilityCredential(options: IssueCapabilityOptions): Promise<IssuedSecuredCredential> {
  assertNonEmptyString(options.issuer, 'issuer');
  if (!options.signer.kid.startsWith(`${options.issuer}#`)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'the signer key does not belong to the issuer DID', { claim: 'signer' });
  }
  const now = (options.clock ?? systemClock)();
  const validFrom = options.validFrom ?? now;
  const validUntil =
    options.validUntil ?? (options.validFor === undefined ? undefined : addDuration(validFrom, parseDuration(options.validFor)));
  if (validUntil !== undefined && validUntil.getTime() <= validFrom.getTime()) {
    throw legateError('ERR_INVALID_ARGUMENT', 'validUntil must be after validFrom', { claim: 'validUntil' });
  }
  const id = options.id ?? `urn:uuid:${randomUUID()}`;
  const credential: AgentCapabilityCredential = {
    '@context': [VC_V2_CONTEXT, LEGATE_CONTEXT],
    id,
    type: ['VerifiableCredential', CAPABILITY_CREDENTIAL_TYPE],
    issuer: options.issuer,
    validFrom: isoSeconds(validFrom),
    ...(validUntil === undefined ? {} : { validUntil: isoSeconds(validUntil) }),
    credentialSchema: { id: CAPABILITY_SCHEMA_ID, type: 'JsonSchema' },
    ...(options.credentialStatus === undefined ? {} : { credentialStatus: options.credentialStatus }),
    credentialSubject: options.subject,
  };
  assertSchema(CAPABILITY_SCHEMA_FILE, credential, 'capability credential');
  const secured = await secureCredential(credential, options.signer, options.format, options.clock);
  return 'secured' in secured ? { id, format: 'di', secured: secured.secured, credential } : { id, jwt: secured.jwt, credential };
}
