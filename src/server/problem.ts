/**
 * @module server/problem
 *
 * Errors as RFC 9457 problem details (`application/problem+json`) carrying the
 * Legate error code, so HTTP clients branch on `code` exactly as library
 * callers do. Messages are the errors' own, which never hold secrets.
 */

import { ERROR_TABLE, ErrorCodes, isErrorCode, type ErrorCode, type LegateError } from '../errors/index.js';
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
 * The HTTP status of every error code, read from the one code table,
 * {@link ERROR_TABLE} in `errors/` (which says what each status means), so a
 * new code does not compile until its row gives it a status.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.fromEntries(
  ErrorCodes.map((code) => [code, ERROR_TABLE[code].status]),
) as Record<ErrorCode, number>;

/** `Retry-After` for `ERR_RATE_LIMITED` when the error does not name its period: one minute. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** The HTTP status for an error code (500 for a code Legate does not define). */
export function httpStatus(code: string): number {
  return isErrorCode(code) ? HTTP_STATUS[code] : 500;
}

/**
 * The `Retry-After` seconds for an error, or undefined when it calls for none.
 * Only `ERR_RATE_LIMITED` and `ERR_PEER_THROTTLED` do: when its `reason` is the period
 * (a duration such as `PT1M` or `1h`), a client waiting that long is sure to
 * find the window moved on; otherwise {@link DEFAULT_RETRY_AFTER_SECONDS}.
 *
 * @example
 * ```ts
 * retryAfterSeconds(legateError('ERR_RATE_LIMITED', 'slow down', { reason: 'PT1H' })); // 3600
 * ```
 */
export function retryAfterSeconds(error: LegateError): number | undefined {
  if (error.code !== 'ERR_RATE_LIMITED' && error.code !== 'ERR_PEER_THROTTLED') return undefined;
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
