/**
 * @module lib/json
 *
 * Bounded JSON parsing: a size limit on the text and a nesting-depth limit
 * checked by a linear scan before `JSON.parse`, so hostile input can neither
 * exhaust memory nor the stack. Internal.
 */

import { InputError } from '../errors/index.js';

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
 * Parses JSON within limits.
 * @throws InputError `ERR_INPUT_TOO_LARGE` over a limit, `ERR_MALFORMED` for invalid JSON.
 */
export function parseJson(text: string, what: string, limits: Partial<JsonLimits> = {}): unknown {
  const { maxLength, maxDepth } = { ...DEFAULT_JSON_LIMITS, ...limits };
  if (text.length > maxLength) {
    throw new InputError('ERR_INPUT_TOO_LARGE', `${what} is larger than ${maxLength} characters`, { claim: what });
  }
  if (jsonDepth(text) > maxDepth) {
    throw new InputError('ERR_INPUT_TOO_LARGE', `${what} nests deeper than ${maxDepth} levels`, {
      claim: what,
      reason: 'depth',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InputError('ERR_MALFORMED', `${what} is not valid JSON`, { claim: what, cause });
  }
}
