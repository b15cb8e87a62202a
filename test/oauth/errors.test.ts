import { describe, expect, it } from 'vitest';
import { ErrorCodes, legateError, type ErrorCode } from '../../src/errors/index.js';
import { resourceError, tokenEndpointError, wwwAuthenticate } from '../../src/oauth/errors.js';

const error = (code: ErrorCode) => legateError(code, `failure ${code}`);

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  it.each<[ErrorCode, number, string]>([
    ['ERR_UNSUPPORTED_GRANT_TYPE', 400, 'unsupported_grant_type'],
    ['ERR_INVALID_TARGET', 400, 'invalid_target'],
    ['ERR_INVALID_SCOPE', 400, 'invalid_scope'],
    ['ERR_INVALID_AUTHORIZATION_DETAILS', 400, 'invalid_authorization_details'],
    ['ERR_DPOP_INVALID', 400, 'invalid_dpop_proof'],
    ['ERR_DPOP_NONCE', 400, 'use_dpop_nonce'],
    ['ERR_INVALID_CLIENT', 401, 'invalid_client'],
    ['ERR_MALFORMED', 400, 'invalid_request'],
    ['ERR_INPUT_TOO_LARGE', 400, 'invalid_request'],
    ['ERR_INVALID_ARGUMENT', 400, 'invalid_request'],
    ['ERR_SCHEMA', 400, 'invalid_request'],
    ['ERR_SIGNATURE_INVALID', 400, 'invalid_grant'],
    ['ERR_ALG_NOT_ALLOWED', 400, 'invalid_grant'],
    ['ERR_EXPIRED', 400, 'invalid_grant'],
    ['ERR_NONCE', 400, 'invalid_grant'],
    ['ERR_REPLAY', 400, 'invalid_grant'],
    ['ERR_REVOKED', 400, 'invalid_grant'],
    ['ERR_UNTRUSTED_ISSUER', 400, 'invalid_grant'],
    ['ERR_HOLDER_BINDING', 400, 'invalid_grant'],
    ['ERR_KEY_BINDING', 400, 'invalid_grant'],
    ['ERR_CHAIN_INVALID', 400, 'invalid_grant'],
    ['ERR_CAPABILITY_WIDENED', 400, 'invalid_grant'],
    ['ERR_TOKEN_INVALID', 400, 'invalid_grant'],
    ['ERR_INTERNAL', 500, 'server_error'],
    ['ERR_STORE', 500, 'server_error'],
    ['ERR_KEY_UNAVAILABLE', 500, 'server_error'],
    ['ERR_STATUS_UNAVAILABLE', 503, 'temporarily_unavailable'],
    ['ERR_TRUST_LIST_UNAVAILABLE', 503, 'temporarily_unavailable'],
    ['ERR_PEER_UNREACHABLE', 503, 'temporarily_unavailable'],
    ['ERR_PEER_TIMEOUT', 503, 'temporarily_unavailable'],
  ])('%s -> %i %s', (code, status, oauth) => {
    const answer = tokenEndpointError(error(code));
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(oauth);
    expect(answer.body.code).toBe(code);
  });

  it('maps every code to a status and an error, never leaking a server failure', () => {
    for (const code of ErrorCodes) {
      const { status, body } = tokenEndpointError(error(code));
      expect(status).toBeGreaterThanOrEqual(400);
      expect(body.error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
      if (status === 500) expect(body.error_description).toBe('internal error');
    }
    const unknown = tokenEndpointError(new Error('database password is hunter2'));
    expect(unknown).toEqual({ status: 500, body: { error: 'server_error', error_description: 'internal error', code: 'ERR_INTERNAL' } });
  });

  it('lists what was refused, each with its code, and keeps descriptions in the RFC 6749 charset', () => {
    const rejected = [{ action: 'pay', resource: 'bank:acct', scope: 't', code: 'ERR_NOT_AUTHORIZED' as const }];
    const { body } = tokenEndpointError(legateError('ERR_INVALID_SCOPE', 'nothing "requested" could be granted\\ here\n'), rejected);
    expect(body.rejected).toEqual(rejected);
    expect(body.error_description).toBe('nothing  requested  could be granted  here ');
    expect(tokenEndpointError(error('ERR_INVALID_SCOPE'), []).body.rejected).toBeUndefined();
  });
});

describe('resource server errors (RFC 6750 §3.1, RFC 9449 §7.1)', () => {
  it.each<[ErrorCode, number, string]>([
    ['ERR_TOKEN_INVALID', 401, 'invalid_token'],
    ['ERR_ALG_NOT_ALLOWED', 401, 'invalid_token'],
    ['ERR_UNTRUSTED_ISSUER', 401, 'invalid_token'],
    ['ERR_SIGNATURE_INVALID', 401, 'invalid_token'],
    ['ERR_AUDIENCE', 401, 'invalid_token'],
    ['ERR_EXPIRED', 401, 'invalid_token'],
    ['ERR_REVOKED', 401, 'invalid_token'],
    ['ERR_DPOP_INVALID', 401, 'invalid_dpop_proof'],
    ['ERR_DPOP_NONCE', 401, 'use_dpop_nonce'],
    ['ERR_NOT_AUTHORIZED', 403, 'insufficient_scope'],
    ['ERR_CONSTRAINT_AMOUNT', 403, 'insufficient_scope'],
    ['ERR_BUDGET_EXCEEDED', 403, 'insufficient_scope'],
    ['ERR_APPROVAL_REQUIRED', 403, 'insufficient_scope'],
    ['ERR_MALFORMED', 400, 'invalid_request'],
    ['ERR_INPUT_TOO_LARGE', 400, 'invalid_request'],
    ['ERR_STATUS_UNAVAILABLE', 503, 'temporarily_unavailable'],
    ['ERR_PEER_UNREACHABLE', 503, 'temporarily_unavailable'],
    ['ERR_INTERNAL', 500, 'server_error'],
    ['ERR_STORE', 500, 'server_error'],
  ])('%s -> %i %s', (code, status, oauth) => {
    expect(resourceError(error(code))).toEqual({ status, error: oauth, description: status === 500 ? 'internal error' : `failure ${code}`, code });
  });

  it('tells a full replay cache (503, retry) from a rate limit of the capability (403)', () => {
    expect(resourceError(legateError('ERR_RATE_LIMITED', 'full', { reason: 'replay-cache-full' }))).toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    expect(resourceError(legateError('ERR_RATE_LIMITED', 'at most 3 per PT1H', { reason: 'PT1H' }))).toMatchObject({ status: 403, error: 'insufficient_scope' });
    expect(tokenEndpointError(legateError('ERR_RATE_LIMITED', 'full')).status).toBe(429);
  });

  it('answers a non-Legate error as a server error', () => {
    expect(resourceError(new TypeError('x'))).toEqual({ status: 500, error: 'server_error', description: 'internal error', code: 'ERR_INTERNAL' });
  });
});

describe('WWW-Authenticate challenges', () => {
  it('writes the scheme alone, or its parameters as quoted strings', () => {
    expect(wwwAuthenticate({ scheme: 'Bearer' })).toBe('Bearer');
    expect(wwwAuthenticate({ scheme: 'DPoP' })).toBe('DPoP algs="EdDSA ES256"');
    expect(
      wwwAuthenticate({
        scheme: 'DPoP',
        error: 'insufficient_scope',
        description: 'needs pay:bank:acct',
        scope: 'pay:bank:acct#treasury',
        resourceMetadata: 'https://api.bank.example/.well-known/oauth-protected-resource',
      }),
    ).toBe(
      'DPoP error="insufficient_scope", error_description="needs pay:bank:acct", scope="pay:bank:acct#treasury", ' +
        'resource_metadata="https://api.bank.example/.well-known/oauth-protected-resource", algs="EdDSA ES256"',
    );
    expect(wwwAuthenticate({ scheme: 'Bearer', error: 'invalid_token', algs: [] })).toBe('Bearer error="invalid_token"');
  });

  it('escapes quotes and backslashes and drops line breaks, so no header can be injected', () => {
    const header = wwwAuthenticate({ scheme: 'Bearer', error: 'invalid_token', scope: 'a"b\\c\r\nSet-Cookie: x=1' });
    expect(header).toBe('Bearer error="invalid_token", scope="a\\"b\\\\c  Set-Cookie: x=1"');
    expect(header).not.toMatch(/[\r\n]/);
    expect(wwwAuthenticate({ scheme: 'Bearer', description: 'a "b"\nc' })).toBe('Bearer error_description="a  b  c"');
  });
});
