/**
 * @module node/ready
 *
 * Readiness: whether this node can serve requests that need its store,
 * answered by one cheap statement (the organization's row, by its primary
 * key) within a bounded time. `GET /readyz` asks it; `GET /healthz` is
 * liveness and never touches the store. A failure says only that the store
 * did not answer: never its URL, path or the driver's message (those go to
 * the operator's log through the caller's `onFailure`).
 */

import { legateError } from '../errors/index.js';
import type { Store } from '../store/types.js';

/** How long a readiness check waits for the store by default (ms). */
export const DEFAULT_READY_TIMEOUT_MS = 2_000;

/** Options of {@link readinessCheck}. */
export interface ReadinessOptions {
  /** Longest wait for the store (default {@link DEFAULT_READY_TIMEOUT_MS}). */
  timeoutMs?: number | undefined;
  /** Told why a check failed (the store's own error, or the timeout), for the local log. */
  onFailure?: ((cause: unknown) => void) | undefined;
}

/**
 * A readiness check over `store`: resolves when the store answered in time,
 * rejects with `ERR_NOT_READY` otherwise. Checks asked for while one runs
 * share it, so a load balancer polling a hung database queues one statement,
 * not one per poll.
 *
 * @example
 * ```ts
 * const ready = readinessCheck(node.store, { timeoutMs: 2000 });
 * await ready(); // throws StoreError ERR_NOT_READY when the store does not answer
 * ```
 */
export function readinessCheck(store: Pick<Store, 'getOrganization'>, options: ReadinessOptions = {}): () => Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  let running: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the store did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([store.getOrganization(), timeout]);
    } catch (cause) {
      options.onFailure?.(cause);
      throw legateError('ERR_NOT_READY', 'the store did not answer the readiness check', { cause });
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };
}
