/**
 * @module lib/base64url
 *
 * Strict base64url (RFC 4648 §5, no padding). Node's decoder silently skips
 * invalid characters, so input is validated first: a token whose bytes could be
 * re-encoded differently must not verify.
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function encodeBase64urlString(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Decodes strict base64url; returns undefined for anything else (non-alphabet, impossible length). */
export function decodeBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Reject non-canonical encodings (stray low bits in the last character).
  if (bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
