/**
 * @module lib/list-fetch
 *
 * Downloading a published list credential (a status list, a trust list), with
 * the bounds W3C Bitstring Status List v1.0 Security Considerations call for
 * and every other list Legate fetches inherits, through the one HTTP client
 * (lib/http-client): its address policy, a timeout covering headers and
 * body, a size cap enforced on `Content-Length` and again while streaming
 * (a server may lie or omit it), no redirects, and conditional
 * requests (`If-None-Match`, RFC 9110 §13.1.2) so an unchanged list costs a
 * `304`. Failures are thrown as LegateErrors carrying the list kind's
 * "unavailable" code. Internal.
 */

import { LegateError, legateError, type VerificationCode, type VerificationError, type InputError } from '../errors/index.js';
import type { HttpClient, HttpResponse } from './http-client.js';

/** How one kind of published list names itself in requests and errors. */
export interface ListKind {
  /** In messages: `status list`, `trust list`. */
  what: string;
  /** The `claim` of errors about obtaining it. */
  claim: string;
  /** The code of "could not obtain or trust the list". */
  unavailableCode: VerificationCode;
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
  http: HttpClient;
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
  return legateError(kind.unavailableCode, message, { claim: kind.claim, reason, cause });
}

function tooLarge(kind: ListKind, maxBytes: number): InputError {
  return legateError('ERR_INPUT_TOO_LARGE', `${kind.what} response is larger than ${maxBytes} bytes`, {
    claim: kind.claim,
    reason: 'download',
  });
}

/** The client's failure as this list kind's error. */
function clientFailure(kind: ListKind, error: unknown, options: FetchListOptions): Error {
  if (!(error instanceof LegateError)) return listUnavailable(kind, `${kind.what} request failed`, 'network', error);
  if (error.code === 'ERR_INPUT_TOO_LARGE') return tooLarge(kind, options.maxBytes);
  if (error.code === 'ERR_PEER_TIMEOUT') return listUnavailable(kind, `${kind.what} request timed out after ${options.timeoutMs} ms`, 'timeout', error);
  const reason = error.code === 'ERR_ADDRESS_NOT_ALLOWED' ? 'address' : 'network';
  return listUnavailable(kind, `${kind.what} request failed: ${error.message}`, reason, error);
}

/**
 * GETs a list credential through the HTTP client.
 * @throws InputError `ERR_INPUT_TOO_LARGE` over `maxBytes`; VerificationError
 * with the kind's unavailable code and reason `network` (unreachable, a
 * redirect), `address` (refused by the address policy), `timeout`,
 * `http-<status>` or `encoding`.
 */
export async function fetchListCredential(url: string, options: FetchListOptions): Promise<ListResponse> {
  const { kind } = options;
  let response: HttpResponse;
  try {
    // The client follows no redirects: a list is named by its URL, and it must come from there.
    response = await options.http.get(url, { accept: kind.accept, etag: options.etag, maxBytes: options.maxBytes, timeoutMs: options.timeoutMs });
  } catch (error) {
    throw clientFailure(kind, error, options);
  }
  const rawEtag = response.header('etag');
  const etag = rawEtag !== undefined && rawEtag.length <= MAX_ETAG_LENGTH ? rawEtag : undefined;
  const cacheControl = response.header('cache-control');
  const cache = cacheControl === undefined ? undefined : cacheDirectives(cacheControl);
  if (response.status === 304 && options.etag !== undefined) return { status: 304, etag, cache };
  if (response.status !== 200) {
    throw listUnavailable(kind, `${kind.what} request returned HTTP ${response.status}`, `http-${response.status}`);
  }
  try {
    return { status: 200, body: new TextDecoder('utf-8', { fatal: true }).decode(response.body), etag, cache };
  } catch {
    throw listUnavailable(kind, `${kind.what} is not valid UTF-8`, 'encoding');
  }
}
