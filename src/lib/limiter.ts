/**
 * @module lib/limiter
 *
 * Bounds how much of one kind of costly work (a password hash) runs at
 * once: up to `concurrency` run, up to `queue` more wait, and anything past
 * that is refused at once with `ERR_RATE_LIMITED`, so a flood of sign-ins
 * cannot pile up memory-hard work without end. Internal.
 */

import { legateError } from '../errors/index.js';

export class Limiter {
  readonly #concurrency: number;
  readonly #queue: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: { concurrency: number; queue: number }) {
    this.#concurrency = options.concurrency;
    this.#queue = options.queue;
  }

  /**
   * Runs `fn` when a slot is free.
   * @throws LegateError `ERR_RATE_LIMITED` when every slot and the queue are taken.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#queue) throw legateError('ERR_RATE_LIMITED', 'too many sign-ins at once: try again shortly');
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, or frees.
      if (next !== undefined) next();
      else this.#running--;
    }
  }
}
