/**
 * @module node/oauth/token-request
 *
 * Reads one RFC 8693 token exchange request from its form, before any
 * signature is checked or anything fetched: the grant type, the subject and
 * actor tokens and their types, the target (RFC 8707 `resource`, which wins
 * over `audience`; exactly one, listed in `oauth.resources`), and what is
 * asked for (`scope` and/or RFC 9396 `authorization_details`). Parameters
 * may not repeat (RFC 6749 §3.2), except `resource`, which RFC 8707 §2 lets
 * repeat: more than one target is refused as `invalid_target`, since a
 * token here has exactly one audience.
 */

import type { Constraints } from '../../credential/types.js';
import { legateError } from '../../errors/index.js';
import { parseAuthorizationDetails } from '../../oauth/authorization-details.js';
import { formatScope, parseScopes, type ScopedCapability } from '../../oauth/scope.js';
import {
  GRANT_TYPE_TOKEN_EXCHANGE,
  MAX_GRANTED_CAPABILITIES,
  TOKEN_TYPE_ACCESS_TOKEN,
  TOKEN_TYPE_PRESENTATION,
  TOKEN_TYPE_SESSION,
} from '../../oauth/types.js';

/** Longest subject or actor token read, in characters: a presentation with long chains fits; a body-sized blob does not. */
export const MAX_SUBJECT_TOKEN_LENGTH = 128 * 1024;

/** One capability asked for: from `scope`, or from `authorization_details` with constraints that may only narrow. */
export interface RequestedCapability extends ScopedCapability {
  constraints?: Constraints;
}

/** A token exchange request, read and bounded. */
export interface TokenRequest {
  subjectToken: string;
  subjectTokenType: typeof TOKEN_TYPE_PRESENTATION | typeof TOKEN_TYPE_SESSION;
  /** A sub-agent's presentation, acting for the subject's holder. */
  actorToken?: string;
  /** The client's claimed id: the agent's DID. */
  clientId?: string;
  /** The token's `aud`: the resource, else the audience. */
  target: string;
  requested: RequestedCapability[];
  /** True when only `authorization_details` was used (a refusal is then `invalid_authorization_details`). */
  detailsOnly: boolean;
}

const invalid = (message: string, claim: string, reason?: string) => legateError('ERR_INVALID_ARGUMENT', message, { claim, ...(reason === undefined ? {} : { reason }) });

/** The one value of a parameter; `undefined` when absent. Repeats are refused (RFC 6749 §3.2). */
function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw invalid(`the ${name} parameter must not be repeated`, name, 'repeated');
  const value = values[0];
  return value === undefined || value === '' ? undefined : value;
}

function token(form: URLSearchParams, name: string): string | undefined {
  const value = single(form, name);
  if (value !== undefined && value.length > MAX_SUBJECT_TOKEN_LENGTH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `${name} is longer than ${MAX_SUBJECT_TOKEN_LENGTH} characters`, { claim: name });
  }
  return value;
}

/** RFC 8707: `resource` wins; exactly one target; one this node issues tokens for. */
function targetOf(form: URLSearchParams, resources: readonly string[]): string {
  const named = form.getAll('resource');
  if (named.length > 1) throw legateError('ERR_INVALID_TARGET', 'a token is issued for exactly one resource', { claim: 'resource', reason: 'several' });
  const target = named[0] ?? single(form, 'audience');
  if (target === undefined || target === '') {
    throw legateError('ERR_INVALID_TARGET', 'name the resource the token is for (resource or audience): a token without an audience is never issued', {
      claim: 'resource',
      reason: 'missing',
    });
  }
  if (!resources.includes(target)) {
    throw legateError('ERR_INVALID_TARGET', 'this authorization server issues no tokens for that resource', { claim: 'resource', reason: 'unknown' });
  }
  return target;
}

/** What is asked for: the scope's capabilities, then the details', each once (the details' constraints kept). */
function requestedOf(form: URLSearchParams): { requested: RequestedCapability[]; detailsOnly: boolean } {
  const scope = single(form, 'scope');
  const details = single(form, 'authorization_details');
  if (scope === undefined && details === undefined) {
    throw legateError('ERR_INVALID_SCOPE', 'ask for scope or authorization_details: nothing is granted by default', { claim: 'scope', reason: 'missing' });
  }
  const fromScope: RequestedCapability[] = scope === undefined ? [] : parseScopes(scope);
  const fromDetails: RequestedCapability[] = (details === undefined ? [] : parseAuthorizationDetails(details)).map((d) => ({
    action: d.action,
    resource: d.resource,
    ...(d.scope === undefined ? {} : { scope: d.scope }),
    ...(d.constraints === undefined ? {} : { constraints: d.constraints }),
  }));
  // A detail with constraints is more precise than the same scope token: it replaces it.
  const detailed = new Set(fromDetails.map((d) => formatScope(d)));
  const requested = [...fromScope.filter((s) => !detailed.has(formatScope(s))), ...fromDetails];
  if (requested.length === 0) throw legateError('ERR_INVALID_SCOPE', 'nothing was asked for', { claim: 'scope', reason: 'empty' });
  if (requested.length > MAX_GRANTED_CAPABILITIES) {
    throw legateError('ERR_INVALID_SCOPE', `a token request asks for at most ${MAX_GRANTED_CAPABILITIES} capabilities`, { claim: 'scope', reason: 'too-many' });
  }
  return { requested, detailsOnly: scope === undefined };
}

/**
 * Reads a token exchange request from its form.
 * @throws LegateError `ERR_UNSUPPORTED_GRANT_TYPE`, `ERR_INVALID_ARGUMENT`
 * (missing, repeated or unsupported parameters), `ERR_INPUT_TOO_LARGE`,
 * `ERR_INVALID_TARGET`, `ERR_INVALID_SCOPE`, `ERR_INVALID_AUTHORIZATION_DETAILS`.
 *
 * @example
 * ```ts
 * const request = parseTokenRequest(form, node.oauth.resources);
 * ```
 */
export function parseTokenRequest(form: URLSearchParams, resources: readonly string[]): TokenRequest {
  const grantType = single(form, 'grant_type');
  if (grantType === undefined) throw invalid('grant_type is required', 'grant_type', 'missing');
  if (grantType !== GRANT_TYPE_TOKEN_EXCHANGE) {
    throw legateError('ERR_UNSUPPORTED_GRANT_TYPE', `this authorization server supports only ${GRANT_TYPE_TOKEN_EXCHANGE}`, { claim: 'grant_type' });
  }
  const subjectToken = token(form, 'subject_token');
  const subjectTokenType = single(form, 'subject_token_type');
  if (subjectToken === undefined || subjectTokenType === undefined) throw invalid('subject_token and subject_token_type are required', 'subject_token', 'missing');
  if (subjectTokenType !== TOKEN_TYPE_PRESENTATION && subjectTokenType !== TOKEN_TYPE_SESSION) {
    throw invalid(`subject_token_type must be ${TOKEN_TYPE_PRESENTATION} or ${TOKEN_TYPE_SESSION}`, 'subject_token_type', 'unsupported');
  }
  const actorToken = token(form, 'actor_token');
  const actorTokenType = single(form, 'actor_token_type');
  if ((actorToken === undefined) !== (actorTokenType === undefined)) throw invalid('actor_token and actor_token_type go together', 'actor_token', 'missing');
  if (actorTokenType !== undefined && actorTokenType !== TOKEN_TYPE_PRESENTATION) {
    throw invalid(`actor_token_type must be ${TOKEN_TYPE_PRESENTATION}`, 'actor_token_type', 'unsupported');
  }
  if (actorToken !== undefined && subjectTokenType !== TOKEN_TYPE_PRESENTATION) {
    throw invalid('an actor acts for the holder of a presentation, not for a session', 'actor_token', 'unsupported');
  }
  const requestedType = single(form, 'requested_token_type');
  if (requestedType !== undefined && requestedType !== TOKEN_TYPE_ACCESS_TOKEN) {
    throw invalid(`requested_token_type must be ${TOKEN_TYPE_ACCESS_TOKEN}`, 'requested_token_type', 'unsupported');
  }
  const clientId = single(form, 'client_id');
  const target = targetOf(form, resources);
  const { requested, detailsOnly } = requestedOf(form);
  return {
    subjectToken,
    subjectTokenType,
    ...(actorToken === undefined ? {} : { actorToken }),
    ...(clientId === undefined ? {} : { clientId }),
    target,
    requested,
    detailsOnly,
  };
}
