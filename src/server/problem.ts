/**
 * @module server/problem
 *
 * Errors as RFC 9457 problem details (`application/problem+json`) carrying the
 * Legate error code, so HTTP clients branch on `code` exactly as library
 * callers do. Messages are the errors' own, which never hold secrets.
 */

import type { ErrorCode, LegateError } from '../errors/index.js';
import { longestMs, parseDuration } from '../lib/duration.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode | 'ERR_INTERNAL';
  /** Every failed check, when there was more than one. */
  errors?: { code: string; message: string }[];
}

/**
 * The HTTP status of every error code. A `Record` over all of `ErrorCode`, so
 * a new code does not compile until it is given a status here (and
 * test/server/problem.test.ts iterates `ErrorCodes` to check each one).
 *
 * - 400: the request itself is malformed;
 * - 401: who signed or presented it could not be authenticated;
 * - 403: authenticated, but refused: trust, status, chain and constraint codes;
 * - 409: a conflict with state (already exists, already used);
 * - 410: the DID is deactivated (a retired agent);
 * - 413/422/429: too large, too much work, too often;
 * - 502: a list fetched from another party (status list, trust list) is not a
 *   valid answer, or the party could not be reached; 503: it is unavailable
 *   for now; 504: it did not answer in time;
 * - 500: only store, key, audit-integrity and internal failures.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  ERR_SIGNATURE_INVALID: 401,
  ERR_ALG_NOT_ALLOWED: 401,
  ERR_KID_INVALID: 401,
  ERR_EXPIRED: 401,
  ERR_NOT_YET_VALID: 401,
  ERR_AUDIENCE: 400,
  ERR_NONCE: 400,
  ERR_REPLAY: 409,
  ERR_REVOKED: 403,
  ERR_SUSPENDED: 403,
  ERR_STATUS_UNAVAILABLE: 503,
  ERR_STATUS_LIST_LENGTH: 502,
  ERR_STATUS_PURPOSE: 502,
  ERR_STATUS_ISSUER: 502,
  ERR_UNTRUSTED_ISSUER: 403,
  ERR_TRUST_LIST_UNAVAILABLE: 503,
  ERR_TRUST_LIST_MISMATCH: 502,
  ERR_TRUST_LIST_ISSUER: 502,
  ERR_CAPABILITY_WIDENED: 403,
  ERR_DELEGATION_DEPTH: 403,
  ERR_CHAIN_INVALID: 403,
  ERR_HOLDER_BINDING: 401,
  ERR_KEY_BINDING: 401,
  ERR_CONSTRAINT_AMOUNT: 403,
  ERR_CONSTRAINT_TIME: 403,
  ERR_BUDGET_EXCEEDED: 403,
  ERR_RATE_LIMITED: 429,
  ERR_APPROVAL_REQUIRED: 403,
  ERR_APPROVAL_MISMATCH: 403,
  ERR_NOT_AUTHORIZED: 403,
  ERR_DID_UNRESOLVABLE: 401,
  ERR_SCHEMA: 400,
  ERR_MALFORMED: 400,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_INVALID_ARGUMENT: 400,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_KEY_UNAVAILABLE: 500,
  ERR_STORE: 500,
  ERR_UNAUTHORIZED: 401,
  ERR_AUDIT_TAMPERED: 500,
  // 422, not 413: the message is within the size bound and well-formed, but
  // verifying it would take more fetches, bytes or signatures than one message
  // may cost; sending it again fails again, so not 429 or 503 either.
  ERR_WORK_LIMIT: 422,
  ERR_PEER_UNREACHABLE: 502,
  ERR_PEER_TIMEOUT: 504,
  // The node refuses to fetch an address a message named: a refusal, not an upstream failure.
  ERR_ADDRESS_NOT_ALLOWED: 403,
  ERR_STORE_CORRUPT: 500,
  // Another process holds the data directory: unavailable for now, another instance may answer.
  ERR_DATA_DIR_IN_USE: 503,
  ERR_DID_DEACTIVATED: 410,
};

/** `Retry-After` for `ERR_RATE_LIMITED` when the error does not name its period: one minute. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** The HTTP status for an error code (500 for a code Legate does not define). */
export function httpStatus(code: string): number {
  return Object.hasOwn(HTTP_STATUS, code) ? HTTP_STATUS[code as ErrorCode] : 500;
}

/**
 * The `Retry-After` seconds for an error, or undefined when it calls for none.
 * Only `ERR_RATE_LIMITED` does: when its `reason` is the rate limit's period
 * (a duration such as `PT1M` or `1h`), a client waiting that long is sure to
 * find the window moved on; otherwise {@link DEFAULT_RETRY_AFTER_SECONDS}.
 *
 * @example
 * ```ts
 * retryAfterSeconds(new LegateError('ERR_RATE_LIMITED', 'slow down', { reason: 'PT1H' })); // 3600
 * ```
 */
export function retryAfterSeconds(error: LegateError): number | undefined {
  if (error.code !== 'ERR_RATE_LIMITED') return undefined;
  if (error.reason === undefined) return DEFAULT_RETRY_AFTER_SECONDS;
  try {
    // Calendar units as their longest length: waiting a little too long is safe, too short is not.
    return Math.min(longestMs(parseDuration(error.reason)) / 1000, MAX_RETRY_AFTER_SECONDS);
  } catch {
    return DEFAULT_RETRY_AFTER_SECONDS;
  }
}

/** A day: no client should be told to wait longer than that for one request. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

export function problem(error: LegateError, errors?: LegateError[]): Problem {
  const status = httpStatus(error.code);
  return {
    type: `https://legate.dev/problems/${error.code.toLowerCase().replace(/^err_/, '').replace(/_/g, '-')}`,
    title: error.code,
    status,
    detail: error.message,
    code: error.code,
    ...(errors !== undefined && errors.length > 1 ? { errors: errors.map((e) => ({ code: e.code, message: e.message })) } : {}),
  };
}

/** The problem for an error that is not a LegateError: no detail leaks out. */
export const INTERNAL_PROBLEM: Problem = {
  type: 'https://legate.dev/problems/internal',
  title: 'ERR_INTERNAL',
  status: 500,
  detail: 'internal error',
  code: 'ERR_INTERNAL',
};
