/**
 * @module oauth/scope
 *
 * A Legate capability written as an OAuth scope token (RFC 6749 §3.3):
 * `<action>:<resource>[#<scope-tag>]`. The action has no colon, so the first
 * colon splits action from resource; neither the resource nor the scope tag
 * may hold `#`, so the one `#` starts the scope tag. Every character the
 * capability schema allows is a legal scope-token character, so no escaping
 * is needed and the scope tag survives the round trip: a scoped capability
 * (`pay:bank:acct#treasury`) is a different scope token from the unscoped
 * one, and never satisfies an unscoped request.
 */

import { legateError } from '../errors/index.js';
import { MAX_GRANTED_CAPABILITIES } from './types.js';

/** One capability as a scope token names it: what, on what, under which scope tag. */
export interface ScopedCapability {
  action: string;
  resource: string;
  scope?: string;
}

// The charsets of the capability schema (schemas/agent-capability-credential.json).
/** @internal */
export const ACTION_PATTERN = /^(\*|[A-Za-z][A-Za-z0-9_.-]{0,63})$/;
/** @internal */
export const RESOURCE_PATTERN = /^(\*|[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*(:\*)?)$/;
/** @internal */
export const SCOPE_TAG_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** @internal Longest resource, as in the schema. */
export const MAX_RESOURCE_LENGTH = 512;
/** Longest scope token: an action, a resource and a scope tag at their longest, with separators. */
const MAX_SCOPE_TOKEN_LENGTH = 64 + 1 + MAX_RESOURCE_LENGTH + 1 + 128;
/** Longest `scope` parameter read: the most capabilities at their longest (duplicates counted). */
const MAX_SCOPE_LENGTH = 2 * MAX_GRANTED_CAPABILITIES * (MAX_SCOPE_TOKEN_LENGTH + 1);

const invalid = (message: string, reason: string) => legateError('ERR_INVALID_SCOPE', message, { claim: 'scope', reason });

/** @internal The reason a capability's fields break the schema's charsets, or undefined when they are well formed. */
export function capabilityFieldError(c: { action: unknown; resource: unknown; scope?: unknown }): 'action' | 'resource' | 'scope' | undefined {
  if (typeof c.action !== 'string' || !ACTION_PATTERN.test(c.action)) return 'action';
  if (typeof c.resource !== 'string' || c.resource.length > MAX_RESOURCE_LENGTH || !RESOURCE_PATTERN.test(c.resource)) return 'resource';
  if (c.scope !== undefined && (typeof c.scope !== 'string' || !SCOPE_TAG_PATTERN.test(c.scope))) return 'scope';
  return undefined;
}

/**
 * The scope token of a capability.
 * @throws InputError `ERR_INVALID_SCOPE` when a field is outside the capability schema's charset.
 *
 * @example
 * ```ts
 * formatScope({ action: 'pay', resource: 'bank:acct', scope: 'treasury' }) // 'pay:bank:acct#treasury'
 * ```
 */
export function formatScope(c: ScopedCapability): string {
  const bad = capabilityFieldError(c);
  if (bad !== undefined) throw invalid(`the capability's ${bad} cannot be written as a scope`, bad);
  return `${c.action}:${c.resource}${c.scope === undefined ? '' : `#${c.scope}`}`;
}

/**
 * The capability a scope token names.
 * @throws InputError `ERR_INVALID_SCOPE` (claim `scope`) for anything but `<action>:<resource>[#<scope-tag>]` in the schema's charsets.
 *
 * @example
 * ```ts
 * parseScope('read:crm:contacts:*') // { action: 'read', resource: 'crm:contacts:*' }
 * ```
 */
export function parseScope(token: string): ScopedCapability {
  if (typeof token !== 'string' || token.length === 0) throw invalid('a scope token must be a non-empty string', 'empty');
  if (token.length > MAX_SCOPE_TOKEN_LENGTH) throw invalid(`a scope token is at most ${MAX_SCOPE_TOKEN_LENGTH} characters`, 'length');
  const colon = token.indexOf(':');
  if (colon < 0) throw invalid('a scope token is <action>:<resource>[#<scope>]', 'form');
  const hash = token.indexOf('#');
  if (hash >= 0 && (hash < colon || token.includes('#', hash + 1))) throw invalid('a scope token holds at most one #, after the resource', 'form');
  const action = token.slice(0, colon);
  const resource = hash < 0 ? token.slice(colon + 1) : token.slice(colon + 1, hash);
  const scope = hash < 0 ? undefined : token.slice(hash + 1);
  const c: ScopedCapability = scope === undefined ? { action, resource } : { action, resource, scope };
  const bad = capabilityFieldError(c);
  if (bad !== undefined) throw invalid(`the scope token's ${bad} is malformed`, bad);
  return c;
}

/**
 * The capabilities of a space-separated `scope` parameter, in order,
 * duplicates dropped. An empty or blank string names none.
 * @throws InputError `ERR_INVALID_SCOPE` for a malformed token or more than {@link MAX_GRANTED_CAPABILITIES} capabilities;
 * `ERR_INPUT_TOO_LARGE` for a parameter longer than any valid one.
 */
export function parseScopes(scope: string): ScopedCapability[] {
  if (typeof scope !== 'string') throw invalid('scope must be a string', 'type');
  if (scope.length > MAX_SCOPE_LENGTH) throw legateError('ERR_INPUT_TOO_LARGE', `scope is longer than ${MAX_SCOPE_LENGTH} characters`, { claim: 'scope' });
  const seen = new Set<string>();
  const capabilities: ScopedCapability[] = [];
  // RFC 6749 §3.3 separates with one space; runs of spaces are read as one, as most servers do.
  for (const token of scope.split(' ')) {
    if (token === '' || seen.has(token)) continue;
    const capability = parseScope(token);
    seen.add(token);
    if (capabilities.length === MAX_GRANTED_CAPABILITIES) {
      throw invalid(`at most ${MAX_GRANTED_CAPABILITIES} capabilities may be requested at once`, 'too-many');
    }
    capabilities.push(capability);
  }
  return capabilities;
}

/** The `scope` parameter of capabilities: their scope tokens, space-separated, duplicates dropped. */
export function scopeString(caps: readonly ScopedCapability[]): string {
  return [...new Set(caps.map(formatScope))].join(' ');
}
