/**
 * @module test/store/sqlite-group-commit
 *
 * Group commit on one SQLite connection (store/sqlite/turns): write
 * transactions that arrive together share one COMMIT, each answered only
 * once it is committed; a member that fails undoes its own writes only; a
 * COMMIT that fails fails every member and keeps none of their writes; a
 * statement outside a transaction never sees a member's writes before
 * they are committed; groups are bounded; and one caller writing one
 * transaction after another does not wait for the end of each turn. A
 * write waiting for another connection's lock lets the event loop run:
 * another store on the file in this process writes while a group is open.
 * A bulk transaction commits in a group of its own, with no savepoint, so
 * SQLite keeps no copy of the pages it changes.
 * Driven on the executor over a file of its own, with a second connection
 * to see what is committed.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SqliteConnection } from '../../src/store/sqlite/connection.js';
import { sqlite } from '../../src/store/sqlite/driver.js';
import { deleteInBatches, DELETE_BATCH } from '../../src/store/sql/executor.js';
import { SqliteExecutor } from '../../src/store/sqlite/executor.js';
import { available as procFds, sqliteTemporaryFiles as temporaryFiles } from '../helpers/sqlite-temp-files.js';
import { ALONE_AFTER, BUSY_TIMEOUT_MS, MAX_GROUP, PROBE_EVERY } from '../../src/store/sqlite/turns.js';

let dir: string;
let path: string;
let connection: SqliteConnection;
let exec: SqliteExecutor;
/** A second connection to the file: what it reads is committed. */
let observer: Database.Database;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legate-group-'));
  path = join(dir, 'group.db');
  // The driver as the store loads it, so its errors map to Legate codes.
  const db = new (sqlite())(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE grants (who TEXT PRIMARY KEY, amount INTEGER NOT NULL CHECK (amount >= 0));
    CREATE TABLE parents (id TEXT PRIMARY KEY);
    CREATE TABLE children (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES parents (id));
    CREATE TABLE expiring (key TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
  `);
  connection = new SqliteConnection(db, { readonly: false, path: undefined });
  exec = new SqliteExecutor(connection);
  observer = new (sqlite())(path, { readonly: true });
});

afterEach(async () => {
  observer.close();
  connection.close();
  await rm(dir, { recursive: true, force: true });
});

const committed = () => (observer.prepare('SELECT who FROM grants ORDER BY who').all() as { who: string }[]).map((row) => row.who);
const grant = (who: string, amount = 1) => exec.transaction(async (tx) => void (await tx.run('INSERT INTO grants (who, amount) VALUES (?, ?)', [who, amount])));

describe('SQLite group commit', () => {
  it('commits transactions that arrive together in one COMMIT, answering each once it is committed', async () => {
    const before = connection.turns.commits;
    const seen: string[][] = [];
    await Promise.all(['alice', 'bob', 'mallory'].map((who) => grant(who).then(() => seen.push(committed()))));
    expect(connection.turns.commits - before).toBe(1);
    // Each caller heard of its transaction only after all three were on disk.
    expect(seen).toEqual([
      ['alice', 'bob', 'mallory'],
      ['alice', 'bob', 'mallory'],
      ['alice', 'bob', 'mallory'],
    ]);
  });

  it('undoes a member that fails, and only it: the others in its group commit', async () => {
    const before = connection.turns.commits;
    const results = await Promise.allSettled([
      grant('alice'),
      exec.transaction(async (tx) => {
        await tx.run('INSERT INTO grants (who, amount) VALUES (?, ?)', ['bob', 1]);
        await tx.run('INSERT INTO grants (who, amount) VALUES (?, ?)', ['bob', 2]);
      }),
      grant('mallory'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_CONFLICT' });
    expect(connection.turns.commits - before).toBe(1);
    expect(committed()).toEqual(['alice', 'mallory']);
  });

  it('undoes a first member that fails by a plain ROLLBACK, and serves the next', async () => {
    await expect(grant('alice', -1)).rejects.toMatchObject({ code: 'ERR_STORE' });
    await grant('bob');
    expect(committed()).toEqual(['bob']);
    expect(connection.db.inTransaction).toBe(false);
  });

  it('fails every member of a group whose COMMIT fails, keeping none of their writes, and serves later calls', async () => {
    const results = await Promise.allSettled([
      grant('alice'),
      // A foreign key checked only at COMMIT: the group's COMMIT fails for every member.
      exec.transaction(async (tx) => {
        await tx.run('PRAGMA defer_foreign_keys = ON');
        await tx.run('INSERT INTO children (id, parent) VALUES (?, ?)', ['c1', 'nobody']);
      }),
      grant('mallory'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_STORE' });
    expect(committed()).toEqual([]);
    expect(connection.db.inTransaction).toBe(false);
    await grant('bob');
    expect(committed()).toEqual(['bob']);
  });

  it('makes a statement outside any transaction wait for the group to commit: it never reads what is not committed', async () => {
    const writing = grant('alice');
    // Issued while the member runs.
    const read = exec.all<{ who: string }>('SELECT who FROM grants').then((rows) => ({ rows, onDisk: committed() }));
    expect(connection.turns.busy).toBe(true);
    await writing;
    expect(await read).toEqual({ rows: [{ who: 'alice' }], onDisk: ['alice'] });
    // Issued once the member returned, while its group waits for the end of the turn to commit.
    const second = grant('bob');
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(connection.turns.busy).toBe(true);
    expect(committed()).toEqual(['alice']);
    const later = exec.all<{ who: string }>('SELECT who FROM grants ORDER BY who').then((rows) => ({ rows, onDisk: committed() }));
    expect(await later).toEqual({ rows: [{ who: 'alice' }, { who: 'bob' }], onDisk: ['alice', 'bob'] });
    await second;
  });

  it('commits a bulk transaction in a group of its own, keeping no copy of the pages it changes', async () => {
    // 600 rows of ~400 bytes: ~60 pages, each half well past the 64 KiB after which SQLite moves a journal to a file.
    const row = (i: number) => [`${String(i).padStart(4, '0')}${'k'.repeat(400)}`, i < 300 ? '2026-01-01' : '2026-02-01'];
    await exec.transaction(async (tx) => {
      for (let i = 0; i < 600; i++) await tx.run('INSERT INTO expiring (key, expires_at) VALUES (?, ?)', row(i));
    });
    const before = connection.turns.commits;
    let asMember: string[] = [];
    let asBulk: string[] = ['not run'];
    let deleted = 0;
    await Promise.all([
      grant('alice'),
      // Joins alice's group as a savepoint: the control, whose journal goes to a file.
      exec.transaction(async (tx) => {
        deleted += (await tx.run("DELETE FROM expiring WHERE expires_at <= '2026-01-01'")).changes;
        asMember = temporaryFiles();
      }),
      exec.transaction(
        async (tx) => {
          deleted += (await tx.run("DELETE FROM expiring WHERE expires_at <= '2026-02-01'")).changes;
          asBulk = temporaryFiles();
        },
        { bulk: true },
      ),
      grant('bob'),
      grant('mallory'),
    ]);
    if (procFds) expect(asMember.length).toBeGreaterThan(0);
    expect(asBulk).toEqual([]);
    expect(deleted).toBe(600);
    // alice's group (with the member), the bulk transaction alone, then bob and mallory together.
    expect(connection.turns.commits - before).toBe(3);
    expect(committed()).toEqual(['alice', 'bob', 'mallory']);
  });

  it('undoes a bulk transaction that fails, and only it; inside a transaction the option changes nothing', async () => {
    const results = await Promise.allSettled([
      grant('alice'),
      exec.transaction(async (tx) => {
        await tx.run('INSERT INTO grants (who, amount) VALUES (?, ?)', ['bob', 1]);
        await tx.run('INSERT INTO grants (who, amount) VALUES (?, ?)', ['bob', 2]);
      }, { bulk: true }),
      exec.transaction((tx) => tx.transaction((inner) => inner.run('INSERT INTO grants (who, amount) VALUES (?, ?)', ['mallory', 1]), { bulk: true })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_CONFLICT' });
    expect(committed()).toEqual(['alice', 'mallory']);
    expect(connection.db.inTransaction).toBe(false);
  });

  it(`deletes a backlog ${DELETE_BATCH} rows at a time, each batch committed alone, a write waiting getting in between`, async () => {
    const rows = 2 * DELETE_BATCH + 500;
    observer.close();
    const db = new (sqlite())(path);
    const put = db.prepare('INSERT INTO expiring (key, expires_at) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i++) put.run(`key-${i}`, i % 2 === 0 ? '2026-01-01' : '2026-03-01');
    })();
    db.close();
    observer = new (sqlite())(path, { readonly: true });
    const before = connection.turns.commits;
    const order: string[] = [];
    const deleting = deleteInBatches(exec, 'expiring', 'key', 'expires_at <= ?', ['2026-02-01']).then((n) => {
      order.push('deleted');
      return n;
    });
    const granting = grant('alice').then(() => order.push('alice'));
    expect(await deleting).toBe(rows / 2);
    await granting;
    // 2,250 expired rows: a batch of 2,000, alice's group, a batch of 250.
    expect(connection.turns.commits - before).toBe(3);
    expect(order).toEqual(['alice', 'deleted']);
    expect((observer.prepare('SELECT COUNT(*) AS n FROM expiring').get() as { n: number }).n).toBe(rows / 2);
  });

  it(`bounds a group at ${MAX_GROUP} transactions`, async () => {
    const before = connection.turns.commits;
    const names = Array.from({ length: MAX_GROUP + 6 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
    await Promise.all(names.map((who) => grant(who)));
    expect(connection.turns.commits - before).toBe(2);
    expect(committed()).toEqual(names);
  });

  it(`commits at once after ${ALONE_AFTER} groups of one, waiting for the end of the turn one group in ${PROBE_EVERY}`, async () => {
    for (let i = 0; i < ALONE_AFTER; i++) await grant(`warm-${i}`);
    let waited = 0;
    const runs = 2 * PROBE_EVERY;
    for (let i = 0; i < runs; i++) {
      let turnEnded = false;
      setImmediate(() => (turnEnded = true));
      await grant(`agent-${i}`);
      if (turnEnded) waited++;
    }
    expect(waited).toBe(runs / PROBE_EVERY);
    // Company again: transactions that arrive together group at once.
    const before = connection.turns.commits;
    await Promise.all(['x', 'y', 'z'].map((who) => grant(who)));
    expect(connection.turns.commits - before).toBe(1);
  });

  it('lets another connection to the file in this process write while a group is open: the lock is waited for on a timer', async () => {
    // As a store opens it: SQLite's own busy wait of 5 s, which would block the event loop this group needs to commit.
    const second = new SqliteConnection(new (sqlite())(path, { timeout: BUSY_TIMEOUT_MS }), { readonly: false, path: undefined });
    try {
      const other = new SqliteExecutor(second);
      await Promise.all([grant('alice'), other.run('INSERT INTO grants (who, amount) VALUES (?, ?)', ['bob', 1]), grant('mallory')]);
      expect(committed()).toEqual(['alice', 'bob', 'mallory']);
    } finally {
      second.close();
    }
  });

  it(`fails a write with ERR_STORE (reason busy) after another connection held the lock ${BUSY_TIMEOUT_MS} ms, the event loop running meanwhile`, async () => {
    const holder = new (sqlite())(path);
    holder.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 100);
    try {
      await expect(grant('alice')).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'busy' });
      expect(ticks).toBeGreaterThan(10);
    } finally {
      clearInterval(ticking);
      holder.exec('ROLLBACK');
      holder.close();
    }
    await grant('bob');
    expect(committed()).toEqual(['bob']);
  }, 4 * BUSY_TIMEOUT_MS);
});
