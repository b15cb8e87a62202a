/**
 * @module credential/checks
 *
 * The checks every credential gets once its securing form (a `vc+jwt`, a
 * VCDM 1.1 JWT, or a Data Integrity proof) has been verified, the same for
 * each form and with the same codes: status (revocation, suspension) and the
 * profile's own checks (issuer trust) for a credential whose issuer really
 * signed it, then the validity window with a configurable skew, and the
 * JSON Schema.
 */

import { legateError, type LegateError } from '../errors/index.js';
import type { ValidSchemas } from '../lib/valid-schemas.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { schemaErrors } from './schema.js';

/** Returns the status failures of a credential (`ERR_REVOKED`, `ERR_SUSPENDED`, `ERR_STATUS_UNAVAILABLE`, …), or none. */
export type StatusCheck = (credential: Record<string, unknown>, issuer: string) => Promise<LegateError[]>;

/** @internal What one credential type adds to the generic checks. */
export interface CredentialProfile {
  /** File name of the JSON Schema in `schemas/`. */
  schemaFile: string;
  /** Checks of a credential whose signature verified (after status). */
  afterSignature?: (payload: Record<string, unknown>, issuer: string) => Promise<LegateError[]>;
  /** Most JSON values a Data Integrity form may hold (its canonicalization cost). Default 4,096. */
  maxNodes?: number;
}

/** @internal The options the generic checks read. */
export interface CheckOptions {
  /** See {@link ValidSchemas}; without it, every credential is validated. */
  validSchemas?: ValidSchemas | undefined;
  status?: StatusCheck | undefined;
  clock?: Clock | undefined;
  /** Tolerated clock difference for `validFrom` / `validUntil`, in seconds. Default 60. */
  skewSeconds?: number | undefined;
}

export const DEFAULT_SKEW_SECONDS = 60;

function timeErrors(credential: Record<string, unknown>, now: number, skewMs: number): LegateError[] {
  const errors: LegateError[] = [];
  const { validFrom, validUntil } = credential;
  const from = typeof validFrom === 'string' ? Date.parse(validFrom) : Number.NaN;
  if (Number.isNaN(from)) {
    errors.push(legateError('ERR_MALFORMED', 'validFrom is missing or not a date', { claim: 'validFrom' }));
  } else if (from - skewMs > now) {
    errors.push(legateError('ERR_NOT_YET_VALID', `credential is not valid before ${validFrom as string}`, { claim: 'validFrom' }));
  }
  if (validUntil !== undefined) {
    const until = typeof validUntil === 'string' ? Date.parse(validUntil) : Number.NaN;
    if (Number.isNaN(until)) {
      errors.push(legateError('ERR_MALFORMED', 'validUntil is not a date', { claim: 'validUntil' }));
    } else if (until + skewMs < now) {
      errors.push(legateError('ERR_EXPIRED', `credential expired at ${validUntil as string}`, { claim: 'validUntil' }));
    }
  }
  return errors;
}

/**
 * @internal The checks after the signature: status and the profile's own
 * checks only when `signed` (the issuer's signature verified: its status
 * URLs are the issuer's word), then validity and schema always.
 */
export async function credentialChecks(
  payload: Record<string, unknown>,
  issuer: string | undefined,
  signed: boolean,
  profile: CredentialProfile,
  options: CheckOptions,
  /** What names the exact text `payload` was parsed from, with its form (its signer's key and valid signature): a key of {@link ValidSchemas}. */
  textKey?: string,
): Promise<LegateError[]> {
  const errors: LegateError[] = [];
  if (signed && options.status !== undefined && issuer !== undefined) {
    errors.push(...(await options.status(payload, issuer)));
  }
  if (signed && profile.afterSignature !== undefined && issuer !== undefined) {
    errors.push(...(await profile.afterSignature(payload, issuer)));
  }
  const now = (options.clock ?? systemClock)().getTime();
  errors.push(...timeErrors(payload, now, (options.skewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000));
  const known = textKey === undefined ? undefined : `${profile.schemaFile}\n${textKey}`;
  if (known === undefined || options.validSchemas?.get(known) !== true) {
    const invalid = schemaErrors(profile.schemaFile, payload);
    if (invalid.length === 0 && known !== undefined) options.validSchemas?.set(known, true);
    errors.push(...invalid);
  }
  return errors;
}
