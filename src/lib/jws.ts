/**
 * @module lib/jws
 *
 * Compact JWS (RFC 7515 §7.1) for Legate's Ed25519 tokens: building the
 * signing input, signing through a Signer, and strict, bounded decoding.
 * The header policy every Legate token shares is here ({@link headerErrors});
 * which key must have signed lives with each token type (`did/signature`).
 * Internal.
 */

import { legateError, type LegateError } from '../errors/index.js';
import type { Signer } from './signer.js';
import { isRecord } from './assert.js';
import { decodeBase64url, encodeBase64url, encodeBase64urlString } from './base64url.js';
import { parseJson } from './json.js';

export interface JwsHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [name: string]: unknown;
}

export interface DecodedJws {
  header: JwsHeader;
  payload: Record<string, unknown>;
  /** ASCII bytes of `<header>.<payload>`, what the signature covers. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

/** Default bound on any token Legate accepts, in characters. */
export const DEFAULT_MAX_TOKEN_LENGTH = 64 * 1024;

const encoder = new TextEncoder();
// Without `stream`, each decode stands alone: one decoder serves every call.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Signs `payload` as a compact JWS with `alg: EdDSA` and `kid` from the signer. */
export async function signCompactJws(
  payload: Record<string, unknown>,
  signer: Signer,
  header: { typ: string } & Record<string, unknown>,
): Promise<string> {
  const protectedHeader = { alg: signer.alg, kid: signer.kid, ...header };
  const signingInput = `${encodeBase64urlString(JSON.stringify(protectedHeader))}.${encodeBase64urlString(JSON.stringify(payload))}`;
  const signature = await signer.sign(encoder.encode(signingInput));
  return `${signingInput}.${encodeBase64url(signature)}`;
}

function decodeJsonPart(part: string, what: string, maxLength: number): Record<string, unknown> {
  const bytes = decodeBase64url(part);
  if (bytes === undefined) throw legateError('ERR_MALFORMED', `token ${what} is not base64url`, { claim: what });
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw legateError('ERR_MALFORMED', `token ${what} is not UTF-8`, { claim: what, cause });
  }
  const value = parseJson(text, `token ${what}`, { maxLength });
  if (!isRecord(value)) throw legateError('ERR_MALFORMED', `token ${what} is not a JSON object`, { claim: what });
  return value;
}

/**
 * Decodes a compact JWS without verifying it.
 * @throws InputError `ERR_INPUT_TOO_LARGE` over `maxLength`, `ERR_MALFORMED` for anything not a well-formed JWS.
 */
export function decodeCompactJws(token: string, maxLength = DEFAULT_MAX_TOKEN_LENGTH): DecodedJws {
  if (typeof token !== 'string') throw legateError('ERR_MALFORMED', 'token must be a string', { claim: 'token' });
  if (token.length > maxLength) {
    throw legateError('ERR_INPUT_TOO_LARGE', `token is longer than ${maxLength} characters`, { claim: 'token' });
  }
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw legateError('ERR_MALFORMED', 'token is not a compact JWS (three dot-separated parts)', { claim: 'token' });
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJsonPart(h, 'header', maxLength);
  if (typeof header.alg !== 'string') throw legateError('ERR_MALFORMED', 'token header has no alg', { claim: 'alg' });
  const payload = decodeJsonPart(p, 'payload', maxLength);
  const signature = decodeBase64url(s);
  if (signature === undefined) throw legateError('ERR_MALFORMED', 'token signature is not base64url', { claim: 'signature' });
  return { header: header as JwsHeader, payload, signingInput: signingInputBytes(`${h}.${p}`), signature };
}

/** The bytes of a signing input's text (`header.payload`): ASCII, both parts being base64url, so its latin1 code units. */
export function signingInputBytes(text: string): Uint8Array {
  const input = Buffer.from(text, 'latin1');
  return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * `decoded` with its bytes in buffers of their own, for a decoding kept past
 * the call that made it: decoding makes small Buffers, views of a shared
 * 8 KB pool slab, and a kept view keeps the whole slab alive (a node's
 * memo of 4,096 decodings held 33 MB that way in the soak).
 */
export function detachedDecoding(decoded: DecodedJws): DecodedJws {
  return { header: decoded.header, payload: decoded.payload, signingInput: ownBytes(decoded.signingInput), signature: ownBytes(decoded.signature) };
}

/** `bytes` in an ArrayBuffer of exactly their length (a copy when they are a view of a larger one). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/**
 * The header policy of every token Legate verifies (RFC 8725 §3.1): only
 * `alg: EdDSA`, so `none`, HMAC and every other algorithm are refused before
 * any key is looked at (`ERR_ALG_NOT_ALLOWED`); the token type's own `typ`,
 * unless `typ` is undefined (`ERR_MALFORMED`); and no `crit` extensions, as
 * Legate understands none (RFC 7515 §4.1.11, `ERR_MALFORMED`).
 *
 * @example
 * ```ts
 * errors.push(...headerErrors(decoded.header, { typ: 'vp+jwt', what: 'presentations' }));
 * ```
 */
export function headerErrors(header: JwsHeader, expected: { typ: string | undefined; what: string }): LegateError[] {
  const errors: LegateError[] = [];
  if (header.alg !== 'EdDSA') {
    errors.push(legateError('ERR_ALG_NOT_ALLOWED', `only EdDSA ${expected.what} are accepted, not ${header.alg.slice(0, 32)}`, { claim: 'alg' }));
  }
  if (expected.typ !== undefined && header.typ !== expected.typ) {
    errors.push(legateError('ERR_MALFORMED', `header typ must be ${expected.typ}`, { claim: 'typ' }));
  }
  if (header.crit !== undefined) errors.push(legateError('ERR_MALFORMED', 'header crit is not supported', { claim: 'crit' }));
  return errors;
}

/** Whether header errors include a refused `alg`: then no key is looked at. */
export const algRefused = (errors: readonly LegateError[]): boolean => errors.some((e) => e.code === 'ERR_ALG_NOT_ALLOWED');
