/**
 * @module delegation
 *
 * Delegation chains: issue a narrower child credential, verify a whole chain
 * back to its root issuer, and report who acted on whose authority.
 */

export { delegateCapability, delegationOf, type DelegateOptions } from './delegate.js';
export { verifyChain, MAX_CHAIN_LINKS, type ChainVerification, type ChainLink, type AttributionEntry } from './verify-chain.js';
