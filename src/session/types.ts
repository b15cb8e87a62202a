/**
 * @module session/types
 *
 * The claims of a Legate session token (DESIGN "Handshake (ACE) and
 * sessions"): a JWT (`typ: session+jwt`) that verifier B issues to agent A at
 * the end of a handshake. `sub` is A, `aud` is B, `cnf` binds it to A's key
 * (RFC 7800), `capabilities` are what B trusted, and `act` carries A's
 * delegation chain as nested RFC 8693 actor claims.
 *
 * How `act` is used (RFC 8693 §4.1): `sub` is the party that presents the
 * token and signs actions, the current actor, because the token is bound to
 * its key. `act` lists the parties A acts for, most recent first, nested the
 * way §4.1 nests prior actors: the outermost `act` is the agent (or
 * sub-agent) directly above A in the chain, and the innermost (least recent)
 * is the accountable human owner. For `acme → alice → sub-agent`, the
 * sub-agent's session reads
 * `{ sub: <sub-agent>, act: { sub: <alice>, act: { sub: <owner> } } }`;
 * alice's own session reads `{ sub: <alice>, act: { sub: <owner> } }`. The
 * issuing organization is not an actor; it is named by each capability's
 * credential.
 */

import type { Capability, CapabilitySubject, Constraints } from '../credential/types.js';

/** JWS `typ` of a session token. */
export const SESSION_TYP = 'session+jwt';

/** Default session lifetime, in seconds: "a few minutes of life". */
export const DEFAULT_SESSION_LIFETIME_SECONDS = 300;

/** Most capabilities a session carries (the handshake's intent bound). */
export const MAX_SESSION_CAPABILITIES = 32;

/** A capability granted for the session: the intent B trusted, with the limits that still apply. */
export interface SessionCapability extends Capability {
  /** Shared constraints of the granting credential; they apply to this capability too. */
  credentialConstraints?: Constraints;
  /** The id of the (leaf) capability credential that grants it. */
  credential: string;
}

/** Most rejected intents a session token remembers. */
export const MAX_SESSION_REJECTIONS = 32;

/**
 * An intent the handshake rejected, with its reason code, so an action
 * under it is refused with that reason (`ERR_UNTRUSTED_ISSUER`, `ERR_REVOKED`…)
 * rather than a bare `ERR_NOT_AUTHORIZED`. No free text: it stays small.
 */
export interface SessionRejection {
  action: string;
  resource: string;
  scope?: string;
  code: string;
}

/** An RFC 8693 actor claim, nested for prior actors. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

/** RFC 7800 confirmation: the holder's key as a verification method id and an OKP JWK. */
export interface SessionConfirmation {
  kid: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

export interface SessionClaims {
  /** The issuer: B, or B's organization. */
  iss: string;
  /** The agent the session is for (A). */
  sub: string;
  /** The verifier that accepts the session (B). */
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  cnf: SessionConfirmation;
  capabilities: SessionCapability[];
  /** Intents the handshake rejected, with their codes (at most {@link MAX_SESSION_REJECTIONS}). */
  rejected?: SessionRejection[];
  act?: ActorClaim;
}

/** The actors of an `act` claim, outermost (most recent) first. */
export function actorsOf(claims: { act?: ActorClaim | undefined }): string[] {
  const actors: string[] = [];
  for (let act = claims.act; act !== undefined && actors.length < 16; act = act.act) actors.push(act.sub);
  return actors;
}

/**
 * The session's capabilities as subjects `authorize()` accepts, one per
 * capability so each keeps its credential's shared constraints. The owner is
 * the innermost actor (or `sub` when there is none).
 *
 * @example
 * ```ts
 * const decision = authorize(request, sessionSubjects(session), { verifier: bank.did, clock });
 * ```
 */
export function sessionSubjects(claims: SessionClaims): CapabilitySubject[] {
  const owner = actorsOf(claims).at(-1) ?? claims.sub;
  return claims.capabilities.map(({ credentialConstraints, credential: _credential, ...capability }) => ({
    id: claims.sub,
    owner,
    capabilities: [capability],
    ...(credentialConstraints === undefined ? {} : { constraints: credentialConstraints }),
  }));
}
