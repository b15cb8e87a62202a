/**
 * @module store/sqlite/checkpoint-worker
 *
 * The checkpointer's worker thread (see `store/sqlite/checkpointer`): its own
 * connection to one database file, and `PRAGMA wal_checkpoint(PASSIVE)` (never
 * waiting on readers or writers) every `intervalMs`. It says `failed` when it
 * cannot open the file, and closes its connection when told to `close`.
 * Internal; started from the compiled JavaScript only.
 */

import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** What {@link checkpointInBackground} hands the worker. */
export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
}

/** Messages between the store and its worker. */
export type ToCheckpointWorker = { close: true };
export type FromCheckpointWorker = { failed: true };

const port = parentPort;
const { path, intervalMs } = workerData as CheckpointWorkerData;
// The same better-sqlite3 the store loads (CommonJS, a native addon).
const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

let db: Database.Database | undefined;
try {
  db = new Driver(path, { fileMustExist: true, timeout: 0 });
} catch {
  port?.postMessage({ failed: true } satisfies FromCheckpointWorker);
}

const timer = setInterval(() => {
  try {
    db?.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy or locked file: the next round tries again, and the store's own checkpoint is the safety net.
  }
}, intervalMs);

port?.on('message', (message: ToCheckpointWorker) => {
  if (!message.close) return;
  clearInterval(timer);
  try {
    db?.close();
  } catch {
    // Closing is best effort: the thread ends next.
  }
  db = undefined;
  port.close();
});
