// WAL checkpoints move to a worker thread once a store keeps writing; the
// data stays intact and the database file receives the logged pages. The
// worker is compiled JavaScript, so this runs from dist/ (as the pool's tests
// do); from the sources, a store checkpoints in its commits.
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from 'legate/store';
import type * as Checkpointer from '../../src/store/sqlite/checkpointer.js';

// A path in a variable: the type checker reads the sources' types, the run loads the build.
const BUILT_CHECKPOINTER = '../../dist/store/sqlite/checkpointer.js';
const { checkpointInBackground } = (await import(BUILT_CHECKPOINTER)) as typeof Checkpointer;

const dirs: string[] = [];
async function freshPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'legate-ckpt-'));
  dirs.push(dir);
  return join(dir, 'legate.db');
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Polls until `check` holds (the worker runs on its own schedule). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(check()).toBe(true);
}

describe('background WAL checkpoints', () => {
  it('copy the log into the database file', async () => {
    const path = await freshPath();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000));
    const before = statSync(path).size;
    const stop = checkpointInBackground(path, () => undefined);
    try {
      await eventually(() => statSync(path).size > before + 200 * 2000);
    } finally {
      stop();
      db.close();
    }
  });

  it('a store that keeps writing stays intact across its close and reopening', async () => {
    const path = await freshPath();
    const store = await openSqliteStore(path);
    for (let i = 0; i < 1500; i++) await store.putSetting(`k${i % 50}`, `v${i}`);
    await store.transaction(async (tx) => {
      for (let i = 0; i < 50; i++) await tx.putSetting(`t${i}`, 'y');
    });
    await store.close();
    const reopened = await openSqliteStore(path);
    try {
      expect(await reopened.getSetting('k49')).toBe('v1499');
      expect(await reopened.getSetting('t49')).toBe('y');
    } finally {
      await reopened.close();
    }
  });

  it('never starts a worker from the sources, where there is none: the store checkpoints in its commits', async () => {
    const fromSources = await import('../../src/store/sqlite/checkpointer.js');
    let fellBack = false;
    fromSources.checkpointInBackground(await freshPath(), () => (fellBack = true))();
    expect(fellBack).toBe(true);
  });

  it('falls back when the worker cannot open the file', async () => {
    let fellBack = false;
    const stop = checkpointInBackground(join(await freshPath(), 'missing', 'nothing.db'), () => (fellBack = true));
    await eventually(() => fellBack);
    stop();
  });
});
