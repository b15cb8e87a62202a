/**
 * @module lib/mutex
 *
 * A FIFO async mutex: serializes work on a resource that cannot interleave,
 * such as one SQLite connection inside a transaction. Internal.
 */

export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder has finished. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
