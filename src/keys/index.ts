/**
 * @module keys
 *
 * Ed25519 keys for organizations and agents: the `Signer` abstraction, the
 * encrypted key store, and the master key that protects it at rest.
 */

export { generateEphemeralSigner, toDidJwtSigner, type Signer, type DidJwtSigner } from './signer.js';
export { KeyStore, type KeyInfo, type KeyIdentifier } from './keystore.js';
export type { KeyRecords, StoredKey } from './records.js';
export { assertSealingMatches, createMasterKey, openMasterKey, readSealing, MasterKey, type MasterKeyOptions, type Sealing } from './master-key.js';
