/**
 * @module store/sql/audit-pack
 *
 * How the SQL stores keep an audit entry compactly (#19 item 3) while giving
 * back its canonical text byte for byte, so nothing the log proves changes:
 * hashes, checkpoints and bundles are over the text as before.
 *
 * An action's entry is mostly its signed action, a JWS whose payload holds
 * the whole session token it was sent under (itself a JWS), base64url twice
 * over. An append writes the entry *light*, at the cost of a few string
 * operations:
 *
 * - leaving out what the row's columns already hold (`chainId`, `prevHash`,
 *   `at`), marked by a control character canonical JSON never holds raw;
 * - splitting the signed action into header and payload *text* (decoded)
 *   and signature, and taking its `session` token out into an attachment
 *   stored once per token (keyed by its SHA-256, deflated) and shared by
 *   every action of the session.
 *
 * The body is kept apart from the row (in `audit_light`), so the row is
 * written once and never rewritten: rewriting rows to a smaller size left
 * SQLite pages two-thirds empty. Once a checkpoint covers them, the bodies
 * are *sealed* (`./audit-blocks`): up to 128 of a chain deflated together
 * into one block, and their light rows deleted. Deflating one entry at a
 * time, as packings 1 and 2 did, cost 60–150 µs an append, most of it
 * setting up a zlib stream; a block costs about 6 µs an entry and is
 * smaller (bench/README.md, "Sealed segments"). Rows of packings 1 and 2
 * are still read.
 *
 * Entries naming `chain-open` or `chain-close` stay plain text. A packing
 * is kept only when unpacking it gives the very text back (checked before
 * anything is deflated, which is lossless): a payload that is not UTF-8, a
 * marker character in the text, anything unforeseen falls back to a
 * plainer form or to the text itself, never to a different text. Reads are
 * bounded: an inflated body, block or attachment longer than it can be is
 * refused (a tampered row is no zip bomb), and anything that cannot be
 * unpacked reads as an empty text, which verification reports as corrupt.
 *
 * The first byte of a packed value says how it is packed; the dictionary
 * belongs to that byte and never changes (a new dictionary takes a new
 * byte). Internal.
 */

import { hash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Longest text an inflated value may give: an entry's own bound (audit/types `MAX_AUDIT_ENTRY_TEXT`). */
const MAX_UNPACKED = 512 * 1024;
/** Session tokens shorter than this stay in the entry: an attachment row would cost more than it saves. */
const MIN_ATTACHMENT = 200;

/** First byte: the whole text, columns left out, deflated (written until entries were sealed in blocks; still read). */
const PLAIN = 1;
/** First byte: columns left out, the signed action split (its session token possibly attached), deflated (still read). */
const SIGNED = 2;
/** First byte of an attachment: a JWS split into header text, payload text and signature, deflated. */
const JWS = 3;
/** First byte of an attachment kept as its text (it did not split back exactly). */
const RAW = 4;
/**
 * The whole packing (one byte): as {@link PLAIN}, not deflated, its body
 * (UTF-8) kept apart: light in `audit_light` until sealed, then in a block.
 * What an append writes.
 */
const LIGHT_PLAIN = 5;
/** The whole packing: as {@link SIGNED}, its body kept apart as for {@link LIGHT_PLAIN}. */
const LIGHT_SIGNED = 6;

/** Separates the parts of a packed body: canonical JSON, base64url and the payloads kept here never hold it raw. */
const SEP = '\u0000';
const SIGNED_ACTION = '"signedAction":"';
/** A UTF-16 surrogate not part of a pair: UTF-8 cannot carry it, so such a text is stored as it is. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const SESSION = '"session":"';

/**
 * What entries, signed actions and session tokens typically say; DEFLATE
 * finds matches in it as if it came before the text (the likeliest last).
 * Fixed for {@link PLAIN}, {@link SIGNED}, {@link JWS} and sealed blocks
 * (`./audit-blocks`): never edit it.
 */
export const DICTIONARY = Buffer.from(
  [
    '{"iss":"did:web:","sub":"mailto:","aud":"did:web:","iat":17,"exp":17,"jti":"urn:uuid:","cnf":{"kid":"did:web:","jwk":{"kty":"OKP","crv":"Ed25519","x":""}},',
    '"capabilities":[{"action":"","resource":"","scope":"","constraints":{"maxAmount":{"value":100,"currency":"USD"}},"credential":"urn:uuid:"}],"act":{"sub":"did:web:"}}',
    '{"details":{"rejected":[],"trusted":[""]},"approval":"","approver":"did:web:","type":"handshake"}{"type":"token"}{"type":"evaluation"}',
    '{"alg":"EdDSA","kid":"did:web:#key-1","typ":"session+jwt"}',
    '{"action":"call","agent":"did:web::agents:","at":"\u0003","chain":["did:web:","mailto:"],"chainId":"\u0001","credentials":["urn:uuid:"],',
    '"decision":"allow","owner":"mailto:","prevHash":"\u0002","reasons":[],"resource":"","seq":1,"session":"urn:uuid:","signedAction":"',
    `${SEP}{"alg":"EdDSA","kid":"did:web::agents:#key-1","typ":"action+jwt"}${SEP}{"iss":"did:web:","aud":"did:web:","jti":"urn:uuid:","iat":17,"session":"${SEP}","action":"call","resource":"","params":{"amount":{"value":1,"currency":"USD"}}}${SEP}`,
    `${SEP}","type":"action"}`,
  ].join(''),
  'utf8',
);

/**
 * A 4 KB window (the dictionary's last 4 KB count) and little memory: as
 * small on entries as the defaults, and a third faster, most of a call
 * being the set-up of its zlib stream.
 */
const DEFLATE = { level: 6, windowBits: 12, memLevel: 3 } as const;
const INFLATE = { windowBits: 12, maxOutputLength: MAX_UNPACKED } as const;

/** The columns an entry's text repeats, each left out of a packed body behind its marker. */
interface Columns {
  chain: string;
  prevHash: string;
  at: string;
}

/**
 * A packed entry: its bytes, its body when kept apart (a light packing),
 * and the attachment they name (to store alongside, once per `hash`,
 * packed by {@link packAttachment}).
 */
export interface PackedEntry {
  packed: Uint8Array;
  body?: Uint8Array;
  attachment?: { hash: string; text: string };
}

const MARKS: readonly [key: string, column: keyof Columns, mark: string][] = [
  ['"chainId":"', 'chain', '\u0001'],
  ['"prevHash":"', 'prevHash', '\u0002'],
  ['"at":"', 'at', '\u0003'],
];

function leaveOut(text: string, columns: Columns): string {
  let out = text;
  for (const [key, column, mark] of MARKS) out = out.replace(`${key}${columns[column]}"`, `${key}${mark}"`);
  return out;
}

function putBack(text: string, columns: Columns): string {
  let out = text;
  for (const [key, column, mark] of MARKS) out = out.replace(`${key}${mark}"`, () => `${key}${columns[column]}"`);
  return out;
}

function bytes(kind: number, body: string, dictionary: Buffer = DICTIONARY): Uint8Array {
  const deflated = deflateRawSync(body, { ...DEFLATE, dictionary });
  const out = new Uint8Array(deflated.length + 1);
  out[0] = kind;
  out.set(deflated, 1);
  return out;
}

/** A light packing: its kind, and its body's UTF-8 bytes kept apart. */
function light(kind: number, body: string): { packed: Uint8Array; body: Uint8Array } {
  return { packed: Uint8Array.of(kind), body: Buffer.from(body, 'utf8') };
}

function inflate(packed: Uint8Array, dictionary: Buffer = DICTIONARY): string {
  return inflateRawSync(packed.subarray(1), { ...INFLATE, dictionary }).toString('utf8');
}

/**
 * The dictionary of a {@link SIGNED} body naming `token`: the fixed one,
 * then the token decoded. An action says again much of what its session
 * token says (both organizations' DIDs, the owner, the capability and its
 * credential), so DEFLATE finds it there: about 100 bytes an action less.
 */
function withToken(token: string): Buffer {
  if (token === '') return DICTIONARY;
  // Only the same bytes on both sides matter here, not a round trip: the segments are decoded as they are.
  const [header = '', payload = ''] = token.split('.', 2);
  return Buffer.concat([DICTIONARY, Buffer.from(header, 'base64url'), Buffer.from(payload, 'base64url')]);
}

/**
 * The text a base64url segment encodes, or undefined when it holds the
 * separator or (with `exact`) does not encode back to the very same segment.
 * A signed action is checked whole instead, once joined back.
 */
function decodeSegment(segment: string, exact: boolean): string | undefined {
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  return text.includes(SEP) || (exact && Buffer.from(text, 'utf8').toString('base64url') !== segment) ? undefined : text;
}

/**
 * A compact JWS as header text, payload text and signature (decoded, so
 * DEFLATE finds the DIDs they share with the entry), or undefined when a
 * segment does not decode back to the same base64url.
 */
function splitJws(jws: string, exact = true): [string, string, string] | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  const header = decodeSegment(parts[0]!, exact);
  const payload = decodeSegment(parts[1]!, exact);
  return header === undefined || payload === undefined ? undefined : [header, payload, parts[2]!];
}

function joinJws(header: string, text: string, signature: string): string {
  return `${Buffer.from(header, 'utf8').toString('base64url')}.${Buffer.from(text, 'utf8').toString('base64url')}.${signature}`;
}

/** The body of a {@link SIGNED} packing and its session token (empty when left in), or undefined when the text has no signed action that splits. */
function splitSigned(text: string): { body: string; token: string } | undefined {
  const start = text.lastIndexOf(SIGNED_ACTION);
  if (start < 0) return undefined;
  const from = start + SIGNED_ACTION.length;
  const end = text.indexOf('"', from);
  if (end < 0) return undefined;
  // Not checked segment by segment: packAuditEntry checks the whole entry joined back.
  const jws = splitJws(text.slice(from, end), false);
  if (jws === undefined) return undefined;
  const [header, payload, signature] = jws;
  let before = payload;
  let after = '';
  let token = '';
  const at = payload.indexOf(SESSION);
  if (at >= 0) {
    const tokenFrom = at + SESSION.length;
    const tokenEnd = payload.indexOf('"', tokenFrom);
    if (tokenEnd - tokenFrom >= MIN_ATTACHMENT) {
      token = payload.slice(tokenFrom, tokenEnd);
      before = payload.slice(0, tokenFrom);
      after = payload.slice(tokenEnd);
    }
  }
  return { body: [text.slice(0, from), header, before, after, signature, text.slice(end)].join(SEP), token };
}

function joinSigned(body: string, token: string): string | undefined {
  const parts = body.split(SEP);
  if (parts.length !== 6) return undefined;
  const [prefix, header, before, after, signature, suffix] = parts as [string, string, string, string, string, string];
  return `${prefix}${joinJws(header, `${before}${token}${after}`, signature)}${suffix}`;
}

/** The SHA-256 of an attachment's text, base64url: the key it is stored and named by. */
export function attachmentKey(text: string): string {
  return hash('sha256', text, 'base64url');
}

/** An attachment's stored bytes. */
export function packAttachment(token: string): Uint8Array {
  const jws = splitJws(token);
  return jws === undefined ? bytes(RAW, token) : bytes(JWS, jws.join(SEP));
}

/**
 * Packs one entry's canonical `text` light, as the row of `columns` holds
 * it, or returns undefined when no packing gives the text back (then it is
 * stored as it is).
 *
 * @example
 * ```ts
 * const packed = packAuditEntry(record.entry, record);
 * if (packed?.attachment) insertAttachment(packed.attachment.hash, packAttachment(packed.attachment.text));
 * ```
 */
export function packAuditEntry(text: string, columns: Columns): PackedEntry | undefined {
  // Kept plain, so a reader looking for a chain's opening or closing entry never unpacks (AuditEntryRecord.packed).
  if (text.includes('"chain-close"') || text.includes('"chain-open"')) return undefined;
  // With no mark in the text (canonical JSON never holds one raw), each marked member is the only one: putBack undoes leaveOut.
  // A lone surrogate would not survive UTF-8.
  if (MARKS.some(([, , mark]) => text.includes(mark)) || LONE_SURROGATE.test(text)) return undefined;
  const short = leaveOut(text, columns);
  const signed = splitSigned(short);
  if (signed !== undefined && joinSigned(signed.body, signed.token) === short) {
    const packed = light(LIGHT_SIGNED, signed.body);
    if (signed.token === '') return packed;
    return { ...packed, attachment: { hash: attachmentKey(signed.token), text: signed.token } };
  }
  return light(LIGHT_PLAIN, short);
}

/** An attachment's text from its stored bytes; throws when they are not a packing of this module. */
export function unpackAttachment(data: Uint8Array): string {
  if (data[0] === RAW) return inflate(data);
  if (data[0] !== JWS) throw new RangeError(`unknown attachment packing ${data[0]}`);
  const parts = inflate(data).split(SEP);
  if (parts.length !== 3) throw new RangeError('a packed attachment has not three parts');
  return joinJws(parts[0]!, parts[1]!, parts[2]!);
}

/** Whether a packing keeps its body apart (a light one): reading it needs the body, from `audit_light` or a sealed block (`./audit-blocks`). */
export function isLight(packed: Uint8Array | null): packed is Uint8Array {
  return packed !== null && packed.length === 1 && (packed[0] === LIGHT_PLAIN || packed[0] === LIGHT_SIGNED);
}

/**
 * The canonical text a packed row holds, given its columns, its attachment
 * (its stored bytes, or its text once unpacked; undefined when the row names
 * none, null when it names one the store does not have) and, for a light
 * packing, its body (undefined when the store has none). An empty text
 * when the bytes are not a packing of this module, too long once inflated,
 * or name an attachment or body that is missing: `readAuditEntry` then
 * reports the entry corrupt, and verification fails on it.
 */
export function unpackAuditEntry(packed: Uint8Array, columns: Columns, attachment: Uint8Array | string | null | undefined, body?: Uint8Array): string {
  try {
    const kind = packed[0];
    const apart = isLight(packed);
    if (kind === PLAIN) return putBack(inflate(packed), columns);
    if ((apart && body === undefined) || (kind !== SIGNED && !apart)) return '';
    const text = apart ? Buffer.from(body!.buffer, body!.byteOffset, body!.byteLength).toString('utf8') : undefined;
    if (kind === LIGHT_PLAIN) return putBack(text!, columns);
    // A row naming an attachment the store does not have (attachment null) cannot be read back.
    if (attachment === null) return '';
    const token = attachment === undefined ? '' : typeof attachment === 'string' ? attachment : unpackAttachment(attachment);
    const joined = joinSigned(text ?? inflate(packed, withToken(token)), token);
    return joined === undefined ? '' : putBack(joined, columns);
  } catch {
    return '';
  }
}
