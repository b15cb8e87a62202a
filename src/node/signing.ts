/**
 * @module node/signing
 *
 * A node's signing worker for provisioning batches (`keys/signing-worker`):
 * started by the first batch that wants it, kept while batches come (a
 * thread takes ~30 ms to start, the time of 500 signatures here), stopped
 * {@link SIGNING_WORKER_IDLE_MS} after the last one ended, and when the node
 * closes. One that failed is replaced by the next batch.
 */

import { legateError } from '../errors/index.js';
import type { SigningWorker } from '../keys/signing-worker.js';

/** How long an unused signing worker is kept. */
export const SIGNING_WORKER_IDLE_MS = 10_000;

export interface SigningService {
  /**
   * Runs `fn` with the node's signing worker.
   * @throws LegateError `ERR_INTERNAL` once the node is closed.
   */
  use<T>(fn: (worker: SigningWorker) => Promise<T>): Promise<T>;
  /** Stops the worker (signatures still pending fail); later `use` calls refuse. */
  close(): Promise<void>;
}

/** The signing service of one node; `idleMs`: how long an unused worker is kept. */
export function createSigningService(idleMs = SIGNING_WORKER_IDLE_MS): SigningService {
  let worker: SigningWorker | undefined;
  let users = 0;
  let idle: NodeJS.Timeout | undefined;
  let closed = false;
  const stop = async () => {
    const stopping = worker;
    worker = undefined;
    await stopping?.close();
  };
  return {
    async use(fn) {
      // Loaded with the first batch, not when the node opens (#14's start-up budget).
      const { startSigningWorker } = await import('../keys/signing-worker.js');
      if (closed) throw legateError('ERR_INTERNAL', 'the node is closed: it signs no more batches');
      clearTimeout(idle);
      if (worker?.usable() === false) void stop();
      const current = (worker ??= startSigningWorker());
      users++;
      try {
        return await fn(current);
      } finally {
        if (--users === 0 && worker === current && !closed) {
          idle = setTimeout(() => void stop(), idleMs);
          idle.unref();
        }
      }
    },
    async close() {
      closed = true;
      clearTimeout(idle);
      await stop();
    },
  };
}
