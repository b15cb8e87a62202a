/**
 * @module test/store/sqlite-turns
 *
 * The failure paths of group commit (store/sqlite/turns) that a real
 * SQLite file will not produce on demand, driven on a scripted host: a
 * member whose savepoint cannot be rolled back or released, a savepoint
 * that cannot be opened, a COMMIT and then its ROLLBACK failing, an end
 * with no group, a bulk member meeting an open group; and the bound on the pause between two tries of a lock
 * another connection holds, on fake timers.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';

import { legateError } from '../../src/errors/index.js';
import { BUSY_TIMEOUT_MS, Turns, type TurnHost } from '../../src/store/sqlite/turns.js';

/** A host that records what it was asked to run and fails the statements named in `failing`. */
function scriptedHost(failing: Set<string> = new Set()) {
  const ran: string[] = [];
  const state = { inTransaction: false, closed: false, rolledBack: 0 };
  const host: TurnHost = {
    control(sql) {
      ran.push(sql);
      if (failing.has(sql)) throw legateError('ERR_STORE', `${sql} failed`);
      if (sql === 'COMMIT') state.inTransaction = false;
    },
    tryControl(sql) {
      ran.push(sql);
      if (failing.has(sql)) return false;
      if (sql === 'ROLLBACK') state.inTransaction = false;
      return true;
    },
    tryBeginImmediate() {
      ran.push('BEGIN IMMEDIATE');
      if (failing.has('BEGIN IMMEDIATE')) return false;
      state.inTransaction = true;
      return true;
    },
    get inTransaction() {
      return state.inTransaction;
    },
    rolledBack() {
      state.rolledBack++;
    },
    close() {
      state.closed = true;
    },
  };
  return { host, ran, state, failing };
}

/** Opens a group with one member that returned (its commit pending), and lets a second member in: the first one's commit. */
async function firstAndJoining(turns: Turns): Promise<{ first: Promise<void> }> {
  await turns.acquire(true);
  await turns.begin();
  const first = turns.end();
  const joining = turns.acquire(true);
  turns.release();
  await joining;
  return { first };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('group commit failure paths (scripted host)', () => {
  it('fails every member when a member cannot be rolled back to its savepoint, and rolls the group back', async () => {
    const { host, ran, state } = scriptedHost(new Set(['ROLLBACK TO legate_member']));
    const turns = new Turns(host);
    // Two members in one group: the first returned; the second joins it with a savepoint, then fails.
    const { first } = await firstAndJoining(turns);
    await turns.begin();
    turns.abort();
    turns.release();
    await expect(first).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(first).rejects.toThrow('could not be undone alone');
    expect(ran).toEqual(['BEGIN IMMEDIATE', 'SAVEPOINT legate_member', 'ROLLBACK TO legate_member', 'ROLLBACK']);
    expect(state).toMatchObject({ inTransaction: false, closed: false });
  });

  it('fails the group when a joining member cannot open its savepoint', async () => {
    const { host } = scriptedHost(new Set(['SAVEPOINT legate_member']));
    const turns = new Turns(host);
    const { first } = await firstAndJoining(turns);
    await expect(turns.begin()).rejects.toMatchObject({ code: 'ERR_STORE', message: 'SAVEPOINT legate_member failed' });
    turns.release();
    await expect(first).rejects.toMatchObject({ code: 'ERR_STORE', message: 'SAVEPOINT legate_member failed' });
  });

  it('fails a member whose savepoint cannot be released, and with it the group, whose savepoint then cannot be released either', async () => {
    const { host, ran } = scriptedHost(new Set(['RELEASE legate_member']));
    const turns = new Turns(host);
    const { first } = await firstAndJoining(turns);
    await turns.begin();
    await expect(turns.end()).rejects.toMatchObject({ code: 'ERR_STORE', message: 'RELEASE legate_member failed' });
    turns.release();
    // Its savepoint was rolled back, but could not be released: the group's transaction is undone as a whole.
    expect(ran).toEqual(['BEGIN IMMEDIATE', 'SAVEPOINT legate_member', 'RELEASE legate_member', 'ROLLBACK TO legate_member', 'RELEASE legate_member', 'ROLLBACK']);
    await expect(first).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(first).rejects.toThrow('could not be undone alone');
  });

  it('closes the connection when a failed COMMIT cannot be rolled back, failing every member', async () => {
    const { host, state } = scriptedHost(new Set(['COMMIT', 'ROLLBACK']));
    const turns = new Turns(host);
    const { first: committed } = await firstAndJoining(turns);
    turns.release();
    await expect(committed).rejects.toMatchObject({ code: 'ERR_STORE', message: 'COMMIT failed' });
    expect(state.closed).toBe(true);
    expect(turns.commits).toBe(0);
  });

  it('refuses a bulk member into an open group (ERR_STORE), and commits a bulk group before a waiting transaction begins', async () => {
    const { host, ran } = scriptedHost();
    const turns = new Turns(host);
    const { first } = await firstAndJoining(turns);
    await expect(turns.begin(true)).rejects.toMatchObject({ code: 'ERR_STORE', message: 'a bulk transaction cannot join a group' });
    // The caller that held the connection goes on as an ordinary member.
    await turns.begin();
    const second = turns.end();
    turns.release();
    await Promise.all([first, second]);
    await turns.acquire();
    await turns.begin(true);
    const bulk = turns.end();
    const waiting = turns.acquire(true);
    turns.release();
    await bulk;
    await waiting;
    await turns.begin();
    // The bulk group, alone and with no savepoint, committed; the waiting transaction opened a group of its own.
    expect(ran.slice(-3)).toEqual(['BEGIN IMMEDIATE', 'COMMIT', 'BEGIN IMMEDIATE']);
    const third = turns.end();
    turns.release();
    await third;
  });

  it('refuses to end a member with no group open (ERR_STORE)', async () => {
    const { host } = scriptedHost();
    await expect(new Turns(host).end()).rejects.toMatchObject({ code: 'ERR_STORE', message: 'the transaction was aborted' });
  });

  it(`tries a lock another connection holds at least every 20 ms, and gives up after ${BUSY_TIMEOUT_MS} ms with reason busy`, async () => {
    vi.useFakeTimers();
    const { host, ran } = scriptedHost(new Set(['BEGIN IMMEDIATE']));
    const turns = new Turns(host);
    await turns.acquire(true);
    const beginning = turns.begin();
    const refused = expect(beginning).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'busy' });
    await vi.advanceTimersByTimeAsync(BUSY_TIMEOUT_MS + 100);
    await refused;
    turns.release();
    // Pauses 1, 2, 4, 8, 16, then 20 ms: about 250 tries in 5 s (doubling without a bound would make 13).
    const tries = ran.filter((sql) => sql === 'BEGIN IMMEDIATE').length;
    expect(tries).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS / 20);
    expect(tries).toBeLessThanOrEqual(BUSY_TIMEOUT_MS / 20 + 10);
  });
});
