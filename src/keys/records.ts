/**
 * @module keys/records
 *
 * The port the key store persists through: three methods over sealed key
 * rows. `keys/` defines it so it needs nothing from `store/`; a node's store
 * implements it structurally (its `KeyRecord` has the same fields).
 */

/** Whether a key may still sign. */
export type KeyStatus = 'active' | 'retired';

/** One stored key: its public half and its private half sealed by the master key. */
export interface StoredKey {
  /** The verification method id (DID URL). */
  kid: string;
  /** The DID that controls the key. */
  controller: string;
  /** `z6Mk…` Multikey encoding of the Ed25519 public key. */
  publicKeyMultibase: string;
  /** The private key, sealed by the master key (AES-256-GCM, AAD = kid). */
  sealedPrivateKey: Uint8Array;
  status: KeyStatus;
  createdAt: string;
}

/** Where a {@link KeyStore} keeps its keys. */
export interface KeyRecords {
  putKey(key: StoredKey): Promise<void>;
  getKey(kid: string): Promise<StoredKey | undefined>;
  /** Keys of one controller, oldest first. */
  listKeys(controller: string): Promise<StoredKey[]>;
  /** Changes whenever the keys may have changed (see the store's `changeStamp`); undefined when it cannot tell. */
  changeStamp?(): string | undefined;
}
