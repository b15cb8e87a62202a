/**
 * @module lib/list-fetch
 *
 * Downloading a published list credential (a status list, a trust list), with
 * the bounds W3C Bitstring Status List v1.0 Security Considerations call for
 * and every other list Legate fetches inherits: a timeout covering headers
 * and body, a size cap enforced on `Content-Length` and again while
 * streaming (a server may lie or omit it), no redirects, and conditional
 * requests (`If-None-Match`, RFC 9110 §13.1.2) so an unchanged list costs a
 * `304`. Failures are thrown as LegateErrors carrying the list kind's
 * "unavailable" code. Internal.
 */

import { InputError, VerificationError, type ErrorCode } from '../errors/index.js';
import { abortable, readBounded } from './http.js';
import type { FetchLike } from './http.js';

/** How one kind of published list names itself in requests and errors. */
export interface ListKind {
  /** In messages: `status list`, `trust list`. */
  what: string;
  /** The `claim` of errors about obtaining it. */
  claim: string;
  /** The code of "could not obtain or trust the list". */
  unavailableCode: ErrorCode;
  /** The `Accept` header sent. */
  accept: string;
}

/** What `Cache-Control` (RFC 9111 §5.2.2) allows a verifier to do with the response. */
export interface CacheDirectives {
  /** `no-store`: keep nothing. */
  noStore: boolean;
  /** `max-age` (0 for `no-cache`), in ms; undefined when not stated. */
  maxAgeMs: number | undefined;
}

/** A response; `etag` and `cache` are undefined when the server sent no such header. */
export type ListResponse =
  | { status: 200; body: string; etag: string | undefined; cache: CacheDirectives | undefined }
  | { status: 304; etag: string | undefined; cache: CacheDirectives | undefined };

export interface FetchListOptions {
  kind: ListKind;
  fetch: FetchLike;
  timeoutMs: number;
  maxBytes: number;
  /** Sent as `If-None-Match` when set. */
  etag?: string | undefined;
}

const MAX_ETAG_LENGTH = 256;
const MAX_AGE = /^max-age=(\d{1,10})$/;

/** Parses `Cache-Control`; unknown directives are ignored. */
export function cacheDirectives(header: string): CacheDirectives {
  const result: CacheDirectives = { noStore: false, maxAgeMs: undefined };
  for (const raw of header.split(',')) {
    const directive = raw.trim().toLowerCase();
    if (directive === 'no-store') result.noStore = true;
    else if (directive === 'no-cache') result.maxAgeMs = 0;
    else {
      const match = MAX_AGE.exec(directive.replace(/"/g, ''));
      if (match !== null) result.maxAgeMs = Math.min(result.maxAgeMs ?? Infinity, Number(match[1]) * 1000);
    }
  }
  return result;
}

/** The error for a list of `kind` that could not be obtained or trusted. */
export function listUnavailable(kind: ListKind, message: string, reason: string, cause?: unknown): VerificationError {
  return new VerificationError(kind.unavailableCode, message, { claim: kind.claim, reason, cause });
}

function tooLarge(kind: ListKind, maxBytes: number): InputError {
  return new InputError('ERR_INPUT_TOO_LARGE', `${kind.what} response is larger than ${maxBytes} bytes`, {
    claim: kind.claim,
    reason: 'download',
  });
}

/**
 * GETs a list credential.
 * @throws InputError `ERR_INPUT_TOO_LARGE` over `maxBytes`; VerificationError
 * with the kind's unavailable code and reason `network`, `timeout`,
 * `http-<status>` or `encoding`.
 */
export async function fetchListCredential(url: string, options: FetchListOptions): Promise<ListResponse> {
  const { kind } = options;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const headers: Record<string, string> = { accept: kind.accept };
  if (options.etag !== undefined) headers['if-none-match'] = options.etag;
  const timedOut = () => listUnavailable(kind, `${kind.what} request timed out after ${options.timeoutMs} ms`, 'timeout');
  let response: Response;
  try {
    // No redirects: a list is named by its URL, and it must come from there.
    response = await abortable(options.fetch(url, { method: 'GET', headers, redirect: 'error', signal }), signal);
  } catch {
    if (signal.aborted) throw timedOut();
    throw listUnavailable(kind, `${kind.what} request failed (network error or redirect)`, 'network');
  }
  const rawEtag = response.headers.get('etag');
  const etag = rawEtag !== null && rawEtag.length <= MAX_ETAG_LENGTH ? rawEtag : undefined;
  const cacheControl = response.headers.get('cache-control');
  const cache = cacheControl === null ? undefined : cacheDirectives(cacheControl);
  if (response.status === 304 && options.etag !== undefined) {
    void response.body?.cancel().catch(() => undefined);
    return { status: 304, etag, cache };
  }
  if (response.status !== 200) {
    void response.body?.cancel().catch(() => undefined);
    throw listUnavailable(kind, `${kind.what} request returned HTTP ${response.status}`, `http-${response.status}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(response, options.maxBytes, signal, () => tooLarge(kind, options.maxBytes));
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (signal.aborted) throw timedOut();
    throw listUnavailable(kind, `reading the ${kind.what} failed`, 'network');
  }
  try {
    return { status: 200, body: new TextDecoder('utf-8', { fatal: true }).decode(bytes), etag, cache };
  } catch {
    throw listUnavailable(kind, `${kind.what} is not valid UTF-8`, 'encoding');
  }
}
