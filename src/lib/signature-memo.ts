/**
 * @module lib/signature-memo
 *
 * Ed25519 signatures a verifier has already found valid, so that the same
 * bytes signed by the same key are not verified again: a node re-checks the
 * session token it issued and the credentials stored behind it on every
 * action (#19), and verification is deterministic, so a repeat gives the
 * same answer. Only the cryptography is skipped: the key is still looked up
 * (a key removed from its DID document, or a deactivated DID, still fails),
 * and expiry, status and trust are still checked by the caller. Only valid
 * signatures are kept (a stranger cannot fill it with failures), keyed by a
 * SHA-256 of the key, the signature and the signed bytes; the number kept
 * is bounded, the oldest dropped first. Instance state: each verifier owns
 * one. Internal.
 */

import { createHash } from 'node:crypto';

/** Signatures found valid, bounded. */
export class SignatureMemo {
  readonly #kept = new Set<string>();
  readonly #maxEntries: number;

  /** Keeps at most `maxEntries` (default 4096: a few hundred KB). */
  constructor(maxEntries = 4096) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#maxEntries = maxEntries;
  }

  static #keyOf(publicKey: Uint8Array, signingInput: Uint8Array, signature: Uint8Array): string {
    return createHash('sha256').update(publicKey).update(signature).update(signingInput).digest('base64url');
  }

  /** Whether `signature` over `signingInput` by `publicKey` was found valid before. */
  has(publicKey: Uint8Array, signingInput: Uint8Array, signature: Uint8Array): boolean {
    return this.#kept.has(SignatureMemo.#keyOf(publicKey, signingInput, signature));
  }

  /** Remembers a signature just found valid. */
  add(publicKey: Uint8Array, signingInput: Uint8Array, signature: Uint8Array): void {
    this.#keep(SignatureMemo.#keyOf(publicKey, signingInput, signature));
  }

  /** Whether the signature is valid: true at once when it was found so before, else `verify()`, kept when true (one hash either way). */
  verify(publicKey: Uint8Array, signingInput: Uint8Array, signature: Uint8Array, verify: () => boolean): boolean {
    const key = SignatureMemo.#keyOf(publicKey, signingInput, signature);
    if (this.#kept.has(key)) return true;
    if (!verify()) return false;
    this.#keep(key);
    return true;
  }

  #keep(key: string): void {
    if (this.#kept.has(key)) return;
    if (this.#kept.size >= this.#maxEntries) this.#kept.delete(this.#kept.values().next().value!);
    this.#kept.add(key);
  }

  /** How many are kept. */
  get size(): number {
    return this.#kept.size;
  }
}
