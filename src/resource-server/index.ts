/**
 * @module resource-server
 *
 * `legate/resource-server`: the drop-in verifier for services that accept
 * Legate authority as OAuth access tokens and run no Legate node. It checks
 * the RFC 9068 access token through the issuer's JWKS (issuers in an
 * allow-list, trust before fetch), the DPoP proof (RFC 9449), and the
 * request against the token's capabilities through a route mapping the
 * service supplies, with stateless constraints checked in process and
 * budgets, rate limits and approvals decided by the node's AuthZEN PDP
 * (fail closed). Adapters for Hono and Node `http` / Express, and a helper
 * serving RFC 9728 protected-resource metadata. Light by design: it loads
 * no store, no JSON-LD and no native addon.
 *
 * @example
 * ```ts
 * import { createResourceServer, legateAuth, protectedResourceMetadataHandler } from 'legate/resource-server';
 * const rs = createResourceServer({
 *   resource: 'https://api.bank.example',
 *   issuers: ['https://acme.example'],
 *   routes: { 'POST /refunds': (r) => ({ action: 'call', resource: 'billing:refund', amount: r.body as Money }) },
 *   body: true,
 * });
 * app.use(protectedResourceMetadataHandler({ resource: rs.resource, authorizationServers: ['https://acme.example'] }).hono);
 * app.use('/refunds', legateAuth(rs));
 * ```
 */

export { createResourceServer } from './verify.js';
export { legateAuth, refusalResponse, type LegateEnv } from './hono.js';
export { nodeAuth, type NodeAuthHandler, type NodeAuthOptions } from './node-http.js';
export { protectedResourceMetadataHandler, type ProtectedResourceMetadataHandler, type ProtectedResourceMetadataOptions } from './metadata.js';
export { authzenConfigurationUrl } from './pdp.js';
export { AUTHENTICATED, refusalBody } from './types.js';
export type {
  Attribution,
  DpopOptions,
  Ed25519PrivateJwk,
  PdpOptions,
  ResourceErrorName,
  ResourceServer,
  ResourceServerOptions,
  RouteAnswer,
  RouteFunction,
  RouteMapping,
  RouteRequest,
  RouteTarget,
  VerifyAllowed,
  VerifyAuthenticated,
  VerifyGranted,
  VerifyRefused,
  VerifyResult,
} from './types.js';
