/**
 * @module lib/freeze
 *
 * Freezing what a cache shares: a value kept and handed to every later
 * caller (a decoded token, a trust decision) is frozen all the way down, so
 * no caller can change what another reads. Internal.
 */

/**
 * Freezes `value` and every object and array in it, and returns it. Typed
 * arrays (a token's signature bytes) cannot be frozen and are left as they
 * are; a value already frozen is not walked again.
 */
export function deepFrozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const member of Object.values(value)) deepFrozen(member);
    Object.freeze(value);
  }
  return value;
}
