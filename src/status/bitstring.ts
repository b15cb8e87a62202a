/**
 * @module status/bitstring
 *
 * The bitstring codec of W3C Bitstring Status List v1.0: a list is a run of
 * bits, bit 0 being the most significant bit of byte 0 (§3.1 Bitstring
 * Generation Algorithm), at least {@link MIN_LIST_BITS} long, published as
 * GZIP then multibase base64url (`u` prefix, no padding). Decoding is the
 * §3.2 Bitstring Expansion Algorithm with the bounds the spec's Security
 * Considerations ask for: a cap on the compressed input and on what it may
 * inflate to, so a gzip bomb costs the verifier at most `maxInflatedBytes`.
 */

import { randomInt } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { legateError } from '../errors/index.js';
import { assertBytes, assertPositiveInteger } from '../lib/assert.js';
import { decodeBase64url, encodeBase64url } from '../lib/base64url.js';

/** The smallest list the spec allows: 16 KiB, 131,072 entries (§3.1, herd privacy). */
export const MIN_LIST_BITS = 131_072;

/** Default bound on the compressed list (after base64url decoding): 1 MiB. */
export const DEFAULT_MAX_COMPRESSED_BYTES = 1024 * 1024;

/** Default bound on the inflated list: 16 MiB, i.e. 134 million entries. */
export const DEFAULT_MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** Multibase prefix of base64url without padding. */
const MULTIBASE_BASE64URL = 'u';

/** Bounds of {@link decodeList}. */
export interface DecodeListLimits {
  /** Largest compressed list accepted, in bytes. Default {@link DEFAULT_MAX_COMPRESSED_BYTES}. */
  maxCompressedBytes?: number | undefined;
  /** Largest inflated list accepted, in bytes. Default {@link DEFAULT_MAX_INFLATED_BYTES}. */
  maxInflatedBytes?: number | undefined;
}

function assertIndex(bytes: Uint8Array, index: number): void {
  assertBytes(bytes, 'bytes');
  if (!Number.isSafeInteger(index) || index < 0 || index >= bytes.length * 8) {
    throw new RangeError(`index must be an integer in [0, ${bytes.length * 8})`);
  }
}

/**
 * A new all-zero list of `bits` entries.
 * @throws RangeError when `bits` is below {@link MIN_LIST_BITS} or not a multiple of 8.
 *
 * @example
 * ```ts
 * const bits = createList(); // 131,072 entries, 16 KiB
 * ```
 */
export function createList(bits: number = MIN_LIST_BITS): Uint8Array {
  assertPositiveInteger(bits, 'bits');
  if (bits < MIN_LIST_BITS || bits % 8 !== 0) {
    throw new RangeError(`bits must be a multiple of 8 and at least ${MIN_LIST_BITS}`);
  }
  return new Uint8Array(bits / 8);
}

/**
 * The entry at `index`; bit 0 is the most significant bit of byte 0.
 * @throws RangeError for an index outside the list.
 *
 * @example
 * ```ts
 * getBit(Uint8Array.of(0x80), 0); // true
 * ```
 */
export function getBit(bytes: Uint8Array, index: number): boolean {
  assertIndex(bytes, index);
  return ((bytes[index >>> 3]! >>> (7 - (index & 7))) & 1) === 1;
}

/**
 * Sets or clears the entry at `index`, in place.
 * @throws RangeError for an index outside the list.
 *
 * @example
 * ```ts
 * const bits = createList();
 * setBit(bits, 0, true); // bits[0] === 0x80
 * ```
 */
export function setBit(bytes: Uint8Array, index: number, value: boolean): void {
  assertIndex(bytes, index);
  const mask = 0x80 >>> (index & 7);
  const byte = index >>> 3;
  bytes[byte] = value ? bytes[byte]! | mask : bytes[byte]! & ~mask;
}

/**
 * A uniformly random index of a list of `bits` entries. Issuers allocate
 * indexes at random, never sequentially, so an index says nothing about when
 * or to whom a credential was issued (Privacy Considerations, herd privacy).
 *
 * @example
 * ```ts
 * const index = randomListIndex(MIN_LIST_BITS);
 * ```
 */
export function randomListIndex(bits: number = MIN_LIST_BITS): number {
  assertPositiveInteger(bits, 'bits');
  return randomInt(bits);
}

/**
 * Encodes a list as the spec's `encodedList`: GZIP, then multibase base64url
 * (`u`, no padding).
 * @throws InputError `ERR_STATUS_LIST_LENGTH` for a list shorter than {@link MIN_LIST_BITS}.
 *
 * @example
 * ```ts
 * const encodedList = encodeList(createList()); // 'uH4sIAAAAAAAA…'
 * ```
 */
export function encodeList(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  if (bytes.length * 8 < MIN_LIST_BITS) {
    throw legateError('ERR_STATUS_LIST_LENGTH', `a status list must have at least ${MIN_LIST_BITS} entries`, {
      claim: 'encodedList',
    });
  }
  return MULTIBASE_BASE64URL + encodeBase64url(gzipSync(bytes));
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  assertPositiveInteger(value, name);
  return value;
}

/**
 * Decodes an `encodedList` (§3.2 Bitstring Expansion Algorithm). Accepts the
 * multibase form (`u…`) and the older bare base64url form that StatusList2021
 * implementations and the W3C test vectors use; the two cannot be confused,
 * because a bare GZIP stream always encodes to `H4sI…`.
 *
 * @throws InputError `ERR_INPUT_TOO_LARGE` when the compressed or inflated
 * list exceeds its bound (a gzip bomb); `ERR_MALFORMED` for anything not
 * strict base64url of a complete GZIP stream; `ERR_STATUS_LIST_LENGTH` for a
 * list shorter than {@link MIN_LIST_BITS}.
 *
 * @example
 * ```ts
 * const bits = decodeList(credential.credentialSubject.encodedList, { maxInflatedBytes: 1 << 20 });
 * getBit(bits, 94023);
 * ```
 */
export function decodeList(encoded: string, limits: DecodeListLimits = {}): Uint8Array {
  const maxCompressed = limit(limits.maxCompressedBytes, DEFAULT_MAX_COMPRESSED_BYTES, 'maxCompressedBytes');
  const maxInflated = limit(limits.maxInflatedBytes, DEFAULT_MAX_INFLATED_BYTES, 'maxInflatedBytes');
  if (typeof encoded !== 'string') throw legateError('ERR_MALFORMED', 'encodedList must be a string', { claim: 'encodedList' });
  const text = encoded.startsWith(MULTIBASE_BASE64URL) ? encoded.slice(1) : encoded;
  // Refuse by length before decoding anything: base64url carries 6 bits a character.
  if (Math.floor((text.length * 3) / 4) > maxCompressed) {
    throw legateError('ERR_INPUT_TOO_LARGE', `encodedList is larger than ${maxCompressed} bytes`, {
      claim: 'encodedList',
      reason: 'compressed',
    });
  }
  const compressed = decodeBase64url(text);
  if (compressed === undefined || compressed.length === 0) {
    throw legateError('ERR_MALFORMED', 'encodedList is not base64url', { claim: 'encodedList' });
  }
  let inflated: Buffer;
  try {
    // maxOutputLength stops inflation as soon as the bound is crossed: a bomb never fills memory.
    inflated = gunzipSync(compressed, { maxOutputLength: maxInflated });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw legateError('ERR_INPUT_TOO_LARGE', `encodedList inflates to more than ${maxInflated} bytes`, {
        claim: 'encodedList',
        reason: 'inflated',
        cause,
      });
    }
    throw legateError('ERR_MALFORMED', 'encodedList is not a complete GZIP stream', { claim: 'encodedList', cause });
  }
  if (inflated.length * 8 < MIN_LIST_BITS) {
    throw legateError('ERR_STATUS_LIST_LENGTH', `status list has ${inflated.length * 8} entries, fewer than ${MIN_LIST_BITS}`, {
      claim: 'encodedList',
    });
  }
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
}
