/**
 * @module errors/scoped
 *
 * A Legate error re-stated about a part of a larger input: the same code
 * and reason, its claim under the part's name (`items[3].agent`,
 * `confirm.nonce`), its message prefixed, the original as its cause.
 * Internal.
 */

import { isLegateError, legateError } from './index.js';

/**
 * `error` about the part `claim` of a larger input (its own claim, if any,
 * nested under it; its message after `label: `); anything not a Legate
 * error is returned as it is.
 */
export function scopedError(error: unknown, claim: string, label: string): unknown {
  if (!isLegateError(error)) return error;
  return legateError(error.code, `${label}: ${error.message}`, {
    claim: error.claim === undefined ? claim : `${claim}.${error.claim}`,
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    cause: error,
  });
}
