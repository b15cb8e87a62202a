/**
 * @module errors
 *
 * One error model for all of Legate, after jose's `util/errors.ts`: every
 * error carries a stable `code` (never parse messages) and optional context
 * (the `claim` or field concerned, a short machine `reason`, the underlying
 * `cause`). One table, {@link ERROR_TABLE}, gives each code its fixed class,
 * its HTTP status and a one-line description; {@link legateError} builds the
 * error of a code from it, so the same code is always the same class and
 * `instanceof` means the same thing at every throw site. Codes that arrive
 * from elsewhere (a peer's reply, a worker, a resolver) are checked against
 * the list with {@link isErrorCode} or {@link errorFromWire}, never cast.
 * Messages never contain key material or tokens.
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
  'ERR_PEER_THROTTLED',
  'ERR_SIGN_IN_FAILED',
  'ERR_SESSION_REQUIRED',
  'ERR_OPERATOR_ROLE',
  'ERR_CSRF',
  'ERR_APPROVAL_INBOX_FULL',
  'ERR_SECOND_PERSON',
  'ERR_CHANGE_EXPIRED',
  'ERR_CHANGE_CLOSED',
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
  'ERR_WORK_LIMIT',
  'ERR_PEER_UNREACHABLE',
  'ERR_PEER_TIMEOUT',
  'ERR_ADDRESS_NOT_ALLOWED',
  'ERR_STORE_CORRUPT',
  'ERR_DATA_DIR_IN_USE',
  'ERR_DID_DEACTIVATED',
  'ERR_INTERNAL',
  'ERR_DPOP_INVALID',
  'ERR_DPOP_NONCE',
  'ERR_TOKEN_INVALID',
  'ERR_INVALID_TARGET',
  'ERR_INVALID_SCOPE',
  'ERR_INVALID_AUTHORIZATION_DETAILS',
  'ERR_UNSUPPORTED_GRANT_TYPE',
  'ERR_INVALID_CLIENT',
  'ERR_NOT_READY',
  'ERR_LAST_KEY',
  'ERR_KEY_ROTATION_UNSUPPORTED',
  'ERR_SUBSCRIPTION_LIMIT',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/**
 * Which class a code's errors are. What a caller means by catching each:
 *
 * - `time`: {@link TimeError}, only a validity window (`exp`, `nbf`,
 *   `validFrom`/`validUntil`). A credential failing only these was still
 *   signed by its issuer (`signed` in a verification result relies on it);
 * - `verification`: {@link VerificationError}, something presented did not
 *   verify or is not allowed: a signature, key, audience, nonce, status,
 *   trust, chain, constraint, approval or authentication check;
 * - `input`: {@link InputError}, the input itself is malformed, too large,
 *   off-schema or too costly; resending it unchanged fails the same way;
 * - `store`: {@link StoreError}, this node's own persistence or keys failed;
 *   the caller did nothing wrong;
 * - `base`: a plain {@link LegateError}, none of these: a lookup that found
 *   nothing or a state conflict (not a store failure), a rate limit, a peer
 *   that could not be reached, an internal failure.
 */
export type ErrorKind = 'base' | 'verification' | 'time' | 'input' | 'store';

/** One row of {@link ERROR_TABLE}. */
export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** The HTTP status of a problem-details response carrying this code. */
  readonly status: number;
  readonly description: string;
}

const v = 'verification';

/**
 * The one table of error codes: each code's class, HTTP status and meaning.
 * A `Record` over all of `ErrorCode`, so a new code does not compile until it
 * is given a row (and test/errors/ checks every row).
 *
 * HTTP statuses: 400 the request itself is malformed; 401 who signed or
 * presented it could not be authenticated; 403 authenticated but refused
 * (trust, status, chain, constraint codes, and an address the node will not
 * fetch); 404/409 absent / a conflict with state; 410 a deactivated DID;
 * 413/422/429 too large, too much work (the message is within its size bound
 * but verifying it would cost more fetches, bytes or signatures than one
 * message may; resending fails again, so not 429 or 503), too often; 502 a
 * list fetched from another party is no valid answer, or the party could not
 * be reached; 503 unavailable for now (another instance may answer); 504 no
 * answer in time; 500 only store, key, audit-integrity and internal failures.
 */
export const ERROR_TABLE = {
  ERR_SIGNATURE_INVALID: { kind: v, status: 401, description: 'A signature or proof does not verify.' },
  ERR_ALG_NOT_ALLOWED: { kind: v, status: 401, description: 'The signing algorithm or cryptosuite is not allowed.' },
  ERR_KID_INVALID: { kind: v, status: 401, description: 'The key id is not a key of the party that must have signed.' },
  ERR_EXPIRED: { kind: 'time', status: 401, description: 'Past its validity window.' },
  ERR_NOT_YET_VALID: { kind: 'time', status: 401, description: 'Before its validity window.' },
  ERR_AUDIENCE: { kind: v, status: 400, description: 'Addressed to another audience.' },
  ERR_NONCE: { kind: v, status: 400, description: 'The nonce is missing, wrong or stale.' },
  ERR_REPLAY: { kind: v, status: 409, description: 'The message was already used.' },
  ERR_REVOKED: { kind: v, status: 403, description: 'The credential is revoked.' },
  ERR_SUSPENDED: { kind: v, status: 403, description: 'The credential is suspended.' },
  ERR_STATUS_UNAVAILABLE: { kind: v, status: 503, description: 'A status list could not be obtained, so status is unknown.' },
  ERR_STATUS_LIST_LENGTH: { kind: 'input', status: 502, description: 'A status list is too short, or an index lies beyond it.' },
  ERR_STATUS_PURPOSE: { kind: 'input', status: 502, description: 'A status purpose is unknown or does not match its list.' },
  ERR_STATUS_ISSUER: { kind: v, status: 502, description: 'A status list is not issued by the credential issuer.' },
  ERR_UNTRUSTED_ISSUER: { kind: v, status: 403, description: 'The issuer is not trusted for this credential.' },
  ERR_TRUST_LIST_UNAVAILABLE: { kind: v, status: 503, description: 'A trust list could not be obtained.' },
  ERR_TRUST_LIST_MISMATCH: { kind: v, status: 502, description: 'A trust list is not the one its URL or anchor names.' },
  ERR_TRUST_LIST_ISSUER: { kind: v, status: 502, description: 'A trust list is not issued by the party that must issue it.' },
  ERR_CAPABILITY_WIDENED: { kind: v, status: 403, description: 'A delegation grants more than its parent.' },
  ERR_DELEGATION_DEPTH: { kind: v, status: 403, description: 'A delegation chain is deeper than allowed.' },
  ERR_CHAIN_INVALID: { kind: v, status: 403, description: 'A delegation chain is broken, incomplete or unavailable.' },
  ERR_HOLDER_BINDING: { kind: v, status: 401, description: 'The presenter is not the credential subject.' },
  ERR_KEY_BINDING: { kind: v, status: 401, description: 'The signing key is not bound to the session or subject.' },
  ERR_CONSTRAINT_AMOUNT: { kind: v, status: 403, description: 'An amount exceeds the capability maximum.' },
  ERR_CONSTRAINT_TIME: { kind: v, status: 403, description: "Outside the capability's time window." },
  ERR_BUDGET_EXCEEDED: { kind: v, status: 403, description: "The capability's budget would be exceeded." },
  ERR_RATE_LIMITED: { kind: 'base', status: 429, description: 'Too many requests in the rate window.' },
  ERR_PEER_THROTTLED: { kind: 'base', status: 429, description: 'Too many failed authentications from this peer; refused unread until the window ends.' },
  ERR_SIGN_IN_FAILED: { kind: 'base', status: 401, description: 'Console sign-in refused: bad name, password or code, or a locked account (one answer).' },
  ERR_SESSION_REQUIRED: { kind: 'base', status: 401, description: 'No console session, or it ended (signed out, too old or idle too long): sign in again.' },
  ERR_OPERATOR_ROLE: { kind: 'base', status: 403, description: "The operator's role does not allow this (viewer < approver < admin)." },
  ERR_CSRF: { kind: 'base', status: 403, description: "A console change without the session's CSRF token, or sent from another site." },
  ERR_SECOND_PERSON: { kind: 'base', status: 403, description: 'A change must be confirmed by a second operator, not the one who asked for it.' },
  ERR_CHANGE_EXPIRED: { kind: 'base', status: 410, description: 'The pending change expired before a second operator confirmed it.' },
  ERR_CHANGE_CLOSED: { kind: 'base', status: 409, description: 'The pending change was already confirmed or cancelled.' },
  ERR_APPROVAL_INBOX_FULL: { kind: 'base', status: 429, description: 'The agent already has as many pending approval requests as allowed.' },
  ERR_APPROVAL_REQUIRED: { kind: v, status: 403, description: 'The action needs an approval it does not carry.' },
  ERR_APPROVAL_MISMATCH: { kind: v, status: 403, description: 'The approval does not match the action.' },
  ERR_NOT_AUTHORIZED: { kind: v, status: 403, description: 'No capability allows the action.' },
  ERR_DID_UNRESOLVABLE: { kind: v, status: 401, description: 'A DID could not be resolved.' },
  ERR_SCHEMA: { kind: 'input', status: 400, description: 'The document does not match its schema.' },
  ERR_MALFORMED: { kind: 'input', status: 400, description: 'The input or a peer answer is malformed.' },
  ERR_INPUT_TOO_LARGE: { kind: 'input', status: 413, description: 'The input exceeds its size bound.' },
  ERR_INVALID_ARGUMENT: { kind: 'input', status: 400, description: 'An argument or option is invalid.' },
  ERR_NOT_FOUND: { kind: 'base', status: 404, description: 'No such thing (agent, credential, list, route, session).' },
  ERR_CONFLICT: { kind: 'base', status: 409, description: 'Conflicts with current state (already exists, retired).' },
  ERR_KEY_UNAVAILABLE: { kind: 'store', status: 500, description: 'A key cannot be loaded or unlocked.' },
  ERR_STORE: { kind: 'store', status: 500, description: 'The store failed.' },
  ERR_UNAUTHORIZED: { kind: v, status: 401, description: 'The admin credentials are missing or wrong.' },
  ERR_AUDIT_TAMPERED: { kind: v, status: 500, description: 'The audit log does not verify against its chain or checkpoints.' },
  ERR_WORK_LIMIT: { kind: 'input', status: 422, description: 'Verifying the message needs more work than its budget allows.' },
  ERR_PEER_UNREACHABLE: { kind: 'base', status: 502, description: 'A peer could not be reached (refused, reset, no route, DNS).' },
  ERR_PEER_TIMEOUT: { kind: 'base', status: 504, description: 'A peer did not answer within the deadline.' },
  ERR_ADDRESS_NOT_ALLOWED: { kind: 'base', status: 403, description: 'The address policy refused an outbound fetch.' },
  ERR_STORE_CORRUPT: { kind: 'store', status: 500, description: "The store's database is damaged; writes stop until recovered." },
  ERR_DATA_DIR_IN_USE: { kind: 'store', status: 503, description: 'Another process is serving this data directory.' },
  ERR_DID_DEACTIVATED: { kind: v, status: 410, description: 'The DID is deactivated (a retired agent).' },
  ERR_INTERNAL: { kind: 'base', status: 500, description: 'An internal failure (a verifier worker failed or was closed).' },
  ERR_DPOP_INVALID: { kind: v, status: 401, description: 'A DPoP proof is missing, malformed, stale, replayed or mismatched (RFC 9449).' },
  ERR_DPOP_NONCE: { kind: v, status: 401, description: "The DPoP proof must carry the server's current nonce (use_dpop_nonce)." },
  ERR_TOKEN_INVALID: { kind: v, status: 401, description: 'An access token is missing, malformed, of the wrong type or of an unknown key.' },
  ERR_INVALID_TARGET: { kind: 'input', status: 400, description: 'The resource or audience is missing, ambiguous or not served here (RFC 8707).' },
  ERR_INVALID_SCOPE: { kind: 'input', status: 400, description: 'A scope string is malformed, or nothing requested could be granted.' },
  ERR_INVALID_AUTHORIZATION_DETAILS: { kind: 'input', status: 400, description: 'The authorization_details are malformed or of an unknown type (RFC 9396).' },
  ERR_UNSUPPORTED_GRANT_TYPE: { kind: 'input', status: 400, description: 'The grant type or token type is not supported.' },
  ERR_INVALID_CLIENT: { kind: v, status: 401, description: 'Client authentication failed (unknown client, bad assertion, wrong client_id).' },
  ERR_NOT_READY: { kind: 'store', status: 503, description: 'This node cannot serve for now: its store did not answer the readiness check in time.' },
  ERR_LAST_KEY: { kind: 'base', status: 409, description: "The organization's only active key cannot be revoked: rotate first." },
  ERR_KEY_ROTATION_UNSUPPORTED: { kind: 'input', status: 400, description: "A did:key agent's key is its DID: it rotates into a new agent, not in place." },
  ERR_SUBSCRIPTION_LIMIT: { kind: 'base', status: 429, description: 'Too many subscriptions to status lists, for this subscriber or in total.' },
} as const satisfies Readonly<Record<ErrorCode, ErrorSpec>>;

/** The codes whose errors are of the given kind. */
export type CodeOfKind<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_TABLE)[C]['kind'] extends K ? C : never;
}[ErrorCode];

/** Codes of {@link TimeError}. */
export type TimeCode = CodeOfKind<'time'>;
/** Codes of {@link VerificationError}, {@link TimeError}'s included. */
export type VerificationCode = CodeOfKind<'verification' | 'time'>;
/** Codes of {@link InputError}. */
export type InputCode = CodeOfKind<'input'>;
/** Codes of {@link StoreError}. */
export type StoreCode = CodeOfKind<'store'>;
/** Codes whose errors are plain {@link LegateError}s. */
export type BaseCode = CodeOfKind<'base'>;

export interface LegateErrorOptions {
  /** The claim, field or argument the error is about. */
  claim?: string | undefined;
  /** A short machine-readable reason refining the code. */
  reason?: string | undefined;
  cause?: unknown;
}

/**
 * Base class of every error Legate throws or reports. Build one with
 * {@link legateError}, which picks the class from the code; the constructors
 * stay public for compatibility, and lint keeps them out of `src/`.
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

// Each subclass narrows `code` to its codes (a `declare`, so no field is
// emitted), and its constructor accepts only them: the types reject a class
// the table does not give the code. Not generic: `instanceof` on a generic
// class would narrow to `any` codes.

/** Something presented did not verify or is not allowed (see {@link ErrorKind}). */
export class VerificationError extends LegateError {
  declare readonly code: VerificationCode;
  constructor(code: VerificationCode, message: string, options?: LegateErrorOptions) {
    super(code, message, options);
  }
}

/** Input was malformed, too large, too costly, or did not match its schema. */
export class InputError extends LegateError {
  declare readonly code: InputCode;
  constructor(code: InputCode, message: string, options?: LegateErrorOptions) {
    super(code, message, options);
  }
}

/** A validity window check failed: expired or not yet valid. */
export class TimeError extends VerificationError {
  declare readonly code: TimeCode;
  constructor(code: TimeCode, message: string, options?: LegateErrorOptions) {
    super(code, message, options);
  }
}

/** This node's own persistence or key store failed. */
export class StoreError extends LegateError {
  declare readonly code: StoreCode;
  constructor(code: StoreCode, message: string, options?: LegateErrorOptions) {
    super(code, message, options);
  }
}

/** The class of the errors of code `C`, narrowed to that code. */
export type LegateErrorOf<C extends ErrorCode> = (C extends TimeCode
  ? TimeError
  : C extends VerificationCode
    ? VerificationError
    : C extends InputCode
      ? InputError
      : C extends StoreCode
        ? StoreError
        : LegateError) & { readonly code: C };

/**
 * Every Legate error, discriminated by `code`: `switch (e.code)` narrows to
 * the code's class.
 *
 * @example
 * ```ts
 * function retryable(e: LegateFailure): boolean {
 *   switch (e.code) {
 *     case 'ERR_PEER_TIMEOUT': return true; // e: LegateError & { code: 'ERR_PEER_TIMEOUT' }
 *     case 'ERR_EXPIRED': return false; // e: TimeError
 *     default: return false;
 *   }
 * }
 * ```
 */
export type LegateFailure = { [C in ErrorCode]: LegateErrorOf<C> }[ErrorCode];

type ErrorClass = new (code: never, message: string, options?: LegateErrorOptions) => LegateError;

const CLASS_OF_KIND: Readonly<Record<ErrorKind, ErrorClass>> = {
  base: LegateError,
  verification: VerificationError,
  time: TimeError,
  input: InputError,
  store: StoreError,
};

/** True when `value` is a code Legate defines: check every code that crossed a wire before using it. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/** The class `code`'s errors are, from {@link ERROR_TABLE}. */
export function errorClassOf(code: ErrorCode): ErrorClass {
  return CLASS_OF_KIND[ERROR_TABLE[code].kind];
}

/**
 * The error for `code`, of the class {@link ERROR_TABLE} gives it: the one
 * way Legate builds its errors.
 *
 * @throws TypeError when `code` is not a Legate code (a JavaScript caller's slip).
 * @example
 * ```ts
 * throw legateError('ERR_MALFORMED', 'the body is not JSON', { claim: 'body' }); // an InputError
 * ```
 */
export function legateError<C extends ErrorCode>(code: C, message: string, options?: LegateErrorOptions): LegateErrorOf<C> {
  if (!isErrorCode(code)) throw new TypeError(`not a Legate error code: ${String(code).slice(0, 64)}`);
  const Class = errorClassOf(code) as unknown as new (code: C, message: string, options?: LegateErrorOptions) => LegateErrorOf<C>;
  return new Class(code, message, options);
}

/** Longest part of an unknown wire code kept as `reason`: enough to name it, too short to smuggle a payload. */
const MAX_WIRE_CODE = 64;

/**
 * An error from a code received from elsewhere (a peer's reply, a worker, a
 * resolver's metadata). A code Legate defines keeps its own class; anything
 * else (an unknown string, a number, garbage) becomes `fallback`, with the
 * raw code (printable characters, at most 64) as the `reason`, so a peer can
 * never make this node throw an error of a code or class it did not choose.
 * A missing code (`undefined`) is `fallback` with the options' own reason.
 *
 * @example
 * ```ts
 * errorFromWire(reply.code, 'the peer refused', { fallback: 'ERR_MALFORMED', claim: 'peer' });
 * ```
 */
export function errorFromWire(code: unknown, message: string, options: LegateErrorOptions & { fallback: ErrorCode }): LegateError {
  const { fallback, ...rest } = options;
  if (isErrorCode(code)) return legateError(code, message, rest);
  if (code === undefined) return legateError(fallback, message, rest);
  const raw = typeof code === 'string' ? code : typeof code;
  return legateError(fallback, message, { ...rest, reason: raw.replace(/[^\x21-\x7e]/g, '?').slice(0, MAX_WIRE_CODE) });
}

/** True when `value` is a LegateError, optionally with the given code. */
export function isLegateError<C extends ErrorCode = ErrorCode>(value: unknown, code?: C): value is LegateErrorOf<C> {
  return value instanceof LegateError && (code === undefined || value.code === code);
}
