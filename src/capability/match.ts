/**
 * @module capability/match
 *
 * Does a capability cover a requested action? Implements the matching rules
 * of DESIGN "Capabilities": an action is a name or `*`; a resource is a list
 * of colon-separated segments compared exactly, where a final `*` segment
 * matches any non-empty suffix and `*` alone matches every resource; a scoped
 * capability never satisfies an unscoped request. There are no other
 * wildcards: a `*` anywhere but the last segment is an ordinary segment that
 * no well-formed request contains, so it matches nothing.
 */

import type { Capability } from '../credential/types.js';

/** What an agent asks to do: an action on one concrete resource, optionally scoped. */
export interface CapabilityRequest {
  action: string;
  resource: string;
  scope?: string | undefined;
}

const WILDCARD = '*';

/**
 * True when `action` is a well-formed concrete action name: non-empty and not `*`.
 * A request for "every action" is not a request Legate can authorize.
 *
 * @example
 * ```ts
 * isConcreteAction('read') // true
 * isConcreteAction('*')    // false
 * ```
 */
export function isConcreteAction(action: string): boolean {
  return action.length > 0 && action !== WILDCARD;
}

/**
 * True when `resource` names one concrete resource: one or more non-empty
 * segments, none of them `*`. `crm:` and `crm::x` are malformed (an empty
 * segment); `crm:*` is a pattern, not a resource.
 *
 * @example
 * ```ts
 * isConcreteResource('crm:tickets') // true
 * isConcreteResource('crm:')        // false
 * ```
 */
export function isConcreteResource(resource: string): boolean {
  return resource.split(':').every((segment) => segment.length > 0 && segment !== WILDCARD);
}

/**
 * True when the action pattern of a capability covers a requested action:
 * `*` covers every concrete action, a name covers only itself.
 *
 * @example
 * ```ts
 * actionMatches('*', 'write')    // true
 * actionMatches('read', 'write') // false
 * ```
 */
export function actionMatches(pattern: string, action: string): boolean {
  if (!isConcreteAction(action)) return false;
  return pattern === WILDCARD || pattern === action;
}

/**
 * True when the resource pattern of a capability covers a requested resource.
 * Malformed resources (see {@link isConcreteResource}) match nothing, not even
 * `*`, so a sloppy request can never slip through a wildcard.
 *
 * @example
 * ```ts
 * resourceMatches('crm:*', 'crm:tickets:42') // true
 * resourceMatches('crm:*', 'crm')            // false: `*` needs at least one segment
 * resourceMatches('*', 'billing:refund')     // true
 * ```
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (!isConcreteResource(resource)) return false;
  if (pattern === WILDCARD) return true;
  const want = pattern.split(':');
  const have = resource.split(':');
  const last = want.length - 1;
  if (want[last] === WILDCARD) {
    // The prefix must match exactly and at least one segment must remain for the `*`.
    return have.length > last && want.slice(0, last).every((segment, i) => segment === have[i]);
  }
  return want.length === have.length && want.every((segment, i) => segment === have[i]);
}

/**
 * True when a capability covers a request: the action and resource match, and
 * the scopes agree. A scoped capability covers only requests with exactly its
 * scope (DESIGN: it never satisfies an unscoped request). An unscoped
 * capability is unrestricted, so it also covers a scoped request, which asks
 * for less; this is also what lets a delegation add a scope to an unscoped
 * parent without widening it (see `capabilityNarrows`).
 *
 * @example
 * ```ts
 * const read = { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' };
 * capabilityCovers(read, { action: 'read', resource: 'crm:customer_records' }) // false: unscoped request
 * capabilityCovers(read, { ...read })                                           // true
 * ```
 */
export function capabilityCovers(
  capability: Pick<Capability, 'action' | 'resource' | 'scope'>,
  request: CapabilityRequest,
): boolean {
  if (!actionMatches(capability.action, request.action)) return false;
  if (!resourceMatches(capability.resource, request.resource)) return false;
  return capability.scope === undefined || capability.scope === request.scope;
}
