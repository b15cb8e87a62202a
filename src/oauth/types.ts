/**
 * @module oauth/types
 *
 * The names Legate uses when its authority travels as OAuth (#15): the
 * token-type URIs of RFC 8693 token exchange, the RFC 9396
 * `authorization_details` type that carries a Legate capability, the claims
 * of the RFC 9068 access tokens the node issues, and the public JWKs of
 * DPoP keys. Types and constants only; the operations are in the sibling
 * files (scope, authorization details, DPoP, access tokens, metadata).
 *
 * Attribution (RFC 8693 §4.1, draft-oauth-ai-agents-on-behalf-of-user):
 * `sub` is the accountable human owner, the principal; the outermost `act`
 * is the current actor (the agent holding the token, also its `client_id`),
 * and each nested `act` is a prior actor (the agent that delegated to it).
 * Session tokens read the same way.
 */

import type { Constraints } from '../credential/types.js';

/** `subject_token_type` / `actor_token_type` of an agent's `vp+jwt` presentation (with its delegation chains). */
export const TOKEN_TYPE_PRESENTATION = 'urn:legate:params:oauth:token-type:vp+jwt';
/** `subject_token_type` of a Legate session token (`session+jwt`) issued by this node's handshake. */
export const TOKEN_TYPE_SESSION = 'urn:legate:params:oauth:token-type:session+jwt';
/** RFC 8693 `issued_token_type` of the access tokens the node issues. */
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 8693 `grant_type` of token exchange. */
export const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523 `client_assertion_type` of `private_key_jwt` client authentication. */
export const CLIENT_ASSERTION_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The RFC 9396 `type` of a Legate capability in `authorization_details`. */
export const AUTHORIZATION_DETAILS_TYPE = 'urn:legate:capability';

/** JWS `typ` of an access token (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** JWS `typ` of a DPoP proof (RFC 9449). */
export const DPOP_TYP = 'dpop+jwt';

/** The JWS algorithms a DPoP proof may use: Ed25519 (Legate's own keys) and P-256 (what most OAuth clients generate). */
export const DPOP_ALGS = ['EdDSA', 'ES256'] as const;
export type DpopAlg = (typeof DPOP_ALGS)[number];

/** Longest access token accepted, in characters: ample for 32 capabilities with constraints and a 16-deep `act`. */
export const MAX_ACCESS_TOKEN_LENGTH = 16 * 1024;
/** Longest DPoP proof accepted, in characters. */
export const MAX_DPOP_PROOF_LENGTH = 4 * 1024;
/** Most capabilities one token request may ask for, and one token may carry. */
export const MAX_GRANTED_CAPABILITIES = 32;

/** A public key as a JWK: Ed25519 (OKP) or P-256 (EC). Private members are never accepted. */
export type PublicJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/**
 * One Legate capability as an RFC 9396 authorization detail: what a token
 * request asks for (`constraints` then only narrow), and what a token grants
 * (the constraints of the granting credential, its own and the credential's
 * shared ones, merged; `credential` names the leaf credential).
 */
export interface LegateAuthorizationDetail {
  type: typeof AUTHORIZATION_DETAILS_TYPE;
  action: string;
  resource: string;
  /** A scope tag: a scoped capability never satisfies an unscoped request. */
  scope?: string;
  constraints?: Constraints;
  /** In a granted detail: the shared constraints of the granting credential; they apply too. */
  credentialConstraints?: Constraints;
  /** In a granted detail: the id of the leaf credential that grants it. */
  credential?: string;
}

/** An RFC 8693 actor claim: the outermost is the current actor, nested ones are prior actors. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

/** The claims of an access token the node issues (RFC 9068 `at+jwt`). */
export interface AccessTokenClaims {
  /** The authorization server's issuer URL (not its DID). */
  iss: string;
  /** The accountable human owner (the principal). */
  sub: string;
  /** The resource (RFC 8707) the token is for: exactly one. */
  aud: string;
  /** The agent that holds the token: its DID (a public client). */
  client_id: string;
  jti: string;
  iat: number;
  exp: number;
  /** The granted capabilities as space-separated scope strings (`oauth/scope`). */
  scope: string;
  authorization_details: LegateAuthorizationDetail[];
  /** The current actor and, nested, the prior actors (RFC 8693 §4.1). `act.sub` = `client_id`. */
  act: ActClaim;
  /** RFC 9449 §6: the SHA-256 thumbprint of the DPoP key. Absent only on a Bearer token (`oauth.requireDpop` false). */
  cnf?: { jkt: string };
  /**
   * Where the issuing node keeps the delegation chains behind the token (a
   * hash of them, shared by every token granted on the same chains), for its
   * introspection and evaluation to verify them again. Opaque to anyone else;
   * absent on tokens issued before it, kept under their `jti`.
   */
  legate_chains?: string;
}
