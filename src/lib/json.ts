/**
 * @module lib/json
 *
 * Bounded JSON parsing: a size limit on the text and a nesting-depth limit
 * checked by a linear scan before `JSON.parse`, so hostile input can neither
 * exhaust memory nor the stack. Internal.
 */

import { legateError } from '../errors/index.js';

export interface JsonLimits {
  /** Maximum length in UTF-16 code units. */
  maxLength: number;
  /** Maximum nesting depth of arrays and objects. */
  maxDepth: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxLength: 1024 * 1024, maxDepth: 32 };

/** Nesting depth of a JSON text, ignoring brackets inside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * True when `text` holds at most `limit` opening brackets: then no nesting
 * can exceed `limit` (brackets inside strings only make the bound looser).
 * `indexOf` is native, so this costs a fraction of {@link jsonDepth}'s scan,
 * which only runs when the bound does not settle it.
 */
function fewBrackets(text: string, limit: number): boolean {
  let count = 0;
  for (const open of ['{', '[']) {
    for (let i = text.indexOf(open); i !== -1; i = text.indexOf(open, i + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}

/**
 * Parses JSON within limits.
 * @throws InputError `ERR_INPUT_TOO_LARGE` over a limit, `ERR_MALFORMED` for invalid JSON.
 */
export function parseJson(text: string, what: string, limits: Partial<JsonLimits> = {}): unknown {
  const maxLength = limits.maxLength ?? DEFAULT_JSON_LIMITS.maxLength;
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  if (text.length > maxLength) {
    throw legateError('ERR_INPUT_TOO_LARGE', `${what} is larger than ${maxLength} characters`, { claim: what });
  }
  if (!fewBrackets(text, maxDepth) && jsonDepth(text) > maxDepth) {
    throw legateError('ERR_INPUT_TOO_LARGE', `${what} nests deeper than ${maxDepth} levels`, {
      claim: what,
      reason: 'depth',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw legateError('ERR_MALFORMED', `${what} is not valid JSON`, { claim: what, cause });
  }
}
