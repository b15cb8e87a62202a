/**
 * @module keys/signer
 *
 * The `Signer` abstraction: something that signs with one Ed25519 key and
 * knows that key's verification method id. Keys never cross the API raw:
 * issuers take a Signer, and Signers come from a {@link KeyStore} or from
 * {@link generateEphemeralSigner} for short-lived did:key sub-agents.
 */

import type { KeyObject } from 'node:crypto';
import { encodeBase64url } from '../lib/base64url.js';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../did/key.js';
import { generateEd25519, privateKeyObject, signEd25519 } from '../lib/ed25519.js';
import type { Signer } from '../lib/signer.js';

// The shape lives in lib/ (lib/jws signs with it); this is its public name.
export type { Signer };

/** The signature function shape did-jwt expects (base64url output), for interop. */
export type DidJwtSigner = (data: string | Uint8Array) => Promise<string>;

/** A Signer around a node:crypto private key, which stays in a private field. */
class KeySigner implements Signer {
  readonly alg = 'EdDSA' as const;
  readonly kid: string;
  readonly publicKey: Uint8Array;
  readonly #key: KeyObject;
  readonly sign = (data: Uint8Array): Promise<Uint8Array> => Promise.resolve(signEd25519(this.#key, data));

  constructor(kid: string, publicKey: Uint8Array, key: KeyObject) {
    this.kid = kid;
    this.publicKey = publicKey.slice();
    this.#key = key;
    Object.freeze(this);
  }

  /** The private key of a signer built here, for a signing worker of this process (keys/signing-worker); undefined for any other. */
  static keyOf(signer: Signer): KeyObject | undefined {
    return #key in signer ? signer.#key : undefined;
  }
}

/** @internal Builds a Signer around a node:crypto private key. */
export function signerFromKeyObject(kid: string, publicKey: Uint8Array, key: KeyObject): Signer {
  return new KeySigner(kid, publicKey, key);
}

/** @internal The private key behind a Signer of {@link signerFromKeyObject}, for `keys/signing-worker` only; never exported from `legate/keys`. */
export const signingKeyOf = (signer: Signer): KeyObject | undefined => KeySigner.keyOf(signer);

/**
 * A Signer for a new in-memory key, addressed as a did:key. For ephemeral
 * sub-agents that live only as long as the process; its private key is never
 * exposed and vanishes with the process.
 *
 * @example
 * ```ts
 * const sub = generateEphemeralSigner();
 * sub.kid; // 'did:key:z6Mk…#z6Mk…'
 * ```
 */
export function generateEphemeralSigner(): Signer & { readonly did: string } {
  const { secretKey, publicKey } = generateEd25519();
  const did = didKeyFromPublicKey(publicKey);
  const signer = signerFromKeyObject(didKeyVerificationMethodId(did), publicKey, privateKeyObject(secretKey, publicKey));
  secretKey.fill(0);
  return Object.freeze({ ...signer, did });
}

/**
 * Adapts a Signer to did-jwt's `Signer` function type.
 *
 * @example
 * ```ts
 * await createJWS(payload, toDidJwtSigner(signer), { alg: 'EdDSA', kid: signer.kid });
 * ```
 */
export function toDidJwtSigner(signer: Signer): DidJwtSigner {
  return async (data) => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return encodeBase64url(await signer.sign(bytes));
  };
}
