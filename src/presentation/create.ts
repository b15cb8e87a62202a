/**
 * @module presentation/create
 *
 * A holder presents its capability credentials, with their whole delegation
 * chains, as a VCDM 2.0 presentation secured as `vp+jwt` (VC-JOSE-COSE §3.2):
 * each JWT credential enveloped as `data:application/vc+jwt,<jwt>`, each Data
 * Integrity credential embedded as itself (VCDM 2.0 §4.13), bound to one
 * verifier (`aud`) and one challenge (`nonce`), short-lived.
 */

import { randomUUID } from 'node:crypto';
import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { epochSeconds, systemClock } from '../lib/clock.js';
import { parseJson } from '../lib/json.js';
import { signCompactJws } from '../lib/jws.js';
import { VC_V2_CONTEXT } from '../credential/types.js';
import { securedText, securingForm, type SecuredCredential } from '../credential/verify-secured.js';

export const ENVELOPE_PREFIX = 'data:application/vc+jwt,';
/** Most credentials one presentation may carry. */
export const MAX_PRESENTED_CREDENTIALS = 32;

export interface CreatePresentationOptions {
  /** The holder's key; its DID is the presentation's `holder`. */
  signer: Signer;
  /**
   * The holder's credentials and every parent in their chains: JWTs, or Data
   * Integrity credentials (objects or JSON text), in any mix.
   */
  credentials: readonly SecuredCredential[];
  /** The verifier's DID. */
  audience: string;
  /** The verifier's challenge. */
  nonce: string;
  /** Lifetime in seconds; default 300. */
  lifetimeSeconds?: number;
  /**
   * The RFC 7638 thumbprint of a DPoP key the holder binds to this
   * presentation (`jkt` claim): an OAuth token obtained with it is bound to
   * that key instead of the holder's own (RFC 9449, SEP-1932).
   */
  jkt?: string;
  /**
   * The DID of the one agent allowed to act for the holder with this
   * presentation as its OAuth `subject_token` (RFC 8693 §4.4 `may_act`
   * claim, `{ sub }`): an authorization server takes it with that actor's
   * `actor_token` only.
   */
  mayAct?: string;
  clock?: Clock;
}

/** The DID part of a DID URL. */
export function didOf(kid: string): string {
  const hash = kid.indexOf('#');
  return hash === -1 ? kid : kid.slice(0, hash);
}

/** How a presentation carries one credential: a JWT enveloped in a data: URL, a Data Integrity credential as itself. */
function carried(secured: SecuredCredential): Record<string, unknown> {
  if (securingForm(secured) === 'jwt') {
    return { '@context': VC_V2_CONTEXT, type: 'EnvelopedVerifiableCredential', id: `${ENVELOPE_PREFIX}${securedText(secured)}` };
  }
  return parseJson(securedText(secured), 'credential') as Record<string, unknown>;
}

/**
 * Signs a presentation.
 * @throws InputError `ERR_INVALID_ARGUMENT` for no credentials, too many, or
 * an empty nonce or audience; `ERR_MALFORMED` for a Data Integrity credential
 * that is not JSON.
 *
 * @example
 * ```ts
 * const vp = await createPresentation({ signer: alice, credentials: [rootJwt], audience: bank.did, nonce });
 * ```
 */
export async function createPresentation(options: CreatePresentationOptions): Promise<string> {
  assertNonEmptyString(options.audience, 'audience');
  assertNonEmptyString(options.nonce, 'nonce');
  if (options.jkt !== undefined) assertNonEmptyString(options.jkt, 'jkt');
  if (options.mayAct !== undefined) assertNonEmptyString(options.mayAct, 'mayAct');
  const count = options.credentials.length;
  if (count === 0 || count > MAX_PRESENTED_CREDENTIALS) {
    throw legateError('ERR_INVALID_ARGUMENT', `a presentation carries 1 to ${MAX_PRESENTED_CREDENTIALS} credentials`, { claim: 'credentials' });
  }
  const now = epochSeconds((options.clock ?? systemClock)());
  const payload = {
    '@context': [VC_V2_CONTEXT],
    type: ['VerifiablePresentation'],
    id: `urn:uuid:${randomUUID()}`,
    holder: didOf(options.signer.kid),
    verifiableCredential: options.credentials.map(carried),
    aud: options.audience,
    nonce: options.nonce,
    iat: now,
    exp: now + (options.lifetimeSeconds ?? 300),
    ...(options.jkt === undefined ? {} : { jkt: options.jkt }),
    ...(options.mayAct === undefined ? {} : { may_act: { sub: options.mayAct } }),
  };
  return signCompactJws(payload, options.signer, { typ: 'vp+jwt' });
}
