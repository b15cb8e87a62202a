/**
 * @module status/entry
 *
 * `credentialStatus` entries (W3C Bitstring Status List v1.0 §2.1): writing
 * one for a bit of a list, and reading every entry of a credential. Reading
 * accepts `BitstringStatusListEntry` and its predecessor
 * `StatusList2021Entry` (same fields), ignores other status types (they are
 * other mechanisms, not ours to judge), and reports each malformed entry as
 * data so a verifier can list every problem.
 */

import { legateError, type LegateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import {
  STATUS_ENTRY_TYPE,
  STATUS_LIST_2021_ENTRY_TYPE,
  STATUS_PURPOSES,
  type BitstringStatusEntry,
  type StatusPurpose,
} from './types.js';

/** Longest `statusListCredential` URL accepted, in characters. */
export const MAX_STATUS_URL_LENGTH = 2048;
/** Most status entries read from one credential. */
export const MAX_STATUS_ENTRIES = 8;

// §2.1: "an arbitrary size integer greater than or equal to 0, expressed as a string in base 10".
const INDEX = /^\d{1,16}$/;

/** One entry, validated, with its index as a number. */
export interface StatusEntryRef {
  entry: BitstringStatusEntry;
  purpose: StatusPurpose;
  index: number;
  listUrl: string;
}

/** Every entry of a credential: the usable ones and an error for each malformed one. */
export interface StatusEntries {
  entries: StatusEntryRef[];
  errors: LegateError[];
}

// A verifier sees the same few list URLs again and again; parsing a URL costs
// more than the rest of reading an entry, so answers are remembered (bounded).
const knownUrls = new Map<string, boolean>();
const MAX_KNOWN_URLS = 512;

function isListUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_STATUS_URL_LENGTH) return false;
  const known = knownUrls.get(value);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    const url = new URL(value);
    ok = (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '';
  } catch {
    ok = false;
  }
  if (knownUrls.size >= MAX_KNOWN_URLS) knownUrls.clear();
  knownUrls.set(value, ok);
  return ok;
}

/**
 * The `credentialStatus` entry for bit `index` of the list at `listUrl`.
 * @throws TypeError / RangeError for a bad URL, index or purpose.
 *
 * @example
 * ```ts
 * statusEntry('https://acme.example/status/r-1', 94023, 'revocation');
 * // { id: 'https://acme.example/status/r-1#94023', type: 'BitstringStatusListEntry',
 * //   statusPurpose: 'revocation', statusListIndex: '94023',
 * //   statusListCredential: 'https://acme.example/status/r-1' }
 * ```
 */
export function statusEntry(listUrl: string, index: number, purpose: StatusPurpose): BitstringStatusEntry {
  if (!isListUrl(listUrl)) throw new TypeError('listUrl must be an http(s) URL without a fragment');
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('index must be a non-negative integer');
  if (!STATUS_PURPOSES.includes(purpose)) throw new RangeError('purpose must be revocation or suspension');
  return {
    id: `${listUrl}#${index}`,
    type: STATUS_ENTRY_TYPE,
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: listUrl,
  };
}

/** Where entry `i` sits, for an error's claim: built only when an entry is refused. */
const entryAt = (i: number, inArray: boolean): string => (inArray ? `credentialStatus/${i}` : 'credentialStatus');

function readEntry(value: Record<string, unknown>, i: number, inArray: boolean): StatusEntryRef | LegateError {
  const { statusPurpose, statusListIndex, statusListCredential, statusSize } = value;
  const bad = (message: string, field: string) => legateError('ERR_MALFORMED', message, { claim: `${entryAt(i, inArray)}/${field}` });
  if (typeof statusListIndex !== 'string' || !INDEX.test(statusListIndex) || !Number.isSafeInteger(Number(statusListIndex))) {
    return bad('statusListIndex must be a non-negative integer string', 'statusListIndex');
  }
  if (!isListUrl(statusListCredential)) return bad('statusListCredential must be an http(s) URL', 'statusListCredential');
  // §2.1 statusSize: entries wider than one bit carry status messages, which Legate does not use.
  if (statusSize !== undefined && statusSize !== 1) return bad('only statusSize 1 is supported', 'statusSize');
  if (typeof statusPurpose !== 'string') return bad('statusPurpose must be a string', 'statusPurpose');
  if (!(STATUS_PURPOSES as readonly string[]).includes(statusPurpose)) {
    return legateError('ERR_STATUS_PURPOSE', `status purpose ${JSON.stringify(statusPurpose.slice(0, 32))} is not supported`, {
      claim: `${entryAt(i, inArray)}/statusPurpose`,
      reason: 'unsupported',
    });
  }
  const entry = { ...value } as unknown as BitstringStatusEntry;
  return { entry, purpose: statusPurpose as StatusPurpose, index: Number(statusListIndex), listUrl: statusListCredential };
}

/**
 * Reads a credential's `credentialStatus` (one entry or an array). Entries of
 * type `BitstringStatusListEntry` or `StatusList2021Entry` (alone or among
 * other types) are validated; entries of other types are ignored. Never throws.
 *
 * Errors: `ERR_MALFORMED` (bad index, URL, `statusSize`, not an object, too
 * many entries), `ERR_STATUS_PURPOSE` (a purpose other than revocation and
 * suspension: failing closed beats ignoring a status we cannot interpret).
 *
 * @example
 * ```ts
 * const { entries, errors } = readStatusEntries(credential);
 * for (const { listUrl, index, purpose } of entries) ...
 * ```
 */
export function readStatusEntries(credential: { credentialStatus?: unknown }): StatusEntries {
  const result: StatusEntries = { entries: [], errors: [] };
  const status = isRecord(credential) ? credential.credentialStatus : undefined;
  if (status === undefined) return result;
  const list: unknown[] = Array.isArray(status) ? status : [status];
  if (list.length > MAX_STATUS_ENTRIES) {
    result.errors.push(
      legateError('ERR_MALFORMED', `credentialStatus has more than ${MAX_STATUS_ENTRIES} entries`, { claim: 'credentialStatus' }),
    );
    return result;
  }
  const inArray = Array.isArray(status);
  list.forEach((value, i) => {
    if (!isRecord(value)) {
      result.errors.push(legateError('ERR_MALFORMED', 'a status entry must be an object', { claim: entryAt(i, inArray) }));
      return;
    }
    // `type` is a set (VCDM 2.0, Types): "X" and ["X"] are the same RDF, so a Data Integrity proof covers both spellings alike.
    const { type } = value;
    const ours = Array.isArray(type) ? type.includes(STATUS_ENTRY_TYPE) || type.includes(STATUS_LIST_2021_ENTRY_TYPE) : type === STATUS_ENTRY_TYPE || type === STATUS_LIST_2021_ENTRY_TYPE;
    if (!ours) return;
    const read = readEntry(value, i, inArray);
    if ('listUrl' in read) result.entries.push(read);
    else result.errors.push(read);
  });
  return result;
}
