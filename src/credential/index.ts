/**
 * @module credential
 *
 * Capability credentials: W3C VCDM 2.0 `AgentCapabilityCredential`s secured
 * as `vc+jwt`, issued through a Signer and verified against DID documents.
 */

export { issueCapabilityCredential, type IssueCapabilityOptions, type IssuedCredential } from './issue.js';
export { verifyCapabilityCredential } from './verify.js';
export type { CredentialVerification, VerifyCredentialOptions, StatusCheck, TrustCheck } from './verify-jwt.js';
export * from './types.js';
