// The one code table (issue #14 item 2): every code has exactly one class and
// one HTTP status, the factory builds that class, codes from a wire are
// checked against the list, and the problem details answer the table's status.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ERROR_TABLE,
  ErrorCodes,
  InputError,
  LegateError,
  StoreError,
  TimeError,
  VerificationError,
  errorClassOf,
  errorFromWire,
  isErrorCode,
  isLegateError,
  legateError,
  type ErrorCode,
  type LegateFailure,
} from '../../src/errors/index.js';
import { HTTP_STATUS, httpStatus, problem } from '../../src/server/problem.js';

// The decided class of every code, restated so a change to the table is a deliberate change to this test too.
const CLASS: Record<ErrorCode, typeof LegateError> = {
  ERR_SIGNATURE_INVALID: VerificationError,
  ERR_ALG_NOT_ALLOWED: VerificationError,
  ERR_KID_INVALID: VerificationError,
  ERR_EXPIRED: TimeError,
  ERR_NOT_YET_VALID: TimeError,
  ERR_AUDIENCE: VerificationError,
  ERR_NONCE: VerificationError,
  ERR_REPLAY: VerificationError,
  ERR_REVOKED: VerificationError,
  ERR_SUSPENDED: VerificationError,
  ERR_STATUS_UNAVAILABLE: VerificationError,
  ERR_STATUS_LIST_LENGTH: InputError,
  ERR_STATUS_PURPOSE: InputError,
  ERR_STATUS_ISSUER: VerificationError,
  ERR_UNTRUSTED_ISSUER: VerificationError,
  ERR_TRUST_LIST_UNAVAILABLE: VerificationError,
  ERR_TRUST_LIST_MISMATCH: VerificationError,
  ERR_TRUST_LIST_ISSUER: VerificationError,
  ERR_CAPABILITY_WIDENED: VerificationError,
  ERR_DELEGATION_DEPTH: VerificationError,
  ERR_CHAIN_INVALID: VerificationError,
  ERR_HOLDER_BINDING: VerificationError,
  ERR_KEY_BINDING: VerificationError,
  ERR_CONSTRAINT_AMOUNT: VerificationError,
  ERR_CONSTRAINT_TIME: VerificationError,
  ERR_BUDGET_EXCEEDED: VerificationError,
  ERR_RATE_LIMITED: LegateError,
  ERR_PEER_THROTTLED: LegateError,
  ERR_SIGN_IN_FAILED: LegateError,
  ERR_SESSION_REQUIRED: LegateError,
  ERR_OPERATOR_ROLE: LegateError,
  ERR_SECOND_PERSON: LegateError,
  ERR_CHANGE_EXPIRED: LegateError,
  ERR_CHANGE_CLOSED: LegateError,
  ERR_APPROVAL_INBOX_FULL: LegateError,
  ERR_CSRF: LegateError,
  ERR_APPROVAL_REQUIRED: VerificationError,
  ERR_APPROVAL_MISMATCH: VerificationError,
  ERR_NOT_AUTHORIZED: VerificationError,
  ERR_DID_UNRESOLVABLE: VerificationError,
  ERR_SCHEMA: InputError,
  ERR_MALFORMED: InputError,
  ERR_INPUT_TOO_LARGE: InputError,
  ERR_INVALID_ARGUMENT: InputError,
  ERR_NOT_FOUND: LegateError,
  ERR_CONFLICT: LegateError,
  ERR_KEY_UNAVAILABLE: StoreError,
  ERR_STORE: StoreError,
  ERR_UNAUTHORIZED: VerificationError,
  ERR_AUDIT_TAMPERED: VerificationError,
  ERR_WORK_LIMIT: InputError,
  ERR_PEER_UNREACHABLE: LegateError,
  ERR_PEER_TIMEOUT: LegateError,
  ERR_ADDRESS_NOT_ALLOWED: LegateError,
  ERR_STORE_CORRUPT: StoreError,
  ERR_DATA_DIR_IN_USE: StoreError,
  ERR_DID_DEACTIVATED: VerificationError,
  ERR_INTERNAL: LegateError,
  ERR_DPOP_INVALID: VerificationError,
  ERR_DPOP_NONCE: VerificationError,
  ERR_TOKEN_INVALID: VerificationError,
  ERR_INVALID_TARGET: InputError,
  ERR_INVALID_SCOPE: InputError,
  ERR_INVALID_AUTHORIZATION_DETAILS: InputError,
  ERR_UNSUPPORTED_GRANT_TYPE: InputError,
  ERR_INVALID_CLIENT: VerificationError,
  ERR_NOT_READY: StoreError,
  ERR_LAST_KEY: LegateError,
  ERR_KEY_ROTATION_UNSUPPORTED: InputError,
  ERR_SUBSCRIPTION_LIMIT: LegateError,
};

const CLASSES = [LegateError, VerificationError, InputError, TimeError, StoreError];

describe('the code table', () => {
  it('has exactly one row per code, and no other', () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...ErrorCodes].sort());
    expect(new Set(ErrorCodes).size).toBe(ErrorCodes.length);
    expect(Object.keys(CLASS).sort()).toEqual([...ErrorCodes].sort());
  });

  it.each([...ErrorCodes])('%s has its one class, a status and a description', (code) => {
    const row = ERROR_TABLE[code];
    expect(errorClassOf(code)).toBe(CLASS[code]);
    // Exactly one class: the error is an instance of its class and its ancestors, of no other.
    const error = legateError(code, 'x');
    expect(Object.getPrototypeOf(error)).toBe(CLASS[code].prototype);
    for (const Class of CLASSES) expect(error instanceof Class).toBe(Class === CLASS[code] || CLASS[code].prototype instanceof Class);
    expect(row.status).toBeGreaterThanOrEqual(400);
    expect(row.status).toBeLessThan(600);
    expect(row.description).toMatch(/^[A-Z].{5,90}\.$/);
  });

  it('keeps the time codes under VerificationError, and only them under TimeError', () => {
    expect(ErrorCodes.filter((code) => legateError(code, 'x') instanceof TimeError)).toEqual(['ERR_EXPIRED', 'ERR_NOT_YET_VALID']);
    expect(legateError('ERR_EXPIRED', 'x')).toBeInstanceOf(VerificationError);
  });

  it('gives a missing route, a conflict and an internal failure no store class', () => {
    for (const code of ['ERR_NOT_FOUND', 'ERR_CONFLICT', 'ERR_INTERNAL', 'ERR_PEER_UNREACHABLE'] as const) {
      expect(legateError(code, 'x')).not.toBeInstanceOf(StoreError);
      expect(legateError(code, 'x')).not.toBeInstanceOf(VerificationError);
    }
    expect(legateError('ERR_MALFORMED', 'x')).not.toBeInstanceOf(VerificationError);
  });
});

describe('legateError', () => {
  it('carries code, message, claim, reason and cause, and names the class', () => {
    const cause = new Error('inner');
    const error = legateError('ERR_MALFORMED', 'the body is not JSON', { claim: 'body', reason: 'json', cause });
    expect(error).toBeInstanceOf(InputError);
    expect(error).toBeInstanceOf(LegateError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'InputError', code: 'ERR_MALFORMED', message: 'the body is not JSON', claim: 'body', reason: 'json' });
    expect(error.cause).toBe(cause);
    expect(legateError('ERR_EXPIRED', 'x').name).toBe('TimeError');
    expect(legateError('ERR_NOT_FOUND', 'x').name).toBe('LegateError');
  });

  it('serializes to code, message and context only (no stack, no cause)', () => {
    const error = legateError('ERR_REVOKED', 'credential is revoked', { claim: 'credentialStatus', cause: new Error('secret detail') });
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'ERR_REVOKED', message: 'credential is revoked', claim: 'credentialStatus' });
    expect(legateError('ERR_STORE', 'x', { reason: 'SQLITE_BUSY' }).toJSON()).toEqual({ code: 'ERR_STORE', message: 'x', reason: 'SQLITE_BUSY' });
    expect(legateError('ERR_NONCE', 'x').toJSON()).toEqual({ code: 'ERR_NONCE', message: 'x' });
  });

  it('refuses a code Legate does not define, from a JavaScript caller', () => {
    for (const code of ['ERR_SOMETHING_ELSE', 'toString', '__proto__', '', 42]) {
      expect(() => legateError(code as ErrorCode, 'x')).toThrow(TypeError);
    }
  });

  it('is typed by its code: the class, and the code as a literal', () => {
    expectTypeOf(legateError('ERR_EXPIRED', 'x')).toExtend<TimeError>();
    expectTypeOf(legateError('ERR_SCHEMA', 'x')).toExtend<InputError>();
    expectTypeOf(legateError('ERR_SCHEMA', 'x').code).toEqualTypeOf<'ERR_SCHEMA'>();
    // The constructors take only their class's codes.
    // @ts-expect-error ERR_MALFORMED is an InputError code
    expect(new VerificationError('ERR_MALFORMED', 'x').code).toBe('ERR_MALFORMED');
  });
});

describe('LegateFailure', () => {
  it('narrows by code to the class', () => {
    const classify = (e: LegateFailure): string => {
      switch (e.code) {
        case 'ERR_EXPIRED':
          expectTypeOf(e).toExtend<TimeError>();
          return 'time';
        case 'ERR_STORE':
          expectTypeOf(e).toExtend<StoreError>();
          return 'store';
        default:
          return e instanceof VerificationError ? 'verification' : 'other';
      }
    };
    expect(classify(legateError('ERR_EXPIRED', 'x'))).toBe('time');
    expect(classify(legateError('ERR_STORE', 'x'))).toBe('store');
    expect(classify(legateError('ERR_NONCE', 'x'))).toBe('verification');
    expect(classify(legateError('ERR_NOT_FOUND', 'x'))).toBe('other');
  });

  it('is what isLegateError narrows to for a code', () => {
    const error: unknown = legateError('ERR_RATE_LIMITED', 'slow down', { reason: 'PT1M' });
    expect(isLegateError(error, 'ERR_RATE_LIMITED')).toBe(true);
    expect(isLegateError(error, 'ERR_REPLAY')).toBe(false);
    expect(isLegateError(new Error('x'))).toBe(false);
    if (isLegateError(error, 'ERR_RATE_LIMITED')) expectTypeOf(error.code).toEqualTypeOf<'ERR_RATE_LIMITED'>();
  });
});

describe('codes from a wire', () => {
  it('isErrorCode accepts exactly the defined codes', () => {
    for (const code of ErrorCodes) expect(isErrorCode(code)).toBe(true);
    for (const value of ['ERR_SOMETHING_ELSE', 'err_malformed', ' ERR_MALFORMED', 'toString', '__proto__', 'constructor', 'hasOwnProperty', '', 42, null, undefined, {}, ['ERR_MALFORMED']]) {
      expect(isErrorCode(value), JSON.stringify(value)).toBe(false);
    }
  });

  it('keeps a defined code, with its own class and reason', () => {
    const error = errorFromWire('ERR_EXPIRED', 'the peer refused: expired', { fallback: 'ERR_MALFORMED', claim: 'peer', reason: '401' });
    expect(error).toBeInstanceOf(TimeError);
    expect(error).toMatchObject({ code: 'ERR_EXPIRED', claim: 'peer', reason: '401' });
  });

  it('turns an unknown code into the fallback, the raw code kept as reason', () => {
    const error = errorFromWire('ERR_FROM_THE_FUTURE', 'the peer refused', { fallback: 'ERR_MALFORMED', claim: 'peer', reason: '400' });
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'ERR_MALFORMED', claim: 'peer', reason: 'ERR_FROM_THE_FUTURE' });
    expect(errorFromWire('toString', 'x', { fallback: 'ERR_PEER_UNREACHABLE' })).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', reason: 'toString' });
    expect(errorFromWire('__proto__', 'x', { fallback: 'ERR_MALFORMED' })).toMatchObject({ code: 'ERR_MALFORMED', reason: '__proto__' });
  });

  it('bounds and cleans garbage, and names a non-string by its type', () => {
    const long = errorFromWire(`ERR_${'A'.repeat(500)}`, 'x', { fallback: 'ERR_MALFORMED' });
    expect(long.reason).toHaveLength(64);
    expect(errorFromWire('bad\ncode\u0000<script>', 'x', { fallback: 'ERR_MALFORMED' }).reason).toBe('bad?code?<script>');
    expect(errorFromWire(401, 'x', { fallback: 'ERR_MALFORMED' })).toMatchObject({ code: 'ERR_MALFORMED', reason: 'number' });
    expect(errorFromWire({ code: 'ERR_STORE' }, 'x', { fallback: 'ERR_MALFORMED' })).toMatchObject({ code: 'ERR_MALFORMED', reason: 'object' });
    expect(errorFromWire(null, 'x', { fallback: 'ERR_MALFORMED' })).toMatchObject({ code: 'ERR_MALFORMED', reason: 'object' });
  });

  it('gives a missing code the fallback with the caller’s reason', () => {
    expect(errorFromWire(undefined, 'x', { fallback: 'ERR_MALFORMED', reason: '502' })).toMatchObject({ code: 'ERR_MALFORMED', reason: '502' });
  });
});

describe('problem details', () => {
  it.each([...ErrorCodes])('%s answers the status of its row', (code) => {
    expect(HTTP_STATUS[code]).toBe(ERROR_TABLE[code].status);
    expect(httpStatus(code)).toBe(ERROR_TABLE[code].status);
    expect(problem(legateError(code, 'x'))).toMatchObject({ status: ERROR_TABLE[code].status, code, title: code, detail: 'x' });
  });
});
