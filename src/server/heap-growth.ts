/**
 * @module server/heap-growth
 *
 * How far a serving process lets V8's heap grow between full garbage
 * collections (the `heapGrowthPercent` setting). V8 collects the old
 * generation again once it has grown by a factor of what the last full
 * collection kept; left to itself it picks that factor from how fast it
 * collects against how fast the program allocates, up to 4x on a machine
 * with memory to spare. A node under load re-makes bounded caches (the
 * signature memo's decodings, sessions) at its handshake rate, and each
 * replaced entry dies in the old generation: with a factor near 4 the
 * garbage piled up between collections took the soak's RSS from ~210 MB to
 * over 260 MB in bursts (#19 item 5, `bench/README.md`). A fixed 25%
 * (the default) kept it at ~213 MB with no bursts, at no measured cost in
 * throughput: a full collection every few seconds at that load, ~10 ms
 * each for a 40 MB live heap.
 *
 * A process-wide V8 flag: only `legate serve`, which owns its process,
 * sets it, never the library. V8 reads it at every full collection, so it
 * holds from the next one on.
 */

import { setFlagsFromString } from 'node:v8';
import { legateError } from '../errors/index.js';

/** Most growth accepted: V8's own policy never goes past 4x (300%). */
export const MAX_HEAP_GROWTH_PERCENT = 300;

/**
 * Sets how far the heap may grow past what the last full collection kept,
 * in percent; 0 gives the choice back to V8.
 * @throws LegateError `ERR_INVALID_ARGUMENT` for anything but an integer from 0 to {@link MAX_HEAP_GROWTH_PERCENT}.
 */
export function setHeapGrowth(percent: number): void {
  if (!Number.isSafeInteger(percent) || percent < 0 || percent > MAX_HEAP_GROWTH_PERCENT) {
    throw legateError('ERR_INVALID_ARGUMENT', `heap growth must be an integer from 0 to ${MAX_HEAP_GROWTH_PERCENT} percent`, { claim: 'heapGrowthPercent' });
  }
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
