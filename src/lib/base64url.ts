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

/** The 6-bit value of a base64url character (already known to be in the alphabet). */
function sextet(code: number): number {
  if (code >= 0x61) return code - 0x61 + 26; // a-z
  if (code >= 0x41) return code === 0x5f ? 63 : code - 0x41; // A-Z, _
  return code === 0x2d ? 62 : code - 0x30 + 52; // -, 0-9
}

/** Decodes strict base64url; returns undefined for anything else (non-alphabet, impossible length). */
export function decodeBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const tail = text.length % 4;
  if (tail === 1) return undefined;
  // Reject non-canonical encodings: the bits the last character carries past
  // the final byte (4 of them after 2 characters, 2 after 3) must be zero.
  if (tail !== 0 && (sextet(text.charCodeAt(text.length - 1)) & (tail === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
