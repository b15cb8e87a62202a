/**
 * @module action/create
 *
 * An agent invokes an action with a JWS it signs (DESIGN "Signed actions"):
 * `typ: action+jwt`, `alg: EdDSA`, signed by the key the session is bound
 * to, carrying issuer, audience, a fresh `jti`, `iat`, the session token,
 * the action, resource, optional scope, bounded JSON `params`, the hash of
 * any body, and optionally an approval.
 */

import { assertSchema } from '../credential/schema.js';
import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString, isRecord } from '../lib/assert.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { uuidV7Urn } from '../lib/uuid7.js';
import { jsonDepth } from '../lib/json.js';
import { signCompactJws } from '../lib/jws.js';
import { didOf } from '../presentation/create.js';
import { bodyHash } from './hash.js';
import {
  ACTION_TYP,
  MAX_ACTION_LENGTH,
  MAX_PARAMS_DEPTH,
  MAX_PARAMS_LENGTH,
  SIGNED_ACTION_SCHEMA_FILE,
  type ActionParams,
  type SignedActionPayload,
} from './types.js';

export interface CreateSignedActionOptions {
  /** The agent's key: the one its session is bound to (`cnf`). */
  signer: Signer;
  /** The verifier's DID. */
  audience: string;
  /** The session token the verifier issued. */
  session: string;
  action: string;
  /** One concrete resource (no wildcards). */
  resource: string;
  scope?: string;
  /** JSON parameters; default `{}`; at most 16 KiB as canonical JSON, 16 levels deep. */
  params?: ActionParams;
  /** The request body, hashed into `bodyHash`. */
  body?: Uint8Array;
  /** An `ApprovalCredential` JWT for this action (see `issueApproval`). */
  approval?: string;
  /** An ApproverCredential JWT attesting the approval's signer (action/approver-credential). */
  approverCredential?: string;
  /** Default a fresh `urn:uuid:`. */
  jti?: string;
  clock?: Clock;
}

export interface SignedAction {
  token: string;
  payload: SignedActionPayload;
}

/**
 * Checks `params` are JSON within bounds.
 * @throws InputError `ERR_INPUT_TOO_LARGE`; TypeError for non-JSON values.
 */
export function assertParams(params: unknown): asserts params is ActionParams {
  if (!isRecord(params)) throw new TypeError('params must be a JSON object');
  const text = canonicalJson(params);
  if (text.length > MAX_PARAMS_LENGTH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `params are larger than ${MAX_PARAMS_LENGTH} characters`, { claim: 'params' });
  }
  if (jsonDepth(text) > MAX_PARAMS_DEPTH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `params nest deeper than ${MAX_PARAMS_DEPTH} levels`, { claim: 'params', reason: 'depth' });
  }
}

/**
 * Signs an action.
 *
 * @throws InputError `ERR_INPUT_TOO_LARGE` for oversized params or token,
 * `ERR_SCHEMA` for a malformed action, resource, scope or DID; TypeError for
 * params that are not JSON.
 *
 * @example
 * ```ts
 * const { token } = await createSignedAction({ signer: alice.signer, audience: bob.did, session,
 *   action: 'call', resource: 'billing:refund', params: { amount: { value: 80, currency: 'USD' } } });
 * ```
 */
export async function createSignedAction(options: CreateSignedActionOptions): Promise<SignedAction> {
  assertNonEmptyString(options.audience, 'audience');
  assertNonEmptyString(options.session, 'session');
  const params = options.params ?? {};
  assertParams(params);
  const now = (options.clock ?? systemClock)();
  const payload: SignedActionPayload = {
    iss: didOf(options.signer.kid),
    aud: options.audience,
    // Time-ordered: the verifier remembers it until it is stale, and such keys land at the end of its index.
    jti: options.jti ?? uuidV7Urn(now.getTime()),
    iat: epochSeconds(now),
    session: options.session,
    action: options.action,
    resource: options.resource,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    params,
    ...(options.body === undefined ? {} : { bodyHash: bodyHash(options.body) }),
    ...(options.approval === undefined ? {} : { approval: options.approval }),
    ...(options.approverCredential === undefined ? {} : { approverCredential: options.approverCredential }),
  };
  assertSchema(SIGNED_ACTION_SCHEMA_FILE, payload, 'signed action');
  const token = await signCompactJws(payload as unknown as Record<string, unknown>, options.signer, { typ: ACTION_TYP });
  if (token.length > MAX_ACTION_LENGTH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `the signed action is longer than ${MAX_ACTION_LENGTH} characters`, { claim: 'token' });
  }
  return { token, payload };
}
