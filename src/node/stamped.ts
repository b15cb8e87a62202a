/**
 * @module node/stamped
 *
 * Reads of the node's own published state (its trust list's token, its
 * status lists' tokens) kept while the store's change stamp
 * (`Store.changeStamp`) stays the same: a decision reads them at every
 * verification, and they change only when this organization changes them
 * (an accreditation, a revocation, a re-signing), here or in another
 * process on the same database, which changes the stamp. Each node keeps
 * its own (instance state); a store that gives no stamp keeps nothing.
 */

import type { Store } from '../store/types.js';

/** Most values one keyed read keeps per stamp (the node's own lists: a handful; the URLs asked for are the caller's). */
const MAX_KEPT = 64;

/**
 * `read(key)`, kept per key until the store's change stamp changes. A read
 * that fails is not kept.
 *
 * @example
 * ```ts
 * const token = stampedRead(store, (url: string) => localStatusList(url));
 * await token(url); // read once; again only after keys, settings or status lists changed
 * ```
 */
export function stampedRead<K, T>(store: Pick<Store, 'changeStamp'>, read: (key: K) => Promise<T>): (key: K) => Promise<T> {
  let stamp: string | undefined;
  let kept = new Map<K, Promise<T>>();
  return (key) => {
    // The stamp is taken before reading: a change made meanwhile changes it, so the value is read again next time.
    const now = store.changeStamp?.();
    if (now === undefined) return read(key);
    if (now !== stamp) {
      stamp = now;
      kept = new Map();
    }
    const found = kept.get(key);
    if (found !== undefined) return found;
    const value = read(key);
    if (kept.size < MAX_KEPT) {
      const map = kept;
      map.set(key, value);
      value.catch(() => map.delete(key));
    }
    return value;
  };
}
