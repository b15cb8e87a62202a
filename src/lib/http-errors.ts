/**
 * @module lib/http-errors
 *
 * The errors of Legate's outbound HTTP client, one stable code per kind of
 * failure whatever the transport said: `ERR_PEER_UNREACHABLE` (refused,
 * reset, DNS failure, no route), `ERR_PEER_TIMEOUT` (the deadline passed),
 * `ERR_ADDRESS_NOT_ALLOWED` (the address policy), `ERR_INPUT_TOO_LARGE` (the
 * body bound) and `ERR_MALFORMED` with reason `redirect`. Messages name the
 * host (with its port), never the path or query, which may carry whatever a
 * stranger put in a credential. Internal.
 */

import { LegateError, legateError, type ErrorCode, type InputError } from '../errors/index.js';
import type { AddressRange } from './address-policy.js';

/** Socket and DNS error codes that mean "could not reach": kept as the error's `reason`. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

/** Transport codes that mean the peer was reached but did not answer in time. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The codes that say a host could not be reached at all (unreachable, timed
 * out, or refused by the address policy), as opposed to a host that answered
 * badly: the cooldown remembers them per host, peers are never told them.
 */
export const TRANSPORT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_PEER_UNREACHABLE', 'ERR_PEER_TIMEOUT', 'ERR_ADDRESS_NOT_ALLOWED']);

/** The error refusing a connection to `host` because its address lies in `range`. */
export function addressNotAllowed(host: string, range: AddressRange): LegateError {
  return legateError('ERR_ADDRESS_NOT_ALLOWED', `${host} is a ${range} address, which outbound requests may not reach`, {
    claim: 'url',
    reason: range,
  });
}

/** The error for a peer that could not be reached; `reason` is the system code when there is one. */
function peerUnreachable(host: string, reason: string, cause?: unknown): LegateError {
  return legateError('ERR_PEER_UNREACHABLE', `could not reach ${host} (${reason})`, { claim: 'url', reason, cause });
}

/** The error for a peer that did not answer (headers and body) within `timeoutMs`. */
export function peerTimeout(host: string, timeoutMs: number): LegateError {
  return legateError('ERR_PEER_TIMEOUT', `${host} did not answer within ${timeoutMs} ms`, { claim: 'url', reason: 'timeout' });
}

/** The error for a response body over `maxBytes`. */
export function responseTooLarge(host: string, maxBytes: number): InputError {
  return legateError('ERR_INPUT_TOO_LARGE', `${host} answered with more than ${maxBytes} bytes`, { claim: 'response', reason: 'response' });
}

/** The error for a redirect, which is never followed: it could move the request to another host or scheme. */
export function redirectRefused(host: string, status: number): InputError {
  return legateError('ERR_MALFORMED', `${host} answered with a redirect (HTTP ${status}), which is not followed`, {
    claim: 'response',
    reason: 'redirect',
  });
}

/** The system code of a transport error (its own, or its cause's, as fetch wraps them). */
export function systemCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/**
 * A transport failure as the client's error: LegateErrors (the address
 * policy refused inside the connector) pass through, timeouts are
 * `ERR_PEER_TIMEOUT`, everything else `ERR_PEER_UNREACHABLE`.
 */
export function transportFailure(error: unknown, host: string, timeoutMs: number): LegateError {
  if (error instanceof LegateError) return error;
  const code = systemCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) return peerTimeout(host, timeoutMs);
  return peerUnreachable(host, code !== undefined && (UNREACHABLE_CODES.has(code) || /^E[A-Z_]+$/.test(code)) ? code : 'network', error);
}
