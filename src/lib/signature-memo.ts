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
 *
 * It also keeps the decoding of tokens whose signature it found valid, by
 * their exact text (#19 item 2), so a token seen again (a chain's links in
 * every exchange and handshake, a session token on every action) is not
 * decoded again: decoding is a pure function of the text, so every check
 * after it (header policy, key lookup, validity window, schema, status,
 * trust) runs as before on the same values. Kept decodings are frozen and
 * shared by every caller; they are bounded by count and by characters. A
 * kept decoding remembers the key it verified under, so its signature is
 * found again without hashing its bytes ({@link SignatureMemo.verifyDecoded}).
 * A node's own signer can put in the signatures it makes
 * ({@link rememberingSigner}): a session token it issues, checked again by
 * the same node at the session's first action.
 */

import { createHash } from 'node:crypto';
import { deepFrozen } from './freeze.js';
import { decodeBase64url } from './base64url.js';
import { decodeCompactJws, signingInputBytes, type DecodedJws, type JwsHeader } from './jws.js';
import type { Signer } from './signer.js';

/** Signatures found valid, bounded. */
export class SignatureMemo {
  readonly #kept = new Set<string>();
  readonly #maxEntries: number;
  /** Decodings by token text, least recently used first. */
  readonly #decoded = new Map<string, DecodedJws>();
  #decodedChars = 0;
  readonly #maxDecodedChars: number;
  /** The key a kept decoding was last found validly signed by: decodings signed by the same key share one copy. */
  #lastKey: Uint8Array | undefined;

  /**
   * Keeps at most `maxEntries` signatures (default 4096: a few hundred KB)
   * and decodings of tokens of at most `maxDecodedChars` characters in all
   * (default 4 Mi: a few MB with their decoded form; as many decodings as
   * signatures at most).
   */
  constructor(maxEntries = 4096, maxDecodedChars = 4 * 1024 * 1024) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!Number.isSafeInteger(maxDecodedChars) || maxDecodedChars < 0) throw new RangeError('maxDecodedChars must be a non-negative integer');
    this.#maxEntries = maxEntries;
    this.#maxDecodedChars = maxDecodedChars;
  }

  /**
   * The decoding of `token` (its exact text) kept by {@link keepDecoded}, or
   * undefined. Its header and payload are frozen: every caller shares them.
   * The caller applies its own length bound before asking.
   */
  decoded(token: string): DecodedJws | undefined {
    const found = this.#decoded.get(token);
    if (found !== undefined) {
      // Most recently used last: the bound drops the least recently used.
      this.#decoded.delete(token);
      this.#decoded.set(token, found);
    }
    return found;
  }

  /**
   * Keeps the decoding of `token`, whose signature was just found valid by
   * a key of its signer (never call it for one that was not: only signed
   * tokens take room, so a stranger cannot fill it). Freezes its header and
   * payload in place; keeps no bytes, making its signing input and signature
   * again from the text when asked ({@link KeptDecoding}). A token longer
   * than the whole bound is not kept.
   */
  keepDecoded(token: string, decoded: DecodedJws): void {
    if (this.#decoded.has(token) || token.length > this.#maxDecodedChars) return;
    deepFrozen(decoded.header);
    deepFrozen(decoded.payload);
    while (this.#decoded.size > 0 && (this.#decodedChars + token.length > this.#maxDecodedChars || this.#decoded.size >= this.#maxEntries)) {
      const oldest = this.#decoded.keys().next().value!;
      this.#decoded.delete(oldest);
      this.#decodedChars -= oldest.length;
    }
    this.#decoded.set(token, new KeptDecoding(token, decoded));
    this.#decodedChars += token.length;
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

  /**
   * {@link verify} for a decoded token. A kept decoding (reached only by
   * its exact text, its bytes never changed, by this memo or another: what
   * it remembers is a fact of the bytes and the key) that was found validly
   * signed by the same key before is valid at once, its bytes not hashed
   * again; anything else goes through {@link verify}.
   */
  verifyDecoded(publicKey: Uint8Array, decoded: Pick<DecodedJws, 'signingInput' | 'signature'>, verify: () => boolean): boolean {
    const kept = KeptDecoding.is(decoded) ? decoded : undefined;
    if (kept?.verifiedBy(publicKey) === true) return true;
    if (!this.verify(publicKey, decoded.signingInput, decoded.signature, verify)) return false;
    if (kept !== undefined) {
      if (this.#lastKey === undefined || !sameBytes(this.#lastKey, publicKey)) this.#lastKey = Uint8Array.from(publicKey);
      kept.found(this.#lastKey);
    }
    return true;
  }

  #keep(key: string): void {
    if (this.#kept.has(key)) return;
    if (this.#kept.size >= this.#maxEntries) this.#kept.delete(this.#kept.values().next().value!);
    this.#kept.add(key);
  }

  /** How many signatures are kept. */
  get size(): number {
    return this.#kept.size;
  }

  /** How many decodings are kept, and their tokens' characters in all. */
  get decodedSize(): { entries: number; chars: number } {
    return { entries: this.#decoded.size, chars: this.#decodedChars };
  }
}

/**
 * The decoding the memo keeps for a token: its header and payload, and the
 * token's text, the same string as the memo's key. Its signing input and
 * signature are made again from that text when read, which happens only to
 * verify it under a key it was not found valid by: kept, the bytes would
 * be as large as the text again, and a decoded Buffer is a view of Node's
 * shared 8 KB pool, so keeping one keeps a whole slab. A class, not an
 * object literal with getters: V8 keeps such a literal's properties in a
 * dictionary, ~450 bytes more an entry.
 */
class KeptDecoding implements DecodedJws {
  readonly header: JwsHeader;
  readonly payload: Record<string, unknown>;
  readonly #token: string;
  /** The key it was found validly signed by, once it was. */
  #by: Uint8Array | undefined;

  constructor(token: string, decoded: DecodedJws) {
    this.header = decoded.header;
    this.payload = decoded.payload;
    this.#token = token;
    Object.freeze(this);
  }

  get signingInput(): Uint8Array {
    const text = this.#token.trim();
    return signingInputBytes(text.slice(0, text.lastIndexOf('.')));
  }

  get signature(): Uint8Array {
    const text = this.#token.trim();
    // Decoded once already, when the memo took it: valid base64url.
    return decodeBase64url(text.slice(text.lastIndexOf('.') + 1))!;
  }

  static is(decoded: object): decoded is KeptDecoding {
    return #token in decoded;
  }

  /** Whether it was found validly signed by `publicKey`. */
  verifiedBy(publicKey: Uint8Array): boolean {
    return this.#by !== undefined && sameBytes(this.#by, publicKey);
  }

  /** Remembers that it was found validly signed by `key` (a copy the memo owns). */
  found(key: Uint8Array): void {
    this.#by = key;
  }
}

/** Byte equality of two public keys (nothing secret: no constant time needed). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `token` decoded, or its decoding kept in `memo` (a token whose signature
 * verified before: the same text decodes the same). The length bound is
 * applied first either way.
 * @throws InputError as `decodeCompactJws`.
 */
export function decodeRemembered(token: string, maxLength: number, memo: SignatureMemo | undefined): DecodedJws {
  return (memo !== undefined && typeof token === 'string' && token.length <= maxLength ? memo.decoded(token) : undefined) ?? decodeCompactJws(token, maxLength);
}

/**
 * `signer`, each signature it makes kept in `memo` as found valid: a token
 * a node signs and soon verifies itself (the session token its agent issues
 * in an acknowledge, checked again at the session's first action) then costs
 * no verification there. Sound because a signature just made with the key
 * behind `signer.publicKey` is valid for that key by construction (Ed25519
 * signing is deterministic and checked by node:crypto). Only for a signer
 * from the node's own key store, and for tokens made in small numbers: each
 * signature takes one of the memo's bounded places.
 */
export function rememberingSigner(signer: Signer, memo: SignatureMemo): Signer {
  return Object.freeze({
    ...signer,
    sign: async (data: Uint8Array) => {
      const signature = await signer.sign(data);
      memo.add(signer.publicKey, data, signature);
      return signature;
    },
  });
}
