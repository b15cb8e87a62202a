/**
 * @module status/index-order
 *
 * The order in which a status list hands out its indexes: a uniformly random
 * permutation of `0 … size − 1`, shuffled (Fisher–Yates) with AES-256-CTR
 * under a seed of the list's own. The list keeps only the seed and how many
 * positions it has handed out (its cursor, in the store); the n-th
 * credential gets the index at position n. So an index is never handed out
 * twice by construction, an allocation reads and writes no index of the
 * list, and the indexes still look random to anyone without the seed: they
 * do not reveal issuance order (the Bitstring Status List's herd privacy).
 *
 * The same seed gives the same order on every machine (the keystream is
 * read little-endian), so the instances of a fleet agree.
 */

import { createCipheriv, randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { legateError } from '../errors/index.js';

/** Bytes of a list's seed: an AES-256 key. */
export const STATUS_SEED_BYTES = 32;
/** The largest list an order is built for (4 MiB of order); Legate's lists are 131,072. */
export const MAX_ORDERED_LIST_SIZE = 1 << 20;
/** Draws are 30-bit, so the arithmetic stays in small integers. */
const RANGE = 1 << 30;
/** Keystream bytes made at a time. */
const CHUNK_BYTES = 64 * 1024;
const BIG_ENDIAN = endianness() === 'BE';

/** A new list's seed. */
export function newStatusSeed(): Uint8Array {
  return new Uint8Array(randomBytes(STATUS_SEED_BYTES));
}

/**
 * The order of a list of `size` indexes with `seed`: position n holds the
 * index the n-th allocation gets. About 5 ms for 131,072.
 * @throws LegateError `ERR_INVALID_ARGUMENT` for a seed that is not 32 bytes
 * or a size that is not a positive integer up to {@link MAX_ORDERED_LIST_SIZE}.
 */
export function statusIndexOrder(seed: Uint8Array, size: number): Uint32Array {
  if (seed.length !== STATUS_SEED_BYTES) throw legateError('ERR_INVALID_ARGUMENT', `a status list seed is ${STATUS_SEED_BYTES} bytes`, { claim: 'seed' });
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_ORDERED_LIST_SIZE) {
    throw legateError('ERR_INVALID_ARGUMENT', `a status list to order has 1 to ${MAX_ORDERED_LIST_SIZE} indexes`, { claim: 'size' });
  }
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const keystream = createCipheriv('aes-256-ctr', seed, new Uint8Array(16));
  const zeros = new Uint8Array(CHUNK_BYTES);
  let words = new Uint32Array(0);
  let at = 0;
  for (let i = size - 1; i > 0; i--) {
    // A uniform j in [0, i]: draws at or past the largest multiple of i + 1 are thrown away.
    const span = i + 1;
    const limit = RANGE - (RANGE % span);
    let draw: number;
    do {
      if (at === words.length) {
        const bytes = keystream.update(zeros);
        if (BIG_ENDIAN) bytes.swap32();
        words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
        at = 0;
      }
      draw = words[at++]! >>> 2;
    } while (draw >= limit);
    const j = draw % span;
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}

/**
 * The orders of the lists a node allocates from, built on first use and
 * kept for the `capacity` lists used most recently (512 KiB each at 131,072
 * indexes): an issuer allocates from one list per purpose at a time.
 */
export class StatusIndexOrders {
  readonly #kept = new Map<string, { seed: Uint8Array; order: Uint32Array }>();

  constructor(readonly capacity = 8) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw legateError('ERR_INVALID_ARGUMENT', 'keep at least one status list order', { claim: 'capacity' });
  }

  /** The order of list `listId` (see {@link statusIndexOrder}). */
  get(listId: string, seed: Uint8Array, size: number): Uint32Array {
    const kept = this.#kept.get(listId);
    if (kept !== undefined && kept.order.length === size && Buffer.compare(kept.seed, seed) === 0) {
      this.#kept.delete(listId);
      this.#kept.set(listId, kept);
      return kept.order;
    }
    const order = statusIndexOrder(seed, size);
    this.#kept.delete(listId);
    if (this.#kept.size >= this.capacity) this.#kept.delete(this.#kept.keys().next().value!);
    this.#kept.set(listId, { seed: Uint8Array.from(seed), order });
    return order;
  }

  /** How many orders are kept. */
  get size(): number {
    return this.#kept.size;
  }
}
