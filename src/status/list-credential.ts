/**
 * @module status/list-credential
 *
 * Status list credentials (W3C Bitstring Status List v1.0 §2.2): building
 * one from a bitstring, securing it as `vc+jwt` like every Legate credential
 * (VC-JOSE-COSE §3.1.1) or with a Data Integrity proof (`eddsa-rdfc-2022`),
 * verifying one in either form, and reading its list. Reading
 * validates what the schema leaves to code: the subject type matches the
 * credential type, every purpose is one the spec defines, and the list
 * decodes within bounds (§3.2) to at least the minimum length.
 */

import { legateError, type InputError } from '../errors/index.js';
import { secureCredential } from '../credential/issue.js';
import type { CredentialVerification, VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { verifySecuredCredential, type SecuredCredential } from '../credential/verify-secured.js';
import type { DataIntegritySecured } from '../data-integrity/types.js';
import { assertSchema } from '../credential/schema.js';
import { issuerId, VC_V2_CONTEXT } from '../credential/types.js';
import type { Signer } from '../keys/signer.js';
import { assertBytes, assertNonEmptyString, isRecord } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { isoSeconds, systemClock } from '../lib/clock.js';
import { parseJson } from '../lib/json.js';
import { decodeList, encodeList, type DecodeListLimits } from './bitstring.js';
import {
  KNOWN_STATUS_PURPOSES,
  STATUS_LIST_2021_CREDENTIAL_TYPE,
  STATUS_LIST_2021_TYPE,
  STATUS_LIST_CREDENTIAL_TYPE,
  STATUS_LIST_SCHEMA_FILE,
  STATUS_LIST_TYPE,
  STATUS_PURPOSES,
  type BitstringStatusListCredential,
  type StatusPurpose,
} from './types.js';

/** How long verifiers may cache a list when the issuer says nothing: 5 minutes. */
export const DEFAULT_STATUS_TTL_MS = 5 * 60 * 1000;
/** Longest `ttl` Legate writes or honours: one year. */
export const MAX_STATUS_TTL_MS = 365 * 24 * 60 * 60 * 1000;

/** What a status list credential states. */
export interface StatusListCredentialInput {
  /** The URL the list is published at; also the credential `id`. */
  id: string;
  /** The DID that signs the list: the issuer of every credential it covers. */
  issuer: string;
  purpose: StatusPurpose;
  /** The raw bitstring, at least 131,072 bits. */
  bits: Uint8Array;
  validFrom: Date;
  /** Recommended: bounds how long an old copy of the list can be replayed. */
  validUntil?: Date | undefined;
  /** `ttl` in milliseconds. Default {@link DEFAULT_STATUS_TTL_MS}. */
  ttlMs?: number | undefined;
}

export interface IssueStatusListOptions extends Omit<StatusListCredentialInput, 'validFrom'> {
  /** Signs with one of the issuer's assertion keys. */
  signer: Signer;
  /** Defaults to now. */
  validFrom?: Date | undefined;
  /** How the list is secured: `jwt` (`vc+jwt`, default) or `di` (a Data Integrity proof). */
  format?: 'jwt' | 'di' | undefined;
  clock?: Clock | undefined;
}

/** A list as a verifier uses it, once read from its credential. */
export interface StatusList {
  /** The credential `id`, when present. */
  id: string | undefined;
  issuer: string | undefined;
  /** Every purpose the list serves. */
  purposes: string[];
  bits: Uint8Array;
  /** Number of entries. */
  length: number;
  /** `ttl` in milliseconds, when the list states one. */
  ttlMs: number | undefined;
  /** `validUntil` in ms since the epoch, when present. */
  validUntil: number | undefined;
}

function assertListUrl(value: unknown, name: string): asserts value is string {
  assertNonEmptyString(value, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw legateError('ERR_INVALID_ARGUMENT', `${name} must be an absolute URL`, { claim: name });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '') {
    throw legateError('ERR_INVALID_ARGUMENT', `${name} must be an http(s) URL without a fragment`, { claim: name });
  }
}

/**
 * Builds an unsigned status list credential (§2.2).
 * @throws InputError `ERR_STATUS_LIST_LENGTH` for a short list, `ERR_SCHEMA`
 * when the result would not match its schema, `ERR_INVALID_ARGUMENT` for a
 * bad URL, purpose, ttl or validity window.
 *
 * @example
 * ```ts
 * const credential = buildStatusListCredential({
 *   id: 'https://acme.example/status/r-1', issuer: 'did:web:acme.example',
 *   purpose: 'revocation', bits: createList(), validFrom: new Date(),
 * });
 * ```
 */
export function buildStatusListCredential(input: StatusListCredentialInput): BitstringStatusListCredential {
  assertListUrl(input.id, 'id');
  assertNonEmptyString(input.issuer, 'issuer');
  assertBytes(input.bits, 'bits');
  if (!STATUS_PURPOSES.includes(input.purpose)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'purpose must be revocation or suspension', { claim: 'purpose' });
  }
  const ttl = input.ttlMs ?? DEFAULT_STATUS_TTL_MS;
  if (!Number.isSafeInteger(ttl) || ttl < 0 || ttl > MAX_STATUS_TTL_MS) {
    throw legateError('ERR_INVALID_ARGUMENT', `ttlMs must be an integer in [0, ${MAX_STATUS_TTL_MS}]`, { claim: 'ttlMs' });
  }
  if (input.validUntil !== undefined && input.validUntil.getTime() <= input.validFrom.getTime()) {
    throw legateError('ERR_INVALID_ARGUMENT', 'validUntil must be after validFrom', { claim: 'validUntil' });
  }
  const credential: BitstringStatusListCredential = {
    '@context': [VC_V2_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', STATUS_LIST_CREDENTIAL_TYPE],
    issuer: input.issuer,
    validFrom: isoSeconds(input.validFrom),
    ...(input.validUntil === undefined ? {} : { validUntil: isoSeconds(input.validUntil) }),
    credentialSubject: {
      id: `${input.id}#list`,
      type: STATUS_LIST_TYPE,
      statusPurpose: input.purpose,
      encodedList: encodeList(input.bits),
      ttl,
    },
  };
  assertSchema(STATUS_LIST_SCHEMA_FILE, credential, 'status list credential');
  return credential;
}

/**
 * Builds and signs a status list credential, as `vc+jwt` or (`format: 'di'`)
 * with a Data Integrity proof, whose JSON is then what is published.
 * @throws as {@link buildStatusListCredential}; `ERR_INVALID_ARGUMENT` for a signer of another DID.
 *
 * @example
 * ```ts
 * const { jwt } = await issueStatusListCredential({
 *   id: 'https://acme.example/status/r-1', issuer: acme.did, signer: acme.signer,
 *   purpose: 'revocation', bits, validUntil: tomorrow, ttlMs: 300_000,
 * });
 * const { secured } = await issueStatusListCredential({ ...sameOptions, format: 'di' });
 * ```
 */
export function issueStatusListCredential(
  options: IssueStatusListOptions & { format: 'di' },
): Promise<{ format: 'di'; secured: DataIntegritySecured<BitstringStatusListCredential>; credential: BitstringStatusListCredential }>;
export function issueStatusListCredential(
  options: IssueStatusListOptions & { format?: 'jwt' | undefined },
): Promise<{ jwt: string; credential: BitstringStatusListCredential }>;
export async function issueStatusListCredential(
  options: IssueStatusListOptions,
): Promise<
  | { jwt: string; credential: BitstringStatusListCredential }
  | { format: 'di'; secured: DataIntegritySecured<BitstringStatusListCredential>; credential: BitstringStatusListCredential }
> {
  assertNonEmptyString(options.issuer, 'issuer');
  if (!options.signer.kid.startsWith(`${options.issuer}#`)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'the signer key does not belong to the issuer DID', { claim: 'signer' });
  }
  const validFrom = options.validFrom ?? (options.clock ?? systemClock)();
  const credential = buildStatusListCredential({ ...options, validFrom });
  const secured = await secureCredential(credential, options.signer, options.format, options.clock);
  return 'secured' in secured ? { format: 'di', secured: secured.secured, credential } : { jwt: secured.jwt, credential };
}

/**
 * Most JSON values of a status list in Data Integrity form. A list states a
 * handful (its bits are one string), so a hostile list of many small values,
 * which would cost seconds of canonicalization before its proof is known to
 * hold, is refused first.
 */
const MAX_DI_LIST_NODES = 256;

/**
 * Verifies a status list credential secured as `vc+jwt` or with a Data
 * Integrity proof (an object, or its JSON text): securing, key binding,
 * signature, validity window and schema, every failed check reported. It
 * does not decode the list; {@link readStatusList} does.
 *
 * @example
 * ```ts
 * const result = await verifyStatusListCredential(jwt, { resolver });
 * if (result.verified) readStatusList(result.credential);
 * ```
 */
export function verifyStatusListCredential(
  secured: SecuredCredential,
  options: VerifyCredentialOptions,
): Promise<CredentialVerification<BitstringStatusListCredential>> {
  return verifySecuredCredential(secured, { schemaFile: STATUS_LIST_SCHEMA_FILE, maxNodes: MAX_DI_LIST_NODES }, options);
}

/**
 * @internal Whether a fetched list body is a Data Integrity secured
 * credential (JSON with a `proof`), to be verified as one rather than read
 * as an unsigned list.
 */
export function isDataIntegrityList(text: string, maxLength: number): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const value = parseJson(text, 'status list credential', { maxLength });
    return isRecord(value) && 'proof' in value;
  } catch {
    return false;
  }
}

function malformed(message: string, claim: string): InputError {
  return legateError('ERR_MALFORMED', message, { claim });
}

/**
 * Reads the list of a (verified, or deliberately unsigned) list credential.
 * Accepts `BitstringStatusListCredential` and `StatusList2021Credential`.
 *
 * @throws InputError `ERR_MALFORMED` for a credential that is not a status
 * list; `ERR_STATUS_PURPOSE` for a purpose the spec does not define (§2.1);
 * as {@link decodeList} for the list itself.
 *
 * @example
 * ```ts
 * const list = readStatusList(credential);
 * getBit(list.bits, 94023);
 * ```
 */
export function readStatusList(credential: unknown, limits: DecodeListLimits = {}): StatusList {
  if (!isRecord(credential)) throw malformed('status list credential is not an object', '/');
  const types = Array.isArray(credential.type) ? (credential.type as unknown[]) : [credential.type];
  const subjectType = types.includes(STATUS_LIST_CREDENTIAL_TYPE)
    ? STATUS_LIST_TYPE
    : types.includes(STATUS_LIST_2021_CREDENTIAL_TYPE)
      ? STATUS_LIST_2021_TYPE
      : undefined;
  if (subjectType === undefined) throw malformed('credential is not a status list credential', 'type');
  const subject = credential.credentialSubject;
  if (!isRecord(subject) || subject.type !== subjectType) {
    throw malformed(`credentialSubject must be a ${subjectType}`, 'credentialSubject');
  }
  const purposes: unknown[] = Array.isArray(subject.statusPurpose) ? subject.statusPurpose : [subject.statusPurpose];
  if (purposes.length === 0 || !purposes.every((p): p is string => typeof p === 'string')) {
    throw malformed('statusPurpose must be a string or a non-empty array of strings', 'statusPurpose');
  }
  const unknown = purposes.find((p) => !KNOWN_STATUS_PURPOSES.includes(p));
  if (unknown !== undefined) {
    throw legateError('ERR_STATUS_PURPOSE', `status list purpose ${JSON.stringify(unknown.slice(0, 32))} is not defined`, {
      claim: 'statusPurpose',
      reason: 'unknown',
    });
  }
  const { ttl } = subject;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 0)) {
    throw malformed('ttl must be a non-negative integer of milliseconds', 'ttl');
  }
  const bits = decodeList(subject.encodedList as string, limits);
  const until = typeof credential.validUntil === 'string' ? Date.parse(credential.validUntil) : Number.NaN;
  return {
    id: typeof credential.id === 'string' ? credential.id : undefined,
    issuer: issuerId(credential),
    purposes,
    bits,
    length: bits.length * 8,
    ttlMs: ttl === undefined ? undefined : Math.min(ttl, MAX_STATUS_TTL_MS),
    validUntil: Number.isNaN(until) ? undefined : until,
  };
}
