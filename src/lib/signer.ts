/**
 * @module lib/signer
 *
 * The shape of a signer, on its own so that the JWS internals (`lib/jws`)
 * need nothing from `keys/`: something that signs with one Ed25519 key and
 * knows that key's verification method id. `keys/` re-exports it as the
 * public `Signer` and builds the implementations.
 */

/** Signs bytes with one Ed25519 key (JOSE `alg: EdDSA`). */
export interface Signer {
  readonly alg: 'EdDSA';
  /** The verification method id (a DID URL) of the key: the JWS `kid`. */
  readonly kid: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Returns the 64-byte signature of `data`. */
  readonly sign: (data: Uint8Array) => Promise<Uint8Array>;
}
