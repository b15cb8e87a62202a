/**
 * @module lib/leased-schedule
 *
 * The shape every periodic job of a node shares (status-list refresh,
 * renewal, key rotation, alert checks): run now and every `intervalMs` as
 * one holder (a random id), asking for a lease of two intervals so the
 * holder renews it before it lapses; runs never overlap; a run's error goes
 * to `onError` (default a process warning naming the job) and the schedule
 * goes on; the timer never keeps the process alive; `stop` waits for a run
 * in progress. Internal.
 */

import { randomUUID } from 'node:crypto';

/** A running schedule. */
export interface LeasedSchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs `job` now and every `intervalMs`; `what` names it in the default warning (`status-list refresh failed: …`). */
export function startLeasedSchedule(
  what: string,
  intervalMs: number,
  job: (lease: { holder: string; leaseMs: number }) => Promise<unknown>,
  onError: ((error: unknown) => void) | undefined,
): LeasedSchedule {
  const holder = randomUUID();
  const report = onError ?? ((error: unknown) => process.emitWarning(`${what} failed: ${String(error)}`));
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(() => job({ holder, leaseMs: 2 * intervalMs })).then(() => undefined, report);
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
