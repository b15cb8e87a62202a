/**
 * @module registry/pattern
 *
 * Capability patterns as trust lists write them: `<action>:<resource>`, where
 * the action is a name or `*` (names hold no colon, so the first colon
 * splits the two) and the resource is colon-separated segments whose last
 * may be `*` (`*:*`, `call:billing:*`, `read:crm:customer_records`). Covering
 * and narrowing reuse the capability model's rules (`capability/match`,
 * `capability/attenuate`), so a pattern means in a trust list exactly what
 * it means in a credential.
 */

import { actionMatches, resourceMatches } from '../capability/match.js';
import { actionWithin, resourceWithin } from '../capability/attenuate.js';
import { legateError } from '../errors/index.js';
import { assertString } from '../lib/assert.js';

/** A pattern split into its action and resource parts. */
export interface CapabilityPattern {
  action: string;
  resource: string;
}

/** Longest pattern accepted, in characters (the schema's bound). */
export const MAX_PATTERN_LENGTH = 600;

// The schema's pattern: an action name or `*`, then segments with `*` only last.
const PATTERN = /^(\*|[A-Za-z][A-Za-z0-9_.-]{0,63}):(\*|[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*(?::\*)?)$/;

/**
 * Parses `<action>:<resource>`.
 * @throws TypeError for a non-string; InputError `ERR_MALFORMED` for anything
 * the trust list schema would refuse.
 *
 * @example
 * ```ts
 * parsePattern('call:billing:*') // { action: 'call', resource: 'billing:*' }
 * parsePattern('*:*')            // { action: '*', resource: '*' }
 * ```
 */
export function parsePattern(text: string): CapabilityPattern {
  assertString(text, 'pattern');
  const match = text.length <= MAX_PATTERN_LENGTH ? PATTERN.exec(text) : null;
  if (match === null) {
    throw legateError('ERR_MALFORMED', `not a capability pattern <action>:<resource>: ${JSON.stringify(text.slice(0, 64))}`, {
      claim: 'pattern',
    });
  }
  return { action: match[1]!, resource: match[2]! };
}

/**
 * Writes a pattern (or a capability) as `<action>:<resource>`.
 *
 * @example
 * ```ts
 * formatPattern({ action: 'read', resource: 'crm:*' }) // 'read:crm:*'
 * ```
 */
export function formatPattern(pattern: CapabilityPattern): string {
  return `${pattern.action}:${pattern.resource}`;
}

const parsed = (pattern: string | CapabilityPattern): CapabilityPattern =>
  typeof pattern === 'string' ? parsePattern(pattern) : pattern;

/**
 * True when `pattern` covers a concrete request (an action name and one
 * resource), by the capability matching rules.
 * @throws as {@link parsePattern} for a malformed pattern string.
 *
 * @example
 * ```ts
 * patternCovers('call:billing:*', { action: 'call', resource: 'billing:refund' }) // true
 * patternCovers('call:billing:*', { action: 'read', resource: 'billing:refund' }) // false
 * ```
 */
export function patternCovers(pattern: string | CapabilityPattern, request: CapabilityPattern): boolean {
  const { action, resource } = parsed(pattern);
  return actionMatches(action, request.action) && resourceMatches(resource, request.resource);
}

/**
 * True when everything `child` covers, `parent` covers too: the child's
 * action and resource are within the parent's (a concrete capability is a
 * pattern that covers only itself).
 * @throws as {@link parsePattern} for a malformed pattern string.
 *
 * @example
 * ```ts
 * patternWithin('call:billing:refund', 'call:billing:*') // true
 * patternWithin('*:*', 'call:billing:*')                 // false
 * ```
 */
export function patternWithin(child: string | CapabilityPattern, parent: string | CapabilityPattern): boolean {
  const c = parsed(child);
  const p = parsed(parent);
  return actionWithin(c.action, p.action) && resourceWithin(c.resource, p.resource);
}
