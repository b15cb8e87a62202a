/**
 * @module credential/verify-secured
 *
 * One notion of a secured credential for every verify path: a compact JWS
 * (`vc+jwt`, or a VCDM 1.1 JWT), or a credential secured with a Data
 * Integrity proof, given as its object or as its JSON text (a string that
 * starts with `{`, as stored in a database or read from a file). This module
 * tells the forms apart and sends each to its verifier; what follows the
 * signature is shared (`checks.ts`).
 */

import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { parseJson } from '../lib/json.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type DecodedJws } from '../lib/jws.js';
import { decodeRemembered, type SignatureMemo } from '../lib/signature-memo.js';
import type { CredentialProfile } from './checks.js';
import { isVc1Jwt, readVc1Payload } from './jwt-vc1.js';
import { verifyCredentialDataIntegrity } from './verify-di.js';
import { verifyCredentialJwt, type CredentialVerification, type VerifyCredentialOptions } from './verify-jwt.js';

/**
 * A credential as transmitted: a compact JWS string; or a Data Integrity
 * secured credential, as an object with `proof` or as its JSON text.
 */
export type SecuredCredential = string | object;

/** The securing form of a credential: `jwt` for a compact JWS, `di` for a JSON credential with a Data Integrity proof. */
export function securingForm(secured: unknown): 'jwt' | 'di' {
  if (typeof secured === 'string') return secured.trimStart().startsWith('{') ? 'di' : 'jwt';
  return 'di';
}

/**
 * The credential as text, the way it is stored and carried: a JWS as is, a
 * Data Integrity credential as its JSON.
 * @throws InputError `ERR_MALFORMED` for an object that is not JSON.
 */
export function securedText(secured: SecuredCredential): string {
  if (typeof secured === 'string') return secured.trim();
  try {
    return JSON.stringify(secured);
  } catch (cause) {
    throw legateError('ERR_MALFORMED', 'the credential is not serializable as JSON', { claim: 'credential', cause });
  }
}

/**
 * The credential a secured credential states, without verifying anything
 * (for routing: ids, parents), or undefined when it cannot be read. A Data
 * Integrity credential is given without its proof.
 */
export function readUnverified(secured: unknown, maxLength = DEFAULT_MAX_TOKEN_LENGTH): Record<string, unknown> | undefined {
  return readUnverifiedForm(secured, maxLength).stated;
}

/**
 * @internal {@link readUnverified}, with the compact JWS as decoded (for a
 * JWT), so verifying it next need not decode it again; a JWT's decoding
 * kept in `memo` is used when there is one.
 */
export function readUnverifiedForm(
  secured: unknown,
  maxLength = DEFAULT_MAX_TOKEN_LENGTH,
  memo?: SignatureMemo,
): { stated: Record<string, unknown> | undefined; decoded?: DecodedJws } {
  try {
    if (securingForm(secured) === 'jwt') {
      const decoded = decodeRemembered(secured as string, maxLength, memo);
      return { stated: isVc1Jwt(decoded) ? readVc1Payload(decoded.payload).credential : decoded.payload, decoded };
    }
    const value = typeof secured === 'string' ? parseJson(secured, 'credential', { maxLength }) : secured;
    if (!isRecord(value)) return { stated: undefined };
    const { proof: _proof, ...credential } = value;
    return { stated: credential };
  } catch {
    return { stated: undefined };
  }
}

/** @internal Verifies a secured credential of one profile, whichever its form. */
export function verifySecuredCredential<C>(
  secured: SecuredCredential,
  profile: CredentialProfile,
  options: VerifyCredentialOptions,
  decoded?: DecodedJws,
): Promise<CredentialVerification<C>> {
  if (securingForm(secured) === 'jwt') return verifyCredentialJwt<C>(secured as string, profile, options, decoded);
  return verifyCredentialDataIntegrity<C>(secured, profile, options);
}
