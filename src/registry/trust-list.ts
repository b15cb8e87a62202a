/**
 * @module registry/trust-list
 *
 * Trust list credentials: building one, signing it as `vc+jwt` like every
 * Legate credential (VC-JOSE-COSE §3.1.1, schema-checked before anything is
 * signed), and verifying one. Verification adds to the generic checks
 * (header, `kid`, signature, validity, schema, optional status) what binds a
 * list to where it was found: its `id` is the URL it came from, its subject
 * is its issuer, and its issuer is the one the recognizing list (or the
 * verifier's anchor) expects.
 */

import { legateError, type LegateError, type InputError } from '../errors/index.js';
import { assertSchema } from '../credential/schema.js';
import { LEGATE_CONTEXT, VC_V2_CONTEXT, issuerId, type StatusEntry } from '../credential/types.js';
import { verifyCredentialJwt, type CredentialVerification, type VerifyCredentialOptions } from '../credential/verify-jwt.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString, assertPositiveInteger } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { isoSeconds, systemClock } from '../lib/clock.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { signCompactJws } from '../lib/jws.js';
import {
  TRUST_LIST_CREDENTIAL_TYPE,
  TRUST_LIST_SCHEMA_FILE,
  TRUST_LIST_SCHEMA_ID,
  TRUST_LIST_TYPE,
  type Accreditation,
  type Recognition,
  type TrustListCredential,
} from './types.js';

/** An accreditation as given to {@link buildTrustList}: dates may be `Date`s. */
export interface AccreditationInput extends Omit<Accreditation, 'validFrom' | 'validUntil'> {
  validFrom?: Date | string | undefined;
  validUntil?: Date | string | undefined;
}

/** A recognition as given to {@link buildTrustList}: `validUntil` may be a `Date`. */
export interface RecognitionInput extends Omit<Recognition, 'validUntil' | 'capabilities'> {
  capabilities?: string[] | undefined;
  validUntil?: Date | string | undefined;
}

/** What a trust list states. */
export interface TrustListInput {
  /** The URL the list is published at; also the credential `id`. */
  url: string;
  /** The publishing organization's DID; signs the list and is its subject. */
  issuer: string;
  /** A positive integer that grows with every published change. */
  version: number;
  accredits: AccreditationInput[];
  recognizes: RecognitionInput[];
  validFrom: Date;
  validUntil?: Date | undefined;
  /** Revocation of the whole list. */
  credentialStatus?: StatusEntry[] | undefined;
}

export interface IssueTrustListOptions extends Omit<TrustListInput, 'validFrom'> {
  /** Signs with one of the issuer's assertion keys. */
  signer: Signer;
  /** Defaults to now. */
  validFrom?: Date | undefined;
  /** A duration from `validFrom` (`P30D`, `30d`); ignored when `validUntil` is set. */
  validFor?: string | undefined;
  clock?: Clock | undefined;
}

export interface VerifyTrustListOptions extends VerifyCredentialOptions {
  /** The DID that must have signed the list. */
  expectedIssuer?: string | undefined;
  /** The URL the list was obtained from: its `id` must be exactly this. */
  expectedUrl?: string | undefined;
}

const iso = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? value : isoSeconds(value);

function invalid(message: string, claim: string): InputError {
  return legateError('ERR_INVALID_ARGUMENT', message, { claim });
}

/**
 * Builds an unsigned trust list credential.
 * @throws InputError `ERR_SCHEMA` when the result would not match its schema
 * (a malformed pattern, URL or DID, too many entries), `ERR_INVALID_ARGUMENT`
 * for an empty validity window; TypeError / RangeError for a missing URL or
 * issuer or a version that is not a positive integer.
 *
 * @example
 * ```ts
 * const credential = buildTrustList({
 *   url: 'https://bank.example/registry/trust-list', issuer: 'did:web:bank.example', version: 1,
 *   accredits: [{ issuer: 'did:web:acme.example', capabilities: ['read:crm:*'], maxDelegationDepth: 2 }],
 *   recognizes: [{ url: 'https://pay.example/registry/trust-list', issuer: 'did:web:pay.example', hops: 1 }],
 *   validFrom: new Date(),
 * });
 * ```
 */
export function buildTrustList(input: TrustListInput): TrustListCredential {
  assertNonEmptyString(input.url, 'url');
  assertNonEmptyString(input.issuer, 'issuer');
  assertPositiveInteger(input.version, 'version');
  if (!Array.isArray(input.accredits)) throw new TypeError('accredits must be an array');
  if (!Array.isArray(input.recognizes)) throw new TypeError('recognizes must be an array');
  if (input.validUntil !== undefined && input.validUntil.getTime() <= input.validFrom.getTime()) {
    throw invalid('validUntil must be after validFrom', 'validUntil');
  }
  const accredits = input.accredits.map(({ validFrom, validUntil, ...entry }): Accreditation => {
    const from = iso(validFrom);
    const until = iso(validUntil);
    return { ...entry, ...(from === undefined ? {} : { validFrom: from }), ...(until === undefined ? {} : { validUntil: until }) };
  });
  const recognizes = input.recognizes.map(({ validUntil, capabilities, ...entry }): Recognition => {
    const until = iso(validUntil);
    return { ...entry, ...(capabilities === undefined ? {} : { capabilities }), ...(until === undefined ? {} : { validUntil: until }) };
  });
  const credential: TrustListCredential = {
    '@context': [VC_V2_CONTEXT, LEGATE_CONTEXT],
    id: input.url,
    type: ['VerifiableCredential', TRUST_LIST_CREDENTIAL_TYPE],
    issuer: input.issuer,
    validFrom: isoSeconds(input.validFrom),
    ...(input.validUntil === undefined ? {} : { validUntil: isoSeconds(input.validUntil) }),
    credentialSchema: { id: TRUST_LIST_SCHEMA_ID, type: 'JsonSchema' },
    ...(input.credentialStatus === undefined ? {} : { credentialStatus: input.credentialStatus }),
    credentialSubject: { id: input.issuer, type: TRUST_LIST_TYPE, version: input.version, accredits, recognizes },
  };
  assertSchema(TRUST_LIST_SCHEMA_FILE, credential, 'trust list credential');
  return credential;
}

/**
 * Builds and signs a trust list credential as `vc+jwt`.
 * @throws as {@link buildTrustList}; InputError `ERR_INVALID_ARGUMENT` for a
 * signer of another DID, `ERR_MALFORMED` for a bad `validFor`.
 *
 * @example
 * ```ts
 * const { jwt } = await issueTrustList({
 *   url: 'https://bank.example/registry/trust-list', issuer: bank.did, signer: bank.signer,
 *   version: 3, accredits, recognizes: [], validFor: 'P7D',
 * });
 * ```
 */
export async function issueTrustList(options: IssueTrustListOptions): Promise<{ jwt: string; credential: TrustListCredential }> {
  assertNonEmptyString(options.issuer, 'issuer');
  if (!options.signer.kid.startsWith(`${options.issuer}#`)) {
    throw invalid('the signer key does not belong to the issuer DID', 'signer');
  }
  const validFrom = options.validFrom ?? (options.clock ?? systemClock)();
  const validUntil =
    options.validUntil ?? (options.validFor === undefined ? undefined : addDuration(validFrom, parseDuration(options.validFor)));
  const credential = buildTrustList({
    url: options.url,
    issuer: options.issuer,
    version: options.version,
    accredits: options.accredits,
    recognizes: options.recognizes,
    validFrom,
    validUntil,
    credentialStatus: options.credentialStatus,
  });
  const jwt = await signCompactJws(credential as unknown as Record<string, unknown>, options.signer, { typ: 'vc+jwt' });
  return { jwt, credential };
}

/**
 * Verifies a trust list secured as `vc+jwt`: every generic credential check
 * (header, key binding, signature, validity window, schema, status when a
 * `status` check is given), then `ERR_TRUST_LIST_MISMATCH` when its `id` is
 * not `expectedUrl` or its subject is not its issuer, and
 * `ERR_TRUST_LIST_ISSUER` when its issuer is not `expectedIssuer`. Every
 * failed check is reported.
 *
 * @example
 * ```ts
 * const result = await verifyTrustList(jwt, {
 *   resolver, expectedUrl: 'https://pay.example/registry/trust-list', expectedIssuer: 'did:web:pay.example',
 * });
 * if (result.verified) result.credential.credentialSubject.accredits;
 * ```
 */
export async function verifyTrustList(jwt: string, options: VerifyTrustListOptions): Promise<CredentialVerification<TrustListCredential>> {
  const result = await verifyCredentialJwt<TrustListCredential>(jwt, { schemaFile: TRUST_LIST_SCHEMA_FILE }, options);
  const { credential } = result;
  if (credential === undefined) return result;
  const errors: LegateError[] = [...result.errors];
  const issuer = issuerId(credential);
  if (options.expectedUrl !== undefined && credential.id !== options.expectedUrl) {
    const message = `trust list id is not the URL it was obtained from (${options.expectedUrl})`;
    errors.push(legateError('ERR_TRUST_LIST_MISMATCH', message, { claim: 'id' }));
  }
  const subject = (credential as { credentialSubject?: { id?: unknown } }).credentialSubject;
  if (subject?.id !== issuer) {
    errors.push(legateError('ERR_TRUST_LIST_MISMATCH', 'trust list subject is not its issuer', { claim: 'credentialSubject.id' }));
  }
  if (options.expectedIssuer !== undefined && issuer !== options.expectedIssuer) {
    errors.push(legateError('ERR_TRUST_LIST_ISSUER', `trust list is not signed by ${options.expectedIssuer}`, { claim: 'issuer' }));
  }
  return { ...result, verified: errors.length === 0, errors };
}
