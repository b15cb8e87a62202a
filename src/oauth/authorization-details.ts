/**
 * @module oauth/authorization-details
 *
 * Legate capabilities as RFC 9396 `authorization_details` of the type
 * `urn:legate:capability`: reading what a token request asks for (strictly:
 * an unknown type, an unknown member or a constraint the capability schema
 * refuses fails the whole request, RFC 9396 §5), and writing what a token
 * grants, naming the leaf credential that grants each item.
 */

import { actionWithin, capabilityNarrows, resourceWithin } from '../capability/attenuate.js';
import { capabilityCovers, isConcreteAction, isConcreteResource } from '../capability/match.js';
import { CAPABILITIES_SCHEMA_FILE, schemaErrors } from '../credential/schema.js';
import type { Capability, Constraints } from '../credential/types.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { parseJson } from '../lib/json.js';
import { capabilityFieldError, type ScopedCapability } from './scope.js';
import { AUTHORIZATION_DETAILS_TYPE, MAX_GRANTED_CAPABILITIES, type LegateAuthorizationDetail } from './types.js';

/** Longest `authorization_details` JSON text read. */
const MAX_DETAILS_LENGTH = 64 * 1024;
/** The members a requested detail may carry (RFC 9396 §2 lets a type define its own; Legate's are these). */
const REQUEST_MEMBERS = new Set(['type', 'action', 'resource', 'scope', 'constraints']);

const invalid = (message: string, reason: string, claim = 'authorization_details') =>
  legateError('ERR_INVALID_AUTHORIZATION_DETAILS', message, { claim, reason });

/**
 * The Legate capabilities a token request's `authorization_details` asks
 * for, as JSON text (the form parameter) or already parsed.
 * @throws InputError `ERR_INVALID_AUTHORIZATION_DETAILS` (reason `json`, `form`, `too-many`, `type`, `member`,
 * `action`, `resource`, `scope` or `constraints`); `ERR_INPUT_TOO_LARGE` for overlong text.
 *
 * @example
 * ```ts
 * parseAuthorizationDetails('[{"type":"urn:legate:capability","action":"pay","resource":"bank:acct"}]')
 * ```
 */
export function parseAuthorizationDetails(value: unknown): LegateAuthorizationDetail[] {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.length > MAX_DETAILS_LENGTH) {
      throw legateError('ERR_INPUT_TOO_LARGE', `authorization_details is longer than ${MAX_DETAILS_LENGTH} characters`, { claim: 'authorization_details' });
    }
    try {
      parsed = parseJson(value, 'authorization_details', { maxLength: MAX_DETAILS_LENGTH });
    } catch (cause) {
      throw legateError('ERR_INVALID_AUTHORIZATION_DETAILS', 'authorization_details is not JSON', { claim: 'authorization_details', reason: 'json', cause });
    }
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw invalid('authorization_details must be a non-empty JSON array', 'form');
  if (parsed.length > MAX_GRANTED_CAPABILITIES) {
    throw invalid(`at most ${MAX_GRANTED_CAPABILITIES} authorization details may be requested at once`, 'too-many');
  }
  return (parsed as unknown[]).map((item, i) => parseDetail(item, `authorization_details[${i}]`));
}

function parseDetail(item: unknown, where: string): LegateAuthorizationDetail {
  if (!isRecord(item)) throw invalid(`${where} must be a JSON object`, 'form', where);
  if (item.type !== AUTHORIZATION_DETAILS_TYPE) {
    throw invalid(`${where} is of an unknown type (only ${AUTHORIZATION_DETAILS_TYPE} is supported)`, 'type', `${where}.type`);
  }
  for (const name of Object.keys(item)) {
    if (!REQUEST_MEMBERS.has(name)) throw invalid(`${where} has an unknown member '${name.slice(0, 64)}'`, 'member', `${where}.${name.slice(0, 64)}`);
  }
  const bad = capabilityFieldError(item as { action: unknown; resource: unknown; scope?: unknown });
  if (bad !== undefined) throw invalid(`${where}.${bad} is missing or malformed`, bad, `${where}.${bad}`);
  const { action, resource, scope, constraints } = item as { action: string; resource: string; scope?: string; constraints?: unknown };
  const capability: Capability = { action, resource, ...(scope === undefined ? {} : { scope }) };
  if (constraints !== undefined) {
    // The capability schema is the one definition of constraints: a request may use exactly what a credential may.
    const errors = schemaErrors(CAPABILITIES_SCHEMA_FILE, [{ ...capability, constraints }]);
    if (errors.length > 0) {
      throw invalid(`${where}.constraints are invalid: ${errors.map((e) => e.message).join('; ')}`, 'constraints', `${where}.constraints`);
    }
    capability.constraints = constraints as Constraints;
  }
  return { type: AUTHORIZATION_DETAILS_TYPE, ...capability };
}

/**
 * The authorization detail a token grants for `capability` of the leaf
 * credential `credential`: the request's action and resource when given
 * (the concrete thing asked for, within the capability, as the decision
 * engine established), the capability's scope tag, its own constraints and
 * the credential's shared ones (both apply). Requested constraints replace
 * the capability's own only when they narrow them (capability/attenuate
 * rules, the credential's shared constraints still applying).
 * @throws VerificationError `ERR_NOT_AUTHORIZED` (reason `not-covered`) when the capability does not cover the
 * request (a scoped capability never covers an unscoped request); `ERR_CAPABILITY_WIDENED` when requested
 * constraints are looser than the capability's.
 *
 * @example
 * ```ts
 * grantedDetail(capability, { id: leaf.id, constraints: leaf.credentialSubject.constraints }, requested)
 * ```
 */
export function grantedDetail(
  capability: Capability,
  credential: { id: string; constraints?: Constraints },
  request?: ScopedCapability & { constraints?: Constraints | undefined },
): LegateAuthorizationDetail {
  const requested = request?.constraints;
  const scope = capability.scope ?? request?.scope;
  if (request !== undefined && !covers(capability, request)) {
    // A safety net: the decision engine grants only covered requests; a detail must never say more than its capability.
    throw legateError('ERR_NOT_AUTHORIZED', 'the capability does not cover the requested action, resource and scope', {
      claim: 'authorization_details',
      reason: 'not-covered',
    });
  }
  if (requested !== undefined && request !== undefined) {
    // Checked here too, so that no caller can grant a widened constraint by forgetting to check.
    const child: Capability = { action: request.action, resource: request.resource, ...(scope === undefined ? {} : { scope }), constraints: requested };
    const narrows = capabilityNarrows(capability, child, credential.constraints, credential.constraints);
    if (!narrows.ok) {
      throw legateError('ERR_CAPABILITY_WIDENED', `the requested constraints are looser than the capability's: ${narrows.reasons.join('; ')}`, {
        claim: 'constraints',
        reason: 'constraints',
      });
    }
  }
  const constraints = requested ?? capability.constraints;
  return {
    type: AUTHORIZATION_DETAILS_TYPE,
    action: request?.action ?? capability.action,
    resource: request?.resource ?? capability.resource,
    ...(scope === undefined ? {} : { scope }),
    ...(constraints === undefined ? {} : { constraints }),
    ...(credential.constraints === undefined ? {} : { credentialConstraints: credential.constraints }),
    credential: credential.id,
  };
}

/** Whether `capability` covers `request`, as the handshake's engine decides it (`capabilityContains`): patterns within patterns, scope equal or the capability unscoped. */
function covers(capability: Capability, request: ScopedCapability): boolean {
  if (isConcreteAction(request.action) && isConcreteResource(request.resource)) return capabilityCovers(capability, request);
  if (!actionWithin(request.action, capability.action) || !resourceWithin(request.resource, capability.resource)) return false;
  return capability.scope === undefined || capability.scope === request.scope;
}
