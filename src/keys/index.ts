/**
 * @module keys
 *
 * Ed25519 keys for organizations and agents: the `Signer` abstraction, the
 * encrypted key store, and the master key that protects it at rest.
 */

export { generateEphemeralSigner, toDidJwtSigner, type Signer, type DidJwtSigner } from './signer.js';
export { KeyStore, type KeyInfo, type KeyIdentifier } from './keystore.js';
export { createMasterKey, openMasterKey, MasterKey, type MasterKeyOptions } from './master-key.js';
