/**
 * @module did
 *
 * Creating and resolving the DIDs of Legate's actors (DESIGN.md "Actors"):
 * did:web for organizations and registered agents (identifiers, document URLs
 * and the documents a node publishes), did:key for ephemeral agents and
 * sub-agents, and a resolver that answers locally first, then through the
 * driver of the DID's method (did/methods: did:key offline, did:web over
 * HTTPS), keeps successes for a TTL and failures for a cooldown, and reports
 * failures as data. Document types are did-resolver's, re-exported here.
 *
 * @example
 * ```ts
 * import { createDidResolver, findVerificationMethod, orgDidFromDomain } from 'legate/did';
 * const did = orgDidFromDomain('localhost:7401'); // 'did:web:localhost%3A7401'
 * const { didDocument } = await createDidResolver({ allowHttpLoopback: true }).resolve(did);
 * ```
 */

export { didKeyFromPublicKey, didKeyVerificationMethodId, publicKeyFromDidKey } from './key.js';
export {
  ACE_SERVICE_FRAGMENT,
  ACE_SERVICE_TYPE,
  DID_DOCUMENT_CONTEXT,
  agentDidFromDomain,
  buildAgentDidDocument,
  buildOrganizationDidDocument,
  didWebToUrl,
  isLoopbackHost,
  orgDidFromDomain,
} from './web.js';
export type { AgentDidDocumentInput, DidDocumentKey, DidWebUrlOptions, OrganizationDidDocumentInput } from './web.js';
export { MAX_DID_LENGTH, createDidResolver, findVerificationMethod } from './resolver.js';
export type { DidResolver, DidResolverOptions, FetchLike, VerificationRelationship } from './resolver.js';
// The explicit key input verifiers take: a resolver carrying `resolveKey` (createDidResolver's do).
export type { KeyLookup, KeyLookupFn, KeyResolvable, VerificationKey } from './verification-key.js';
// The outbound HTTP client the resolver (and status checker, trust registry, node) take as `http`:
// public so a deployment can set its address policy (`allowAddress`) or DNS `lookup` once and share it.
export { createHttpClient } from '../lib/http-client.js';
export type { AddressRange, DnsLookup, GetOptions, HttpClient, HttpClientOptions, HttpResponse, LookupAddress, PostOptions } from '../lib/http-client.js';
export type {
  DIDDocument,
  DIDResolutionResult,
  DIDResolutionMetadata,
  DIDDocumentMetadata,
  Service,
  VerificationMethod,
} from 'did-resolver';
