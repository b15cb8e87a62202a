/**
 * @module credential/jwt-vc1
 *
 * VCDM 1.1 JWT credentials (VC Data Model 1.1 §6.3.1), the form did-jwt-vc and
 * Veramo write: `typ: JWT`, the credential in a `vc` claim, and `iss`, `sub`,
 * `jti`, `nbf`, `exp` standing in for `issuer`, `credentialSubject.id`, `id`,
 * `issuanceDate` and `expirationDate`. Legate reads such a token as the VCDM
 * 2.0 credential it states (the 1.1 base context read as the 2.0 one,
 * `issuanceDate` as `validFrom`, `expirationDate` as `validUntil`), so every
 * later check (schema, validity, status, trust, delegation) is the same for
 * both forms; and it can write its own credentials in this form for verifiers
 * that only speak 1.1.
 */

import { legateError, type LegateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import { signCompactJws, type DecodedJws } from '../lib/jws.js';
import { VC_V2_CONTEXT } from './types.js';

export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

/** Whether a decoded token is a VCDM 1.1 JWT credential: a `vc` claim, and not typed as a 2.0 `vc+jwt`. */
export function isVc1Jwt(decoded: Pick<DecodedJws, 'header' | 'payload'>): boolean {
  const { typ } = decoded.header;
  return isRecord(decoded.payload.vc) && (typ === undefined || typ === 'JWT');
}

function isoFromSeconds(seconds: unknown, claim: string, errors: LegateError[]): string | undefined {
  if (seconds === undefined) return undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || Math.abs(seconds) > 8.64e12) {
    errors.push(legateError('ERR_MALFORMED', `${claim} is not a NumericDate`, { claim }));
    return undefined;
  }
  return new Date(Math.floor(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Sets `key` from a registered claim, reporting a disagreement with the value the `vc` claim already states. */
function merge(target: Record<string, unknown>, key: string, value: unknown, claim: string, errors: LegateError[]): void {
  if (value === undefined) return;
  if (target[key] !== undefined && target[key] !== value) {
    errors.push(legateError('ERR_MALFORMED', `${claim} and the credential's ${key} disagree`, { claim }));
    return;
  }
  target[key] = value;
}

/**
 * Reads a VCDM 1.1 JWT payload as the VCDM 2.0 credential it states. Problems
 * (a `vc` claim without the 1.1 base context, registered claims that
 * contradict the credential, bad dates) are returned, never thrown.
 */
export function readVc1Payload(payload: Record<string, unknown>): { credential: Record<string, unknown>; errors: LegateError[] } {
  const errors: LegateError[] = [];
  const { issuanceDate, expirationDate, ...vc } = payload.vc as Record<string, unknown>;
  const credential: Record<string, unknown> = { ...vc };
  const context: unknown = vc['@context'];
  if (Array.isArray(context) && context[0] === VC_V1_CONTEXT) {
    credential['@context'] = [VC_V2_CONTEXT, ...(context as unknown[]).slice(1)];
  } else {
    errors.push(legateError('ERR_MALFORMED', `a vc claim must begin its @context with ${VC_V1_CONTEXT}`, { claim: '@context' }));
  }
  const issuer = isRecord(vc.issuer) ? vc.issuer.id : vc.issuer;
  if (payload.iss !== undefined && issuer !== undefined && issuer !== payload.iss) {
    errors.push(legateError('ERR_MALFORMED', "iss and the credential's issuer disagree", { claim: 'iss' }));
  } else if (issuer === undefined && payload.iss !== undefined) {
    credential.issuer = payload.iss;
  }
  merge(credential, 'id', payload.jti, 'jti', errors);
  merge(credential, 'validFrom', isoFromSeconds(payload.nbf, 'nbf', errors) ?? issuanceDate, 'nbf', errors);
  merge(credential, 'validUntil', isoFromSeconds(payload.exp, 'exp', errors) ?? expirationDate, 'exp', errors);
  if (payload.sub !== undefined) {
    if (isRecord(vc.credentialSubject)) {
      const subject = { ...vc.credentialSubject };
      merge(subject, 'id', payload.sub, 'sub', errors);
      credential.credentialSubject = subject;
    } else {
      errors.push(legateError('ERR_MALFORMED', 'sub needs a single credentialSubject', { claim: 'sub' }));
    }
  }
  return { credential, errors };
}

/** Writes a VCDM 2.0 credential as a VCDM 1.1 JWT payload (the inverse of `readVc1Payload`). */
export function toVc1Payload(credential: Record<string, unknown>): Record<string, unknown> {
  const { '@context': context, id, issuer, validFrom, validUntil, credentialSubject, ...rest } = credential;
  const contexts = Array.isArray(context) ? (context as unknown[]).filter((c) => c !== VC_V2_CONTEXT) : [];
  const { id: sub, ...claims } = isRecord(credentialSubject) ? credentialSubject : {};
  const seconds = (iso: unknown): number | undefined => (typeof iso === 'string' ? Math.floor(Date.parse(iso) / 1000) : undefined);
  const nbf = seconds(validFrom);
  const exp = seconds(validUntil);
  return {
    vc: { '@context': [VC_V1_CONTEXT, ...contexts], ...rest, credentialSubject: claims },
    iss: isRecord(issuer) ? issuer.id : issuer,
    ...(sub === undefined ? {} : { sub }),
    ...(id === undefined ? {} : { jti: id }),
    ...(nbf === undefined ? {} : { nbf }),
    ...(exp === undefined ? {} : { exp }),
  };
}

/** Signs a VCDM 2.0 credential as a VCDM 1.1 JWT (`typ: JWT`, `alg: EdDSA`, `kid` from the signer). */
export function signVc1Jwt(credential: Record<string, unknown>, signer: Signer): Promise<string> {
  return signCompactJws(toVc1Payload(credential), signer, { typ: 'JWT' });
}
