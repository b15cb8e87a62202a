/**
 * @module pool/protocol
 *
 * The messages between a verifier pool and its workers, and how verification
 * results cross the thread boundary (errors travel as plain data and are
 * rebuilt as `LegateError`s with the same code). Internal.
 */

import { errorFromWire, type ErrorCode } from '../errors/index.js';
import type { CredentialVerification } from '../credential/verify-jwt.js';
import type { AgentCapabilityCredential } from '../credential/types.js';

export interface WorkerSettings {
  allowHttpLoopback: boolean;
  skewSeconds?: number;
}

export interface VerifyRequest {
  id: number;
  tokens: string[];
}

export interface WireError {
  code: ErrorCode;
  message: string;
  claim?: string;
  reason?: string;
}

export interface WireResult {
  verified: boolean;
  errors: WireError[];
  credential?: AgentCapabilityCredential;
  issuer?: string;
}

export interface VerifyResponse {
  id: number;
  /**
   * The {@link WireResult}s as JSON text: parsing it on the calling thread
   * costs less than half of what structured-clone deserialization of the
   * same objects does (measured ~2 µs against ~5 µs per credential), and the
   * calling thread is the one the workers wait on between batches.
   */
  results?: string;
  failure?: string;
}

export function toWire(result: CredentialVerification<AgentCapabilityCredential>): WireResult {
  return {
    verified: result.verified,
    errors: result.errors.map((e) => e.toJSON()),
    ...(result.credential === undefined ? {} : { credential: result.credential }),
    ...(result.issuer === undefined ? {} : { issuer: result.issuer }),
  };
}

export function fromWire(result: WireResult): CredentialVerification<AgentCapabilityCredential> {
  return {
    verified: result.verified,
    // Each code checked against the table (the worker is ours, but this is a wire all the same), and rebuilt as its class.
    errors: result.errors.map((e) => errorFromWire(e.code, e.message, { fallback: 'ERR_INTERNAL', claim: e.claim, reason: e.reason })),
    ...(result.credential === undefined ? {} : { credential: result.credential }),
    ...(result.issuer === undefined ? {} : { issuer: result.issuer }),
  };
}
