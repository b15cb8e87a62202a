/**
 * @module oauth/client-assertion
 *
 * `private_key_jwt` client authentication (RFC 7523 §2.2, RFC 7521 §5.2)
 * for callers of introspection and AuthZEN: a short-lived JWT, `iss` = `sub`
 * = the client's DID, signed EdDSA by one of its authentication keys (`kid`
 * a DID URL of it), for the authorization server (`aud`), single use by
 * `jti`. Everything that needs no key is checked first: the algorithm, the
 * client being registered here (so a stranger never makes the server
 * resolve a DID), the audience and the times; only then the DID is resolved
 * and the signature checked, and last the `jti` is claimed.
 */

import { randomUUID } from 'node:crypto';
import { didSignature } from '../did/signature.js';
import type { KeyResolvable } from '../did/verification-key.js';
import { legateError } from '../errors/index.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { decodeCompactJws, signCompactJws, type DecodedJws } from '../lib/jws.js';
import type { Signer } from '../lib/signer.js';

/** JWS `typ` of the assertions Legate writes (explicit typing, RFC 8725 §3.11, as draft-ietf-oauth-rfc7523bis asks). */
export const CLIENT_ASSERTION_TYP = 'client-authentication+jwt';
/** `typ` values accepted: none, plain `JWT` (what stock clients write), or the explicit type. */
const ACCEPTED_TYPS = new Set([undefined, 'JWT', CLIENT_ASSERTION_TYP]);
/** Longest assertion read, in characters. */
const MAX_ASSERTION_LENGTH = 8 * 1024;
/** The furthest ahead an assertion's `exp` may be, in seconds: a longer-lived one is a standing credential. */
const MAX_LIFETIME_SECONDS = 300;
const MAX_JTI_LENGTH = 256;

const invalidClient = (message: string, reason: string, cause?: unknown) =>
  legateError('ERR_INVALID_CLIENT', message, { claim: 'client_assertion', reason, ...(cause === undefined ? {} : { cause }) });

/**
 * A client assertion for `audience` (the issuer URL or the endpoint URL).
 * @throws InputError `ERR_INVALID_ARGUMENT` for a lifetime outside 1..300 seconds.
 *
 * @example
 * ```ts
 * const assertion = await createClientAssertion({ signer, clientId: rsDid, audience: 'https://acme.example' });
 * ```
 */
export async function createClientAssertion(options: {
  signer: Signer;
  clientId: string;
  audience: string;
  lifetimeSeconds?: number | undefined;
  clock?: Clock | undefined;
}): Promise<string> {
  const lifetime = options.lifetimeSeconds ?? 60;
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > MAX_LIFETIME_SECONDS) {
    throw legateError('ERR_INVALID_ARGUMENT', `lifetimeSeconds must be an integer from 1 to ${MAX_LIFETIME_SECONDS}`, { claim: 'lifetimeSeconds' });
  }
  const iat = epochSeconds((options.clock ?? systemClock)());
  const claims = { iss: options.clientId, sub: options.clientId, aud: options.audience, jti: `urn:uuid:${randomUUID()}`, iat, exp: iat + lifetime };
  return signCompactJws(claims, options.signer, { typ: CLIENT_ASSERTION_TYP });
}

/** What {@link verifyClientAssertion} checks an assertion against. */
export interface VerifyClientAssertionOptions {
  /** The client DIDs registered here (`oauth.clients`). */
  allowed: readonly string[];
  /** The audiences accepted: the issuer URL and the endpoint URL. */
  audiences: readonly string[];
  resolver: KeyResolvable;
  /** Claims each `jti` until the assertion expires; absent: no replay check (the caller's choice). */
  replay?: ReplayCache | undefined;
  clock?: Clock | undefined;
  /** Clock skew tolerated, in seconds; default 60. */
  skewSeconds?: number | undefined;
}

/**
 * Authenticates a client by its assertion.
 * @throws VerificationError `ERR_INVALID_CLIENT`, reason `missing`, `malformed`, `alg`, `typ`, `client`
 * (`iss` not registered, or `sub` ≠ `iss`), `aud`, `exp`, `lifetime`, `iat`, `jti`, `kid`, `did`, `signature`
 * or `replay`.
 *
 * @example
 * ```ts
 * const { clientId } = await verifyClientAssertion(form.get('client_assertion') ?? undefined,
 *   { allowed: node.oauth.clients, audiences: [issuer, `${issuer}/oauth/introspect`], resolver, replay });
 * ```
 */
export async function verifyClientAssertion(assertion: string | undefined, options: VerifyClientAssertionOptions): Promise<{ clientId: string }> {
  if (assertion === undefined || assertion === '') throw invalidClient('a client assertion is required', 'missing');
  if (typeof assertion !== 'string' || assertion.length > MAX_ASSERTION_LENGTH) throw invalidClient('the client assertion is malformed or too long', 'malformed');
  let decoded: DecodedJws;
  try {
    decoded = decodeCompactJws(assertion, MAX_ASSERTION_LENGTH);
  } catch (cause) {
    throw invalidClient('the client assertion is not a well-formed JWT', 'malformed', cause);
  }
  const { header, payload } = decoded;
  if (header.alg !== 'EdDSA') throw invalidClient('only EdDSA client assertions are accepted', 'alg');
  if (!ACCEPTED_TYPS.has(header.typ)) throw invalidClient('the client assertion typ is not a client assertion type', 'typ');
  if (header.crit !== undefined) throw invalidClient('header crit is not supported', 'malformed');
  const { iss, sub, aud, exp, iat, nbf, jti } = payload;
  if (typeof iss !== 'string' || !options.allowed.includes(iss)) throw invalidClient('the client is not registered here', 'client');
  if (sub !== iss) throw invalidClient('the client assertion sub must be its iss', 'client');
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((a) => typeof a === 'string' && options.audiences.includes(a))) throw invalidClient('the client assertion is for another audience', 'aud');
  const skew = options.skewSeconds ?? 60;
  const now = epochSeconds((options.clock ?? systemClock)());
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalidClient('the client assertion needs exp', 'exp');
  if (now > exp + skew) throw invalidClient('the client assertion is expired', 'exp');
  if (exp > now + MAX_LIFETIME_SECONDS + skew) throw invalidClient(`the client assertion lives longer than ${MAX_LIFETIME_SECONDS} seconds`, 'lifetime');
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + skew)) throw invalidClient('the client assertion iat is in the future', 'iat');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + skew)) throw invalidClient('the client assertion is not yet valid', 'iat');
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalidClient('the client assertion needs a jti', 'jti');

  const { errors } = await didSignature(decoded, options.resolver, {
    did: iss,
    relationship: 'authentication',
    party: 'client',
    didClaim: 'iss',
    what: 'client assertion signature',
  });
  const [error] = errors;
  if (error !== undefined) {
    const reason = error.code === 'ERR_SIGNATURE_INVALID' ? 'signature' : error.code === 'ERR_KID_INVALID' ? 'kid' : 'did';
    throw invalidClient(`the client assertion does not verify: ${error.message}`, reason, error);
  }
  if (options.replay !== undefined) {
    const first = await options.replay.remember(`oauth:client-assertion:${iss}:${jti}`, new Date((exp + skew + 1) * 1000));
    if (!first) throw invalidClient('the client assertion was already used', 'replay');
  }
  return { clientId: iss };
}
