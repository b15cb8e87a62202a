// The HTTP status of every error code, spelled out here independently of src/server/problem.ts,
// so a new code in src/errors without a status (there, or here) fails this file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, LegateError } from '../../src/errors/index.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { createApp } from '../../src/server/app.js';
import { DEFAULT_RETRY_AFTER_SECONDS, httpStatus, problem, retryAfterSeconds } from '../../src/server/problem.js';

const EXPECTED: Record<string, number> = {
  // 400: the request is malformed
  ERR_AUDIENCE: 400,
  ERR_NONCE: 400,
  ERR_SCHEMA: 400,
  ERR_MALFORMED: 400,
  ERR_INVALID_ARGUMENT: 400,
  // 401: the signer or presenter is not authenticated
  ERR_SIGNATURE_INVALID: 401,
  ERR_ALG_NOT_ALLOWED: 401,
  ERR_KID_INVALID: 401,
  ERR_EXPIRED: 401,
  ERR_NOT_YET_VALID: 401,
  ERR_HOLDER_BINDING: 401,
  ERR_KEY_BINDING: 401,
  ERR_DID_UNRESOLVABLE: 401,
  ERR_UNAUTHORIZED: 401,
  // 403: refused
  ERR_REVOKED: 403,
  ERR_SUSPENDED: 403,
  ERR_UNTRUSTED_ISSUER: 403,
  ERR_CAPABILITY_WIDENED: 403,
  ERR_DELEGATION_DEPTH: 403,
  ERR_CHAIN_INVALID: 403,
  ERR_CONSTRAINT_AMOUNT: 403,
  ERR_CONSTRAINT_TIME: 403,
  ERR_BUDGET_EXCEEDED: 403,
  ERR_APPROVAL_REQUIRED: 403,
  ERR_APPROVAL_MISMATCH: 403,
  ERR_NOT_AUTHORIZED: 403,
  ERR_ADDRESS_NOT_ALLOWED: 403,
  ERR_NOT_FOUND: 404,
  ERR_REPLAY: 409,
  ERR_CONFLICT: 409,
  ERR_DID_DEACTIVATED: 410,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_WORK_LIMIT: 422,
  ERR_RATE_LIMITED: 429,
  // upstream: another party's list or node
  ERR_STATUS_LIST_LENGTH: 502,
  ERR_STATUS_PURPOSE: 502,
  ERR_STATUS_ISSUER: 502,
  ERR_TRUST_LIST_MISMATCH: 502,
  ERR_TRUST_LIST_ISSUER: 502,
  ERR_PEER_UNREACHABLE: 502,
  ERR_STATUS_UNAVAILABLE: 503,
  ERR_TRUST_LIST_UNAVAILABLE: 503,
  ERR_DATA_DIR_IN_USE: 503,
  ERR_PEER_TIMEOUT: 504,
  // 500: store, key, audit integrity
  ERR_STORE: 500,
  ERR_STORE_CORRUPT: 500,
  ERR_KEY_UNAVAILABLE: 500,
  ERR_AUDIT_TAMPERED: 500,
  ERR_INTERNAL: 500,
  ERR_DPOP_INVALID: 401,
  ERR_DPOP_NONCE: 401,
  ERR_TOKEN_INVALID: 401,
  ERR_INVALID_TARGET: 400,
  ERR_INVALID_SCOPE: 400,
  ERR_INVALID_AUTHORIZATION_DETAILS: 400,
  ERR_UNSUPPORTED_GRANT_TYPE: 400,
  ERR_INVALID_CLIENT: 401,
  ERR_NOT_READY: 503,
  ERR_LAST_KEY: 409,
  ERR_KEY_ROTATION_UNSUPPORTED: 400,
  ERR_SUBSCRIPTION_LIMIT: 429,
  ERR_PEER_THROTTLED: 429,
  ERR_SIGN_IN_FAILED: 401,
  ERR_SESSION_REQUIRED: 401,
  ERR_OPERATOR_ROLE: 403,
  ERR_SECOND_PERSON: 403,
  ERR_CHANGE_EXPIRED: 410,
  ERR_CHANGE_CLOSED: 409,
  ERR_APPROVAL_INBOX_FULL: 429,
  ERR_CSRF: 403,
};

describe('the HTTP status table', () => {
  it.each([...ErrorCodes])('%s has its status', (code) => {
    expect(EXPECTED[code], `no expected status for ${code} in this test`).toBeDefined();
    expect(httpStatus(code)).toBe(EXPECTED[code]);
    expect(problem(new LegateError(code, 'x'))).toMatchObject({ status: EXPECTED[code], code, title: code });
  });

  it('names no code that does not exist, and answers 500 only for store, key, audit integrity and internal failures', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ErrorCodes].sort());
    expect(ErrorCodes.filter((code) => httpStatus(code) === 500).sort()).toEqual(['ERR_AUDIT_TAMPERED', 'ERR_INTERNAL', 'ERR_KEY_UNAVAILABLE', 'ERR_STORE', 'ERR_STORE_CORRUPT']);
    expect(httpStatus('ERR_SOMETHING_ELSE')).toBe(500);
    expect(httpStatus('toString')).toBe(500);
  });
});

describe('Retry-After', () => {
  it('is the rate limit period when the error names it, else a default, and absent for other codes', () => {
    expect(retryAfterSeconds(new LegateError('ERR_RATE_LIMITED', 'x', { reason: 'PT1M' }))).toBe(60);
    expect(retryAfterSeconds(new LegateError('ERR_RATE_LIMITED', 'x', { reason: '2h' }))).toBe(7200);
    expect(retryAfterSeconds(new LegateError('ERR_RATE_LIMITED', 'x', { reason: 'P1Y' }))).toBe(86_400);
    expect(retryAfterSeconds(new LegateError('ERR_RATE_LIMITED', 'x', { reason: 'replay-cache-full' }))).toBe(DEFAULT_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds(new LegateError('ERR_RATE_LIMITED', 'x'))).toBe(DEFAULT_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds(new LegateError('ERR_BUDGET_EXCEEDED', 'x', { reason: 'PT1M' }))).toBeUndefined();
  });

  describe('on the wire', () => {
    let node: NodeContext | undefined;
    afterEach(() => node?.close());

    it('a 429 problem carries Retry-After; other problems do not', async () => {
      const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-problem-')), 'acme');
      await initNode({ dataDir, domain: 'acme.example' });
      node = await openNode({ dataDir });
      const app = createApp({ node, onUnexpectedError: () => undefined });
      // The store refuses as a full replay cache would, so the error travels the app's own problem path.
      let next: LegateError = new LegateError('ERR_RATE_LIMITED', 'slow down', { reason: 'PT5M' });
      node.store.getAgent = () => Promise.reject(next);
      const limited = await app.request('/agents/alice/did.json');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('300');
      expect(await limited.json()).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED' });
      next = new LegateError('ERR_PEER_TIMEOUT', 'slow peer');
      const timeout = await app.request('/agents/alice/did.json');
      expect(timeout.status).toBe(504);
      expect(timeout.headers.get('retry-after')).toBeNull();
    });
  });
});
