/**
 * @module registry/query
 *
 * The two questions of the ToIP Trust Registry Query Protocol, answered from
 * a {@link TrustRegistry}: is entity X authorized for Y (here: is issuer X
 * trusted to attest the capability `<action>:<resource>`), and does registry
 * A recognize registry B. Answers are plain JSON-ready data in the
 * protocol's spirit (the question echoed, a boolean, and the path or the
 * reason), fit to serve from `/registry/query`. Only a malformed question
 * throws.
 */

import { legateError } from '../errors/index.js';
import { assertNonEmptyString, isRecord } from '../lib/assert.js';
import { parsePattern } from './pattern.js';
import type { TrustRegistry } from './trust.js';
import type { PathStep, TrustReason } from './types.js';

/** "Is `entity` authorized for `authorization`?" */
export interface AuthorizationQuery {
  /** The issuer's DID. */
  entity: string;
  /** `<action>:<resource>`: a concrete capability or a pattern. */
  authorization: string;
  /** The delegation depth to check against the accreditation's limit. */
  depth?: number | undefined;
}

export interface AuthorizationAnswer {
  entity: string;
  authorization: string;
  authorized: boolean;
  /** Anchor → … → the accrediting list → the entity, when authorized. */
  path?: PathStep[];
  /** Why not, when not authorized. */
  reason?: TrustReason;
}

/** "Does `registry` recognize `recognized`?" */
export interface RecognitionQuery {
  /** The recognizing trust list: its URL, or its issuer's DID. */
  registry: string;
  /** The recognized trust list: its URL, or its issuer's DID. */
  recognized: string;
}

export interface RecognitionAnswer {
  recognized: boolean;
  /** The registry's list → … → the recognized list, when recognized. */
  path?: PathStep[];
  reason?: TrustReason;
}

function question(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new TypeError('query must be an object');
  return value;
}

/**
 * Answers an authorization query.
 * @throws TypeError for a missing field; InputError `ERR_MALFORMED` for an
 * authorization that is not `<action>:<resource>`.
 *
 * @example
 * ```ts
 * await queryAuthorization(registry, { entity: 'did:web:acme.example', authorization: 'read:crm:tickets' });
 * // { entity, authorization, authorized: true, path: [...] }
 * ```
 */
export async function queryAuthorization(registry: TrustRegistry, query: AuthorizationQuery): Promise<AuthorizationAnswer> {
  const { entity, authorization, depth } = question(query);
  assertNonEmptyString(entity, 'entity');
  assertNonEmptyString(authorization, 'authorization');
  if (depth !== undefined && typeof depth !== 'number') throw new TypeError('depth must be a number');
  let capability;
  try {
    capability = parsePattern(authorization);
  } catch (cause) {
    throw legateError('ERR_MALFORMED', 'authorization must be <action>:<resource>', { claim: 'authorization', cause });
  }
  const decision = await registry.isTrusted(entity, capability, { depth });
  return decision.trusted
    ? { entity, authorization, authorized: true, path: decision.path }
    : { entity, authorization, authorized: false, reason: decision.reason };
}

/**
 * Answers a recognition query: does the trust list `registry` recognize
 * `recognized`, directly or through lists it recognizes, within their hops.
 * The registry asked about must be reachable from the verifier's anchors
 * (that is what says who must sign it); otherwise the answer is negative
 * with `ERR_NOT_FOUND`, or the code its list was skipped for.
 * @throws TypeError for a missing field.
 *
 * @example
 * ```ts
 * await queryRecognition(registry, { registry: 'did:web:bank.example', recognized: 'https://pay.example/registry/trust-list' });
 * // { recognized: true, path: [...] }
 * ```
 */
export async function queryRecognition(registry: TrustRegistry, query: RecognitionQuery): Promise<RecognitionAnswer> {
  const q = question(query);
  assertNonEmptyString(q.registry, 'registry');
  assertNonEmptyString(q.recognized, 'recognized');
  const decision = await registry.isRecognized(q.registry, q.recognized);
  return decision.recognized ? { recognized: true, path: decision.path } : { recognized: false, reason: decision.reason };
}
