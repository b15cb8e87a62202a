/**
 * @module session
 *
 * Session tokens: what verifier B hands agent A at the end of a handshake.
 * A short-lived JWT (`typ: session+jwt`) bound to A's key (RFC 7800 `cnf`),
 * listing the capabilities B trusted; `sub` is the accountable human owner and
 * the outermost RFC 8693 `act` is A, prior actors nested inside (the reading
 * of `oauth/act`); A presents it inside every signed action.
 *
 * @example
 * ```ts
 * import { issueSessionToken, verifySessionToken } from 'legate/session';
 * const { token } = await issueSessionToken({ signer, subject: alice.did, owner: 'mailto:carol@acme.example', audience: bob.did, holderKey, capabilities });
 * const { verified, claims } = await verifySessionToken(token, { resolver, audience: bob.did });
 * ```
 */

export { issueSessionToken, sessionPrincipal, MAX_SESSION_LIFETIME_SECONDS, type IssueSessionOptions, type IssuedSession } from './issue.js';
export { verifySessionToken, type VerifySessionOptions, type SessionVerification } from './verify.js';
export {
  actorsOf,
  sessionAgent,
  sessionAttribution,
  sessionOwner,
  sessionSubjects,
  DEFAULT_SESSION_LIFETIME_SECONDS,
  MAX_SESSION_CAPABILITIES,
  SESSION_TYP,
  type ActorClaim,
  type SessionCapability,
  type SessionClaims,
  type SessionConfirmation,
} from './types.js';
