/**
 * @module audit/memo
 *
 * What an audit log remembers of the entries it appended lately, so that
 * the next checkpoint signs their digests without reading them back
 * (`AuditMemo.digests`): for each entry, the hash it was written with and
 * its checkpoint digest.
 *
 * Kept as bytes in one buffer a chain, a ring indexed by `seq`: 48 bytes an
 * entry and no object, string or map entry per append. A map of strings
 * held ~470 bytes an entry on the V8 heap (its key a concatenated string),
 * ~4.7 MB at the bound, which a busy server's heap kept committed several
 * times over (#19 item 5).
 */

/** Most entries remembered a chain: a checkpoint is due every 100 entries by default and signs at most 1,000 digests. */
export const MAX_MEMO_DIGESTS = 10_000;
/** Most chains remembered: a log appends to one chain of its own; the oldest chain remembered goes first. */
const MAX_CHAINS = 4;
const HASH_BYTES = 32;
const DIGEST_BYTES = 8;
const SLOT = HASH_BYTES + DIGEST_BYTES;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX16 = /^[0-9a-f]{16}$/;

interface Ring {
  /** The `seq` each slot holds (0: none). */
  seqs: Float64Array;
  /** Each slot's hash then digest. */
  data: Buffer;
}

/** Hashes and digests of recent entries, by chain and `seq`; see the module. */
export class DigestMemo {
  readonly #chains = new Map<string, Ring>();
  readonly #capacity: number;
  #size = 0;

  /** @param capacity entries remembered a chain (at most {@link MAX_MEMO_DIGESTS}). */
  constructor(capacity = MAX_MEMO_DIGESTS) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_MEMO_DIGESTS) throw new RangeError(`capacity is 1 to ${MAX_MEMO_DIGESTS}`);
    this.#capacity = capacity;
  }

  /** How many entries are remembered. */
  get size(): number {
    return this.#size;
  }

  /**
   * Remembers entry `seq` of `chain` as written with `hash` (64 hex digits)
   * and `digest` (16); replaces what that slot held (an older entry, or this
   * `seq` appended again after a rollback). Anything else is not remembered.
   */
  remember(chain: string, seq: number, hash: string, digest: string): void {
    if (!Number.isSafeInteger(seq) || seq < 1 || !HEX64.test(hash) || !HEX16.test(digest)) return;
    const ring = this.#ring(chain);
    const slot = seq % this.#capacity;
    if (ring.seqs[slot] === 0) this.#size++;
    ring.seqs[slot] = seq;
    ring.data.write(hash, slot * SLOT, HASH_BYTES, 'hex');
    ring.data.write(digest, slot * SLOT + HASH_BYTES, DIGEST_BYTES, 'hex');
  }

  /** The digest of entry `seq` of `chain` when it is remembered as written with `hash`; otherwise undefined. */
  recall(chain: string, seq: number, hash: string): string | undefined {
    const ring = this.#chains.get(chain);
    const slot = seq % this.#capacity;
    if (ring === undefined || ring.seqs[slot] !== seq) return undefined;
    const at = slot * SLOT;
    return ring.data.toString('hex', at, at + HASH_BYTES) === hash ? ring.data.toString('hex', at + HASH_BYTES, at + SLOT) : undefined;
  }

  #ring(chain: string): Ring {
    const known = this.#chains.get(chain);
    if (known !== undefined) return known;
    if (this.#chains.size >= MAX_CHAINS) {
      const [oldest, ring] = this.#chains.entries().next().value!;
      this.#size -= ring.seqs.reduce((n, seq) => n + (seq === 0 ? 0 : 1), 0);
      this.#chains.delete(oldest);
    }
    const ring = { seqs: new Float64Array(this.#capacity), data: Buffer.alloc(this.#capacity * SLOT) };
    this.#chains.set(chain, ring);
    return ring;
  }
}

