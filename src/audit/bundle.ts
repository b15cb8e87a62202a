/**
 * @module audit/bundle
 *
 * The offline audit bundle (#17 item 6): one JSON document a partner or an
 * auditor checks with no node and no network (`verifyAuditBundle`). It holds
 * the log's entries (each chain's stored records: canonical entry text,
 * hash, link), its signed checkpoints, the organization's DID document at
 * export time, and the history of the organization's keys that verifies the
 * checkpoints: every key of the document and every key that signed a
 * checkpoint, each with the span it was in use (`from`, and `until` once it
 * is retired: key rotation adds retired keys here, so the log never loses
 * the keys that signed it).
 *
 * ```json
 * { "format": "legate-audit-bundle/1", "exportedAt": "…",
 *   "organization": { "did": "did:web:acme.example", "didDocument": { … } },
 *   "log": { "id": "urn:uuid:…", "chain": "urn:uuid:…" },
 *   "keys": [{ "kid": "did:web:acme.example#key-1", "publicKeyJwk": { "kty": "OKP", "crv": "Ed25519", "x": "…" }, "from": "…" }],
 *   "fromCheckpoint": 40,
 *   "checkpoints": [{ "seq": 40, "hash": "…", "at": "…", "token": "…" }],
 *   "entries": [{ "chain": "…", "seq": 1, "at": "…", "entry": "{…}", "hash": "…", "prevHash": "…" }] }
 * ```
 *
 * Reading is bounded ({@link MAX_AUDIT_BUNDLE_BYTES}) and strict: anything
 * that is not a bundle of this format is `ERR_MALFORMED`, before any
 * signature is looked at.
 */

import type { DIDDocument } from 'did-resolver';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { parseJson } from '../lib/json.js';
import type { AuditCheckpointRecord, AuditEntryRecord } from '../store/types.js';

/** The format this version writes and reads. */
export const AUDIT_BUNDLE_FORMAT = 'legate-audit-bundle/1';

/** Largest bundle read, in bytes (UTF-8 JSON). */
export const MAX_AUDIT_BUNDLE_BYTES = 256 * 1024 * 1024;
/** Most keys a bundle's history may list. */
export const MAX_AUDIT_BUNDLE_KEYS = 1024;
/** Most checkpoints a bundle may hold. */
export const MAX_AUDIT_BUNDLE_CHECKPOINTS = 1_000_000;
/** Deepest nesting read (a DID document is the deepest part). */
const MAX_BUNDLE_DEPTH = 32;
/** Longest string field other than an entry's text or a checkpoint's token. */
const MAX_FIELD = 4096;

/** One key of the organization's history, with the span it was in use. */
export interface AuditBundleKey {
  /** The verification method id, `<organization DID>#…`. */
  kid: string;
  /** The Ed25519 public key. */
  publicKeyJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  /** Since when it was in use (ISO 8601). */
  from?: string;
  /** When it was retired (ISO 8601); absent while it is in use. */
  until?: string;
}

export interface AuditBundle {
  format: typeof AUDIT_BUNDLE_FORMAT;
  exportedAt: string;
  organization: { did: string; didDocument: DIDDocument };
  /** The log's id (every checkpoint names it) and the store's own chain, when the log has them. */
  log: { id?: string; chain?: string };
  keys: AuditBundleKey[];
  /** When the bundle starts at a checkpoint: that checkpoint's `seq` (what it signs is trusted, entries before it are left out). */
  fromCheckpoint?: number;
  checkpoints: AuditCheckpointRecord[];
  entries: AuditEntryRecord[];
}

const malformed = (message: string, claim: string) => legateError('ERR_MALFORMED', `not an audit bundle: ${message}`, { claim });

const isText = (value: unknown, max = MAX_FIELD): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;
const isTime = (value: unknown): value is string => isText(value, 64) && !Number.isNaN(Date.parse(value));
const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

function checkKey(value: unknown, i: number): AuditBundleKey {
  const claim = `keys[${i}]`;
  if (!isRecord(value) || !isText(value.kid) || !isRecord(value.publicKeyJwk)) throw malformed(`${claim} must be { kid, publicKeyJwk, from?, until? }`, claim);
  const { kty, crv, x } = value.publicKeyJwk;
  if (kty !== 'OKP' || crv !== 'Ed25519' || !isText(x, 64)) throw malformed(`${claim}.publicKeyJwk must be an Ed25519 JWK`, claim);
  for (const bound of ['from', 'until'] as const) {
    if (value[bound] !== undefined && !isTime(value[bound])) throw malformed(`${claim}.${bound} must be an ISO 8601 time`, claim);
  }
  return {
    kid: value.kid,
    publicKeyJwk: { kty, crv, x },
    ...(value.from === undefined ? {} : { from: value.from as string }),
    ...(value.until === undefined ? {} : { until: value.until as string }),
  };
}

function checkCheckpoint(value: unknown, i: number): AuditCheckpointRecord {
  const claim = `checkpoints[${i}]`;
  if (!isRecord(value) || !isSeq(value.seq) || !isText(value.hash, 128) || !isTime(value.at) || !isText(value.token, 4 * 1024 * 1024)) {
    throw malformed(`${claim} must be { seq, hash, at, token }`, claim);
  }
  return { seq: value.seq, hash: value.hash, at: value.at, token: value.token };
}

function checkEntry(value: unknown, i: number): AuditEntryRecord {
  const claim = `entries[${i}]`;
  if (
    !isRecord(value) ||
    !isText(value.chain, 256) ||
    !isSeq(value.seq) ||
    !isTime(value.at) ||
    !isText(value.entry, 1024 * 1024) ||
    !isText(value.hash, 128) ||
    !isText(value.prevHash, 128)
  ) {
    throw malformed(`${claim} must be { chain, seq, at, entry, hash, prevHash }`, claim);
  }
  return { chain: value.chain, seq: value.seq, at: value.at, entry: value.entry, hash: value.hash, prevHash: value.prevHash };
}

function list(value: unknown, claim: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw malformed(`${claim} must be an array`, claim);
  if (value.length > max) throw legateError('ERR_INPUT_TOO_LARGE', `the bundle lists more than ${max} ${claim}`, { claim });
  return value;
}

/**
 * Checks that `value` is a bundle of this format (the shape only: nothing is
 * verified yet) and returns it typed, with nothing but the known fields.
 * @throws InputError `ERR_MALFORMED` for anything else (another format
 *   version included), `ERR_INPUT_TOO_LARGE` for too many keys or checkpoints.
 */
export function checkAuditBundle(value: unknown): AuditBundle {
  if (!isRecord(value)) throw malformed('a bundle is a JSON object', 'bundle');
  if (value.format !== AUDIT_BUNDLE_FORMAT) {
    throw legateError('ERR_MALFORMED', `unsupported audit bundle format ${JSON.stringify(value.format ?? null).slice(0, 80)}; this version reads ${AUDIT_BUNDLE_FORMAT}`, {
      claim: 'format',
      reason: 'format',
    });
  }
  if (!isTime(value.exportedAt)) throw malformed('exportedAt must be an ISO 8601 time', 'exportedAt');
  const { organization, log } = value;
  if (!isRecord(organization) || !isText(organization.did) || !isRecord(organization.didDocument)) {
    throw malformed('organization must be { did, didDocument }', 'organization');
  }
  if (!isRecord(log) || (log.id !== undefined && !isText(log.id, 256)) || (log.chain !== undefined && !isText(log.chain, 256))) {
    throw malformed('log must be { id?, chain? }', 'log');
  }
  if (value.fromCheckpoint !== undefined && !isSeq(value.fromCheckpoint)) throw malformed('fromCheckpoint must be a positive integer', 'fromCheckpoint');
  const keys = list(value.keys, 'keys', MAX_AUDIT_BUNDLE_KEYS).map(checkKey);
  const checkpoints = list(value.checkpoints, 'checkpoints', MAX_AUDIT_BUNDLE_CHECKPOINTS).map(checkCheckpoint);
  const entries = list(value.entries, 'entries', Number.MAX_SAFE_INTEGER).map(checkEntry);
  return {
    format: AUDIT_BUNDLE_FORMAT,
    exportedAt: value.exportedAt,
    organization: { did: organization.did, didDocument: organization.didDocument as unknown as DIDDocument },
    log: { ...(log.id === undefined ? {} : { id: log.id }), ...(log.chain === undefined ? {} : { chain: log.chain }) },
    keys,
    ...(value.fromCheckpoint === undefined ? {} : { fromCheckpoint: value.fromCheckpoint }),
    checkpoints,
    entries,
  };
}

/**
 * Parses a bundle's text, bounded to `maxBytes` (default {@link MAX_AUDIT_BUNDLE_BYTES}).
 * @throws InputError `ERR_INPUT_TOO_LARGE` past the bound; `ERR_MALFORMED`
 *   for text that is not JSON (a truncated file) or not a bundle.
 */
export function readAuditBundle(text: string, maxBytes = MAX_AUDIT_BUNDLE_BYTES): AuditBundle {
  if (typeof text !== 'string') throw malformed('a bundle is JSON text', 'bundle');
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw legateError('ERR_INPUT_TOO_LARGE', `the audit bundle is larger than ${maxBytes} bytes`, { claim: 'bundle' });
  }
  return checkAuditBundle(parseJson(text, 'audit bundle', { maxLength: maxBytes, maxDepth: MAX_BUNDLE_DEPTH }));
}
