/**
 * @module store/sqlite/turns
 *
 * Whose turn it is on one better-sqlite3 connection, and group commit.
 *
 * better-sqlite3 is synchronous: a transaction holds the connection from
 * its first statement to its last while its function awaits, and every
 * other caller waits its turn, first come first served.
 *
 * Write transactions that take their turns one after another share one
 * outer transaction (`BEGIN IMMEDIATE`) and one `COMMIT`: a group. Each
 * runs in a savepoint of its own, released when its function returns, and
 * its caller hears of it only once the group's `COMMIT` has succeeded. A
 * member that fails rolls back to its savepoint, undoing its own writes and
 * no one else's, and fails at once. The group commits:
 * - at the end of the event loop's turn (`setImmediate`), so transactions
 *   that arrive together (the requests read in one turn) commit together;
 * - before a statement outside any transaction takes its turn, which
 *   therefore never sees a member's writes before they are committed;
 * - when {@link MAX_GROUP} members have joined.
 *
 * A `COMMIT` that fails fails every member: none of their writes stays, and
 * none of their callers was told otherwise. Durability is unchanged: a
 * caller is answered after the `COMMIT` its writes are in, as before.
 *
 * Why: a `COMMIT` writes every page its transaction changed to the WAL (a
 * frame of 4 KiB each), and transactions that arrive together change the
 * same pages: the audit log's last pages, its index's, the one-time keys'
 * newest. One `COMMIT` for several writes each such page once.
 *
 * A statement outside any transaction that writes runs as a member of its
 * own, so it groups too.
 *
 * The write lock on the file is held until the group commits, up to the
 * end of the turn. Waiting for it must not block the event loop: another
 * store on the same file in this process (the CLI's commands run in one
 * beside `legate serve` in tests) could then never see this one's group
 * commit. So a group's `BEGIN IMMEDIATE` never waits inside SQLite: while
 * another connection holds the lock it is tried again on a timer, for at
 * most {@link BUSY_TIMEOUT_MS}, and the event loop runs meanwhile (another
 * process's lock used to block it for as long). Internal.
 */

import { legateError } from '../../errors/index.js';

/** How long a write waits for another connection's lock on the file before failing with `ERR_STORE` (reason `busy`). */
export const BUSY_TIMEOUT_MS = 5000;

/** Longest pause between two tries of a lock held by another connection, ms. */
const MAX_BUSY_PAUSE_MS = 20;

/** Most transactions in one group: bounds what one failed `COMMIT` undoes, and the wait of the last to join. */
export const MAX_GROUP = 64;

/**
 * Groups in a row with one member each after which a group commits as soon
 * as its member returns, without waiting for the end of the turn: one
 * caller writing one transaction after another (an issuance loop) has no
 * company to wait for, and the wait would cost it the turn.
 */
export const ALONE_AFTER = 8;

/** While groups commit at once, every this-many-th still waits for the end of the turn, to notice company. */
export const PROBE_EVERY = 16;

/** The savepoint each member of a group runs in (nested transactions use `legate_tx_<depth>`). */
const MEMBER = 'legate_member';

/** What the turns need of the connection they order. */
export interface TurnHost {
  /** Runs a transaction-control statement; throws what it throws, as a Legate error. */
  control(sql: string, operation: string): void;
  /** `BEGIN IMMEDIATE` without waiting for a lock another connection holds: false when it does. */
  tryBeginImmediate(): boolean;
  /** Runs one on a cleanup path, reporting failure instead of throwing. */
  tryControl(sql: string): boolean;
  /** Whether SQLite has a transaction open on the connection. */
  readonly inTransaction: boolean;
  /** Writes were undone: forget anything remembered of them. */
  rolledBack(): void;
  /** Closes the connection (after a `ROLLBACK` that failed: its state is unknown). */
  close(): void;
}

interface Waiter {
  /** A write transaction, which may join an open group. */
  transaction: boolean;
  resume: () => void;
}

interface Member {
  resolve: () => void;
  reject: (error: Error) => void;
}

const now = Promise.resolve();

export class Turns {
  readonly #host: TurnHost;
  /** Whether a caller (a member, a statement, an exclusive operation) has the connection. */
  #held = false;
  readonly #waiting: Waiter[] = [];
  /** The open group's members that have returned, waiting for its `COMMIT`; undefined when no group is open. */
  #group: Member[] | undefined;
  #commitQueued = false;
  /** Whether the running member has a savepoint: not the group's first, which is alone in it and fails by `ROLLBACK`. */
  #savepoint = false;
  /** The open group takes no one else: its one member is a bulk transaction, committed as soon as it returns. */
  #sealed = false;
  /** Groups in a row that had one member ({@link ALONE_AFTER}). */
  #alone = 0;
  /** Groups committed at once since the last that waited for the end of the turn ({@link PROBE_EVERY}). */
  #sinceWait = 0;
  /** Groups committed so far. */
  commits = 0;

  constructor(host: TurnHost) {
    this.#host = host;
  }

  /** Whether a statement outside any transaction must wait: a caller has the connection, or a group is open. */
  get busy(): boolean {
    return this.#held || this.#group !== undefined;
  }

  /**
   * Takes the connection, after every earlier taker has let it go. A write
   * transaction (`transaction`) joins an open group; anything else waits for
   * the group to commit.
   */
  acquire(transaction = false): Promise<void> {
    const group = this.#group;
    if (!this.#held && this.#waiting.length === 0 && (group === undefined || (transaction && group.length < MAX_GROUP))) {
      this.#held = true;
      return now;
    }
    return new Promise((resume) => this.#waiting.push({ transaction, resume }));
  }

  /** Lets the connection go: to the next transaction, into the open group; otherwise the group commits first. */
  release(): void {
    const group = this.#group;
    if (group !== undefined) {
      const next = this.#waiting[0];
      if (!this.#sealed && group.length < MAX_GROUP) {
        if (next?.transaction === true) {
          this.#waiting.shift();
          next.resume();
          return;
        }
        if (next === undefined && !this.#commitsAtOnce()) {
          this.#held = false;
          this.#queueCommit();
          return;
        }
      }
      this.#commit();
    }
    const next = this.#waiting.shift();
    if (next === undefined) this.#held = false;
    else next.resume();
  }

  /**
   * Begins a member (holding the connection): the first opens the group,
   * alone in it until it returns; a later one opens its savepoint.
   *
   * A `bulk` member (one that may change many pages: a sweep, a prune) must
   * have acquired the connection as anything but a transaction, so that no
   * group is open: it opens one that no one else joins, and that commits as
   * soon as it returns. It has no savepoint, so SQLite keeps no journal of
   * the pages it changes (in WAL mode a `ROLLBACK` drops them), where a
   * savepoint's journal would hold a copy of each in memory or a temporary
   * file until the `COMMIT`.
   */
  async begin(bulk = false): Promise<void> {
    this.#savepoint = this.#group !== undefined;
    if (bulk && this.#savepoint) throw legateError('ERR_STORE', 'a bulk transaction cannot join a group');
    if (!this.#savepoint) {
      await this.#beginImmediate();
      this.#group = [];
      this.#sealed = bulk;
      return;
    }
    try {
      this.#host.control(`SAVEPOINT ${MEMBER}`, 'transaction');
    } catch (error) {
      this.#fail(error as Error);
      throw error;
    }
  }

  /** Ends a member whose function returned: its savepoint is released; resolves once its group has committed. */
  async end(): Promise<void> {
    const group = this.#group;
    if (group === undefined) throw legateError('ERR_STORE', 'the transaction was aborted');
    try {
      if (this.#savepoint) this.#host.control(`RELEASE ${MEMBER}`, 'commit transaction');
    } catch (error) {
      this.abort();
      throw error;
    }
    return new Promise((resolve, reject) => group.push({ resolve, reject }));
  }

  /** Undoes a member that failed; if its writes cannot be undone alone, the whole group is undone and fails. */
  abort(): void {
    this.#host.rolledBack();
    if (this.#group === undefined) return;
    if (!this.#savepoint) {
      // The group's first member: no other is in it yet.
      this.#fail(legateError('ERR_STORE', 'the transaction was aborted'));
      return;
    }
    if (this.#host.inTransaction && this.#host.tryControl(`ROLLBACK TO ${MEMBER}`) && this.#host.tryControl(`RELEASE ${MEMBER}`)) return;
    this.#fail(legateError('ERR_STORE', 'a transaction could not be undone alone: the transactions committing with it were undone too'));
  }

  /** Whether a group with no one waiting to join commits now rather than at the end of the turn (see {@link ALONE_AFTER}). */
  #commitsAtOnce(): boolean {
    if (this.#alone < ALONE_AFTER || ++this.#sinceWait >= PROBE_EVERY) {
      this.#sinceWait = 0;
      return false;
    }
    return true;
  }

  /** `BEGIN IMMEDIATE`, tried again on a timer while another connection holds the lock (see the module comment). */
  async #beginImmediate(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let pause = 1; !this.#host.tryBeginImmediate(); pause = Math.min(2 * pause, MAX_BUSY_PAUSE_MS)) {
      if (Date.now() >= deadline) throw legateError('ERR_STORE', `the database stayed locked by another connection for ${BUSY_TIMEOUT_MS} ms`, { reason: 'busy' });
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  #queueCommit(): void {
    if (this.#commitQueued) return;
    this.#commitQueued = true;
    setImmediate(() => {
      this.#commitQueued = false;
      // Held: a member is running, and its release commits or queues this again.
      if (this.#held || this.#group === undefined) return;
      this.#held = true;
      this.#commit();
      this.release();
    });
  }

  #commit(): void {
    const group = this.#group ?? [];
    this.#group = undefined;
    this.#sealed = false;
    try {
      this.#host.control('COMMIT', 'commit transaction');
    } catch (error) {
      this.#undo();
      for (const member of group) member.reject(error as Error);
      return;
    }
    this.commits++;
    this.#alone = group.length > 1 ? 0 : this.#alone + 1;
    for (const member of group) member.resolve();
  }

  /** Undoes the open group and fails its members with `error`. */
  #fail(error: Error): void {
    const group = this.#group ?? [];
    this.#group = undefined;
    this.#sealed = false;
    this.#undo();
    for (const member of group) member.reject(error);
  }

  #undo(): void {
    this.#host.rolledBack();
    // A ROLLBACK that failed leaves the connection in an unknown state: never let later calls join it.
    if (!this.#host.inTransaction || this.#host.tryControl('ROLLBACK')) return;
    try {
      this.#host.close();
    } catch {
      // Closed all the same: every later call fails with ERR_STORE.
    }
  }
}
