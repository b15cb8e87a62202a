/**
 * @module audit/entry
 *
 * One audit entry: checking what a caller records (types and sizes, so an
 * entry stays bounded whatever a peer sent), building the entry around `seq`,
 * `at` and `prevHash`, its canonical text (RFC 8785) and hash (SHA-256,
 * lowercase hex), and reading a stored text back without trusting it.
 */

import { hash } from 'node:crypto';
import { isRecord } from '../lib/assert.js';
import { canonicalJson, canonicalMembers, MAX_CANONICAL_DEPTH } from '../lib/canonical-json.js';
import { parseJson } from '../lib/json.js';
import type { AuditEntryRecord } from '../store/types.js';
import {
  AUDIT_DECISIONS,
  AUDIT_ENTRY_TYPES,
  MAX_AUDIT_DETAILS_BYTES,
  MAX_AUDIT_ENTRY_TEXT,
  MAX_AUDIT_LIST,
  MAX_AUDIT_SIGNED_ACTION,
  MAX_AUDIT_STRING,
  type AuditEntry,
  type AuditFields,
} from './types.js';

const HEX_HASH = /^[0-9a-f]{64}$/;
const STRING_FIELDS = ['action', 'resource', 'agent', 'owner', 'session', 'approver', 'approval'] as const;
const LIST_FIELDS = ['chain', 'credentials', 'reasons'] as const;

function checkString(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (value.length === 0) throw new RangeError(`${name} must not be empty`);
  if (value.length > max) throw new RangeError(`${name} is longer than ${max} characters`);
  return value;
}

function checkList(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings`);
  if (value.length > MAX_AUDIT_LIST) throw new RangeError(`${name} has more than ${MAX_AUDIT_LIST} items`);
  return value.map((item: unknown, i) => checkString(item, `${name}[${i}]`, MAX_AUDIT_STRING));
}

/**
 * Checks `fields` and returns the entry members they give, without
 * `undefined` ones and as plain copies (so later mutation by the caller
 * cannot change what is hashed).
 *
 * @throws TypeError for a wrong type or an unknown `type`/`decision`;
 *   RangeError for an empty or oversized value.
 *
 * @example
 * ```ts
 * checkAuditFields({ type: 'action', decision: 'deny', reasons: ['ERR_REVOKED'] });
 * ```
 */
export function checkAuditFields(fields: AuditFields): Omit<AuditEntry, 'seq' | 'at' | 'prevHash'> {
  if (!isRecord(fields)) throw new TypeError('fields must be an object');
  if (!(AUDIT_ENTRY_TYPES as readonly unknown[]).includes(fields.type)) {
    throw new TypeError(`fields.type must be one of ${AUDIT_ENTRY_TYPES.join(', ')}`);
  }
  const out: Omit<AuditEntry, 'seq' | 'at' | 'prevHash'> = { type: fields.type };
  if (fields.decision !== undefined) {
    if (!(AUDIT_DECISIONS as readonly unknown[]).includes(fields.decision)) {
      throw new TypeError(`fields.decision must be one of ${AUDIT_DECISIONS.join(', ')}`);
    }
    out.decision = fields.decision;
  }
  for (const name of STRING_FIELDS) {
    const value = fields[name];
    if (value !== undefined) out[name] = checkString(value, `fields.${name}`, MAX_AUDIT_STRING);
  }
  for (const name of LIST_FIELDS) {
    const value = fields[name];
    if (value !== undefined) out[name] = checkList(value, `fields.${name}`);
  }
  if (fields.signedAction !== undefined) out.signedAction = checkString(fields.signedAction, 'fields.signedAction', MAX_AUDIT_SIGNED_ACTION);
  if (fields.details !== undefined) {
    if (!isRecord(fields.details)) throw new TypeError('fields.details must be a JSON object');
    // canonicalJson refuses anything outside I-JSON, so what is hashed is what is stored.
    const text = canonicalJson(fields.details);
    if (Buffer.byteLength(text, 'utf8') > MAX_AUDIT_DETAILS_BYTES) {
      throw new RangeError(`fields.details is larger than ${MAX_AUDIT_DETAILS_BYTES} bytes as canonical JSON`);
    }
    out.details = JSON.parse(text) as Record<string, unknown>;
  }
  return out;
}

/** SHA-256 of a text's UTF-8 bytes, lowercase hex. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * The canonical text of an entry and its hash.
 *
 * @throws RangeError when the text would exceed {@link MAX_AUDIT_ENTRY_TEXT}.
 *
 * @example
 * ```ts
 * const { text, hash } = hashAuditEntry({ seq: 1, at, type: 'agent', prevHash: GENESIS_HASH });
 * ```
 */
export function hashAuditEntry(entry: AuditEntry): { text: string; hash: string } {
  const text = canonicalJson(entry);
  if (text.length > MAX_AUDIT_ENTRY_TEXT) throw new RangeError(`the audit entry is longer than ${MAX_AUDIT_ENTRY_TEXT} characters`);
  return { text, hash: sha256Hex(text) };
}

/** True for a lowercase hex SHA-256. */
export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}

/**
 * Reads a stored entry text without trusting it: the parsed entry and the
 * hash of its canonical form, or `undefined` when the text is not a JSON
 * object with an integer `seq`, string `at` and `type`, and a hex `prevHash`
 * (or cannot be canonicalized). Never throws.
 *
 * @example
 * ```ts
 * const read = readAuditEntry(record.entry);
 * const intact = read !== undefined && read.hash === record.hash;
 * ```
 */
export function readAuditEntry(text: string): { entry: AuditEntry; hash: string } | undefined {
  try {
    const value = parseJson(text, 'audit entry', { maxLength: MAX_AUDIT_ENTRY_TEXT, maxDepth: MAX_CANONICAL_DEPTH });
    if (!isRecord(value)) return undefined;
    const { seq, at, type, prevHash } = value;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || typeof at !== 'string' || typeof type !== 'string' || !isHexHash(prevHash)) {
      return undefined;
    }
    return { entry: value as unknown as AuditEntry, hash: sha256Hex(canonicalJson(value)) };
  } catch {
    return undefined;
  }
}

/** Length of an {@link entryDigest}, in hex characters (64 bits). */
export const ENTRY_DIGEST_LENGTH = 16;

/**
 * A short digest of what an entry records, leaving out where it sits
 * (`seq`) and what it links to (`prevHash`): the first 64 bits of the
 * SHA-256 of the rest's canonical JSON. Checkpoints sign one per entry they
 * cover, so a verifier can tell which entry an attacker rewrote even after
 * every later hash was recomputed, and whether an entry was removed or
 * inserted (the same content found one position off). Not a hash-chain
 * replacement: the chain and the checkpoint's full hash still prove integrity.
 *
 * @example
 * ```ts
 * entryDigest(read.entry); // '3f2a…' (16 hex characters)
 * ```
 */
export function entryDigest(entry: AuditEntry): string {
  const { seq: _seq, prevHash: _prevHash, ...content } = entry;
  return sha256Hex(canonicalJson(content)).slice(0, ENTRY_DIGEST_LENGTH);
}

/**
 * {@link hashAuditEntry} and {@link entryDigest} of one entry in one pass
 * over its members (what an append records for the next checkpoint, so the
 * checkpoint need not read the entry back).
 *
 * @throws RangeError when the text would exceed {@link MAX_AUDIT_ENTRY_TEXT}.
 */
export function hashAuditEntryWithDigest(entry: AuditEntry): { text: string; hash: string; digest: string } {
  const members = canonicalMembers(entry as unknown as Record<string, unknown>);
  let text = '{';
  let content = '{';
  for (const { name, text: member } of members) {
    text += text.length > 1 ? `,${member}` : member;
    if (name !== 'seq' && name !== 'prevHash') content += content.length > 1 ? `,${member}` : member;
  }
  text += '}';
  if (text.length > MAX_AUDIT_ENTRY_TEXT) throw new RangeError(`the audit entry is longer than ${MAX_AUDIT_ENTRY_TEXT} characters`);
  return { text, hash: sha256Hex(text), digest: sha256Hex(`${content}}`).slice(0, ENTRY_DIGEST_LENGTH) };
}

/**
 * Whether a stored entry is its chain's `chain-close`. Only a plain row
 * whose text names the type can be one (a packed row never is:
 * `store/sql/audit-pack` keeps chain-open and chain-close plain), so most
 * rows need no parse and no unpacking.
 */
export function isChainClose(record: Pick<AuditEntryRecord, 'entry' | 'packed'>): boolean {
  return record.packed !== true && record.entry.includes('"chain-close"') && readAuditEntry(record.entry)?.entry.type === 'chain-close';
}
