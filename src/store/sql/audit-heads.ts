/**
 * @module store/sql/audit-heads
 *
 * The last entry this process appended to each audit chain (#19): an
 * append then needs no read of its chain's head (one statement fewer on
 * SQLite, one round trip fewer under the chain's lock on PostgreSQL).
 *
 * A remembered head is a guess, never trusted: the append that builds on it
 * is refused by the store unless its `seq` is the chain's last + 1 *and*
 * its `prevHash` is the hash of the row at `seq - 1` (store/sql/audit), so
 * a head that went stale — a transaction rolled back after the append,
 * another process appended, a chain closed elsewhere — costs one refused
 * statement and a read, never a fork. Only packed entries are remembered
 * (a `chain-open` or `chain-close` is stored plain and always read), so a
 * remembered head is never a close. Forgotten at every rollback, bounded.
 * Instance state: each connection (SQLite) or pool (PostgreSQL) owns one.
 * Internal.
 */

/** Most chains remembered (an instance appends to one; tests and tools open a few). */
const MAX_CHAINS = 64;

/** A chain's last entry as this process appended it. */
export interface RememberedHead {
  readonly seq: number;
  readonly hash: string;
}

export class AuditHeads {
  readonly #heads = new Map<string, RememberedHead>();

  /** The head this process last appended to `chain`, if it remembers one. */
  get(chain: string): RememberedHead | undefined {
    return this.#heads.get(chain);
  }

  /** Remembers `chain`'s head after an append (bounded: the oldest chain is forgotten first). */
  set(chain: string, head: RememberedHead): void {
    if (!this.#heads.has(chain) && this.#heads.size >= MAX_CHAINS) this.#heads.delete(this.#heads.keys().next().value!);
    this.#heads.set(chain, head);
  }

  forget(chain: string): void {
    this.#heads.delete(chain);
  }

  /** Forgets every head (a rollback may have undone any append since). */
  clear(): void {
    this.#heads.clear();
  }

  get size(): number {
    return this.#heads.size;
  }
}
