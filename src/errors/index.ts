/**
 * @module errors
 *
 * One error hierarchy for all of Legate. Every error carries a stable `code`
 * (never parse messages), and optional context fields: the `claim` or field
 * concerned, a short machine `reason`, and the underlying `cause`. Messages
 * never contain key material or tokens.
 */

/** Every stable error code Legate emits. Codes are part of the public API. */
export const ErrorCodes = [
  'ERR_SIGNATURE_INVALID',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_KID_INVALID',
  'ERR_EXPIRED',
  'ERR_NOT_YET_VALID',
  'ERR_AUDIENCE',
  'ERR_NONCE',
  'ERR_REPLAY',
  'ERR_REVOKED',
  'ERR_SUSPENDED',
  'ERR_STATUS_UNAVAILABLE',
  'ERR_STATUS_LIST_LENGTH',
  'ERR_STATUS_PURPOSE',
  'ERR_STATUS_ISSUER',
  'ERR_UNTRUSTED_ISSUER',
  'ERR_TRUST_LIST_UNAVAILABLE',
  'ERR_TRUST_LIST_MISMATCH',
  'ERR_TRUST_LIST_ISSUER',
  'ERR_CAPABILITY_WIDENED',
  'ERR_DELEGATION_DEPTH',
  'ERR_CHAIN_INVALID',
  'ERR_HOLDER_BINDING',
  'ERR_KEY_BINDING',
  'ERR_CONSTRAINT_AMOUNT',
  'ERR_CONSTRAINT_TIME',
  'ERR_BUDGET_EXCEEDED',
  'ERR_RATE_LIMITED',
  'ERR_APPROVAL_REQUIRED',
  'ERR_APPROVAL_MISMATCH',
  'ERR_NOT_AUTHORIZED',
  'ERR_DID_UNRESOLVABLE',
  'ERR_SCHEMA',
  'ERR_MALFORMED',
  'ERR_INPUT_TOO_LARGE',
  'ERR_INVALID_ARGUMENT',
  'ERR_NOT_FOUND',
  'ERR_CONFLICT',
  'ERR_KEY_UNAVAILABLE',
  'ERR_STORE',
  'ERR_UNAUTHORIZED',
  'ERR_AUDIT_TAMPERED',
  /** A single message or request needed more work (fetches, bytes, signatures) than its budget allows. */
  'ERR_WORK_LIMIT',
  /** A peer could not be reached (refused, reset, no route, DNS failure). */
  'ERR_PEER_UNREACHABLE',
  /** A peer did not answer within the deadline. */
  'ERR_PEER_TIMEOUT',
  /** An outbound fetch was refused by the address policy (private, loopback, link-local, metadata). */
  'ERR_ADDRESS_NOT_ALLOWED',
  /** The store's database is damaged; writes stop until it is recovered. */
  'ERR_STORE_CORRUPT',
  /** Another process is already serving this data directory. */
  'ERR_DATA_DIR_IN_USE',
  /** The DID is deactivated (a retired agent). */
  'ERR_DID_DEACTIVATED',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface LegateErrorOptions {
  /** The claim, field or argument the error is about. */
  claim?: string | undefined;
  /** A short machine-readable reason refining the code. */
  reason?: string | undefined;
  cause?: unknown;
}

/**
 * Base class of every error Legate throws or reports.
 *
 * @example
 * ```ts
 * try { await issue(...) } catch (e) {
 *   if (e instanceof LegateError && e.code === 'ERR_SCHEMA') ...
 * }
 * ```
 */
export class LegateError extends Error {
  readonly code: ErrorCode;
  readonly claim: string | undefined;
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, options: LegateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.claim = options.claim;
    this.reason = options.reason;
  }

  /** A plain object fit for JSON output: code, message and context, no stack or cause. */
  toJSON(): { code: ErrorCode; message: string; claim?: string; reason?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.claim === undefined ? {} : { claim: this.claim }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    };
  }
}

/** A signature, token or credential failed verification. */
export class VerificationError extends LegateError {}

/** Input was malformed, too large, or did not match its schema. */
export class InputError extends LegateError {}

/** A time window check failed (expired, not yet valid, stale). */
export class TimeError extends VerificationError {}

/** A persistence or key-store failure. */
export class StoreError extends LegateError {}

/** True when `value` is a LegateError, optionally with the given code. */
export function isLegateError(value: unknown, code?: ErrorCode): value is LegateError {
  return value instanceof LegateError && (code === undefined || value.code === code);
}
