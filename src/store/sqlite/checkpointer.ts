/**
 * @module store/sqlite/checkpointer
 *
 * WAL checkpoints off the request thread. With `synchronous=NORMAL` a commit
 * only appends to the write-ahead log; every 1,000 pages SQLite's automatic
 * checkpoint copies the log into the database and fsyncs, inside whichever
 * commit crossed the mark, on the event loop: measured here that doubled the
 * mean cost of a write transaction (about 90 µs to 210 µs) and put a 5–10 ms
 * stall in one commit in a hundred. A store that keeps writing hands its
 * checkpoints to one worker thread per process, which holds its own
 * connection to each such file and runs `PRAGMA wal_checkpoint(PASSIVE)`
 * (never waiting on readers or writers) every {@link INTERVAL_MS}. The
 * store's own automatic checkpoint stays on at a higher mark, as a safety net
 * should the worker fall behind or fail. Durability is unchanged: exactly
 * `synchronous=NORMAL` in WAL mode. Internal.
 */

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints each file, in ms. */
const INTERVAL_MS = 100;
/** The store's own automatic checkpoint, in pages, once the worker checkpoints for it. */
export const SAFETY_NET_PAGES = 16_000;

// CommonJS, evaluated: the worker needs no file of its own next to this module
// (tests run the TypeScript sources, where no compiled worker file exists).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const files = new Map();
parentPort.on('message', (message) => {
  if (message.open !== undefined) {
    const entry = files.get(message.open);
    if (entry !== undefined) { entry.users++; return; }
    try {
      const db = new Database(message.open, { fileMustExist: true, timeout: 0 });
      files.set(message.open, { db, users: 1 });
    } catch {
      parentPort.postMessage({ failed: message.open });
    }
  } else if (message.close !== undefined) {
    const entry = files.get(message.close);
    if (entry === undefined || --entry.users > 0) return;
    files.delete(message.close);
    try { entry.db.close(); } catch {}
  }
});
setInterval(() => {
  for (const { db } of files.values()) {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  }
}, workerData.intervalMs);
`;

let worker: Worker | undefined;
let users = 0;
const onFailure = new Map<string, Set<() => void>>();

function start(): Worker {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlite, intervalMs: INTERVAL_MS } });
  // It must never keep a process alive, nor take it down.
  started.unref();
  started.on('message', (message: { failed?: string }) => {
    if (message.failed !== undefined) for (const fallback of onFailure.get(message.failed) ?? []) fallback();
  });
  started.on('error', () => {
    // A worker already replaced (ended after its last user) speaks for no store.
    if (worker !== started) return;
    for (const fallbacks of onFailure.values()) for (const fallback of fallbacks) fallback();
    onFailure.clear();
    // Its users' stop functions no longer count down (they see another worker):
    // the next worker counts its own users from zero, so it ends after its last.
    worker = undefined;
    users = 0;
  });
  return started;
}

/**
 * Checkpoints the database file at `path` in the background until the
 * returned function is called. `fallback` runs if the worker cannot (the store
 * then restores its own automatic checkpoint).
 */
export function checkpointInBackground(path: string, fallback: () => void): () => void {
  let current: Worker;
  try {
    current = worker ??= start();
  } catch {
    fallback();
    return () => undefined;
  }
  users++;
  const fallbacks = onFailure.get(path) ?? new Set();
  fallbacks.add(fallback);
  onFailure.set(path, fallbacks);
  current.postMessage({ open: path });
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    fallbacks.delete(fallback);
    if (fallbacks.size === 0) onFailure.delete(path);
    if (worker !== current) return;
    current.postMessage({ close: path });
    if (--users === 0) {
      // Let the worker close its connections, then end it; nothing waits on this.
      worker = undefined;
      setTimeout(() => void current.terminate(), 1_000).unref();
    }
  };
}
