/**
 * @module server/problem
 *
 * Errors as RFC 9457 problem details (`application/problem+json`) carrying the
 * Legate error code, so HTTP clients branch on `code` exactly as library
 * callers do. Messages are the errors' own, which never hold secrets.
 */

import type { ErrorCode, LegateError } from '../errors/index.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode | 'ERR_INTERNAL';
  /** Every failed check, when there was more than one. */
  errors?: { code: string; message: string }[];
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_MALFORMED: 400,
  ERR_SCHEMA: 400,
  ERR_INVALID_ARGUMENT: 400,
  ERR_NONCE: 400,
  ERR_AUDIENCE: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_SIGNATURE_INVALID: 401,
  ERR_ALG_NOT_ALLOWED: 401,
  ERR_KID_INVALID: 401,
  ERR_HOLDER_BINDING: 401,
  ERR_DID_UNRESOLVABLE: 401,
  ERR_EXPIRED: 401,
  ERR_NOT_YET_VALID: 401,
  ERR_REVOKED: 403,
  ERR_SUSPENDED: 403,
  ERR_UNTRUSTED_ISSUER: 403,
  ERR_CAPABILITY_WIDENED: 403,
  ERR_DELEGATION_DEPTH: 403,
  ERR_CHAIN_INVALID: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_REPLAY: 409,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_STATUS_UNAVAILABLE: 503,
  ERR_AUDIT_TAMPERED: 500,
};

/** The HTTP status for an error code (500 for anything unexpected). */
export function httpStatus(code: string): number {
  return STATUS[code as ErrorCode] ?? 500;
}

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
