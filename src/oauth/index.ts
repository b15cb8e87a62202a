/**
 * @module oauth
 *
 * The `legate/oauth` entry point: Legate authority as OAuth. Scope strings
 * and RFC 9396 authorization details for capabilities, JWK thumbprints and
 * the JWKS, DPoP proofs (RFC 9449), RFC 9068 access tokens, stateless server
 * nonces, `private_key_jwt` client assertions (RFC 7523), RFC 8414 / RFC 9728
 * metadata, the OAuth error forms, and the attribution reading of `sub` and
 * `act` (RFC 8693 §4.1). Nothing here touches a store or the network.
 */

export * from './types.js';
export { MAX_ACT_DEPTH, actorsOfAct, attributionOf, principalAndActors } from './act.js';
export { formatScope, parseScope, parseScopes, scopeString } from './scope.js';
export type { ScopedCapability } from './scope.js';
export { grantedDetail, parseAuthorizationDetails } from './authorization-details.js';
export { ed25519PublicJwk, jwkThumbprint, parsePublicJwk } from './jwk.js';
export { ed25519KeyFromJwks, jwksOf } from './jwks.js';
export type { SigningJwk } from './jwks.js';
export {
  accessTokenHash,
  createDpopProof,
  dpopKeyFromPrivateJwk,
  dpopKeyOfSigner,
  generateDpopKey,
  htuOf,
  privateJwkOf,
  verifyDpopProof,
  DpopProofKeys,
} from './dpop.js';
export type { DpopKeyPair, DpopProof, DpopVerifyOptions } from './dpop.js';
export { decodeAccessToken, issueAccessToken, verifyAccessToken } from './access-token.js';
export type { IssueAccessTokenOptions, VerifyAccessTokenOptions } from './access-token.js';
export { oauthDescription, resourceError, tokenEndpointError, wwwAuthenticate } from './errors.js';
export type { ChallengeOptions, OAuthError, RejectedCapability, ResourceError, TokenErrorBody } from './errors.js';
export {
  authorizationServerEndpoints,
  authorizationServerMetadata,
  authorizationServerMetadataUrl,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './metadata.js';
export { NONCE_KEY_LABEL, createNonceIssuer, nonceKeyOf } from './nonce.js';
export type { NonceIssuer } from './nonce.js';
export { CLIENT_ASSERTION_TYP, createClientAssertion, verifyClientAssertion } from './client-assertion.js';
export type { VerifyClientAssertionOptions } from './client-assertion.js';
