/**
 * @module session/types
 *
 * The claims of a Legate session token (DESIGN "Handshake (ACE) and
 * sessions"): a JWT (`typ: session+jwt`) that verifier B issues to agent A at
 * the end of a handshake. `aud` is B, `cnf` binds it to A's key (RFC 7800),
 * `capabilities` are what B trusted, and `sub` with `act` say who stands
 * behind it, in the one reading Legate's access tokens use too (`oauth/act`).
 *
 * How `sub` and `act` are used (RFC 8693 §4.1): `sub` is the accountable
 * human owner, the principal the session is about; the outermost `act` is
 * the current actor, agent A itself, which holds the `cnf` key and signs
 * actions; each nested `act` is the actor before it, up the delegation
 * chain. For `acme → alice → sub-agent`, the sub-agent's session reads
 * `{ sub: <owner>, act: { sub: <sub-agent>, act: { sub: <alice> } } }`;
 * alice's own reads `{ sub: <owner>, act: { sub: <alice> } }`. The issuing
 * organization is not an actor; each capability's credential names it.
 *
 * Why this reading and not `sub` = the agent: RFC 8693 §4.1 defines `act`
 * as the party acting *for* the subject, outermost = current, nested =
 * prior actors, and says prior actors are informational only; and
 * draft-oauth-ai-agents-on-behalf-of-user puts the user in `sub` and the
 * agent in `act`. A stock consumer reading a token by either therefore
 * attributes the session to the owner and sees the agent as the actor.
 * (Until issue #15 sessions put A in `sub` and the owner innermost as an
 * actor, which such a consumer read as "the owner acted".) Everything that
 * binds a key or checks who signed uses the agent ({@link sessionAgent});
 * attribution and approvals use the owner ({@link sessionOwner}).
 */

import type { Capability, CapabilitySubject, Constraints } from '../credential/types.js';
import { actorsOfAct, attributionOf, type ActClaim } from '../delegation/act.js';

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

/** An RFC 8693 actor claim: the outermost is the current actor, nested ones are prior actors (`delegation/act`, as `oauth` writes it too). */
export type ActorClaim = ActClaim;

/** RFC 7800 confirmation: the holder's key as a verification method id and an OKP JWK. */
export interface SessionConfirmation {
  kid: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

export interface SessionClaims {
  /** The issuer: B, or B's organization. */
  iss: string;
  /** The accountable human owner: the principal (`oauth/act`). */
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
  /** The current actor, agent A (`act.sub`, the `cnf` key's DID), and nested, the prior actors up the chain. */
  act: ActorClaim;
}

/** The agent the session is for (A): the current actor, `act.sub`. It holds the `cnf` key and signs actions. */
export function sessionAgent(claims: { act: ActorClaim }): string {
  return claims.act.sub;
}

/** The accountable human owner of the session: `sub`. */
export function sessionOwner(claims: { sub: string }): string {
  return claims.sub;
}

/** The actors of a session, current actor (A) first, then prior actors up the chain; the owner is not one. */
export function actorsOf(claims: { act?: ActorClaim | undefined }): string[] {
  return actorsOfAct(claims.act);
}

/** Who stands behind a session in audit order: A, the prior actors, then the owner. */
export function sessionAttribution(claims: { sub: string; act: ActorClaim }): string[] {
  return attributionOf(claims);
}

/**
 * The session's capabilities as subjects `authorize()` accepts, one per
 * capability so each keeps its credential's shared constraints: the
 * subject is the agent (A), the owner is `sub`.
 *
 * @example
 * ```ts
 * const decision = authorize(request, sessionSubjects(session), { verifier: bank.did, clock });
 * ```
 */
export function sessionSubjects(claims: SessionClaims): CapabilitySubject[] {
  return claims.capabilities.map(({ credentialConstraints, credential: _credential, ...capability }) => ({
    id: sessionAgent(claims),
    owner: sessionOwner(claims),
    capabilities: [capability],
    ...(credentialConstraints === undefined ? {} : { constraints: credentialConstraints }),
  }));
}
