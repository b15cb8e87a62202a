/**
 * @module store/postgres/changes
 *
 * The change feed behind a PostgreSQL store's `changeStamp()`: one
 * dedicated connection LISTENs on channel `legate_change`, which statement
 * triggers on `keys`, `settings`, `status_lists`, `trust_list` and `agents`
 * notify (PostgreSQL migrations 4, 5 and 13). PostgreSQL delivers a notification when the writing
 * transaction commits, from any connection of any instance; each one
 * received moves the stamp on. The writes of this process move it on
 * without waiting for their notification (the driver counts them, see
 * `PgDriver.localChanges`), so a node reads its own writes at once.
 *
 * How stale a kept value can be: by the notification's latency after the
 * other instance's commit (a loopback round trip and a turn of this
 * process's event loop; milliseconds), as long as the feed listens. The
 * stamp is undefined (nothing may be kept) before the first LISTEN, while
 * the connection is down, and whenever the connection has not answered a
 * heartbeat (`SELECT 1`, every `heartbeatMs`) for two heartbeats, so a
 * connection lost silently stops caching within about `2 × heartbeatMs`.
 * Each time the feed listens again, on a fresh connection, its epoch moves
 * on: whatever was kept before is dropped, notifications missed meanwhile
 * do not matter. Internal.
 */

import type pg from 'pg';

/** The channel the migration 4 triggers notify. */
export const CHANGE_CHANNEL = 'legate_change';

/** What the feed's connection is called in `pg_stat_activity`. */
export const CHANGE_FEED_APPLICATION = 'legate change feed';

export const DEFAULT_HEARTBEAT_MS = 5_000;
const FIRST_RETRY_MS = 100;

/** Options of {@link openChangeFeed}. */
export interface ChangeFeedOptions {
  /** How often the connection must prove it is alive (default {@link DEFAULT_HEARTBEAT_MS}). */
  heartbeatMs?: number | undefined;
  /** Longest wait between two attempts to listen again (default: the heartbeat). */
  maxRetryMs?: number | undefined;
  /** A monotonic clock in ms (tests inject one). */
  now?: (() => number) | undefined;
}

export interface ChangeFeed {
  /** `epoch.notices` while listening and alive; undefined otherwise. */
  stamp(): string | undefined;
  /** Resolves once the first attempt to listen has ended (listening or not; an attempt gives up after a heartbeat). */
  readonly ready: Promise<void>;
  /** Stops listening for good. */
  close(): Promise<void>;
}

/**
 * Starts listening on `url` in the background; failures never throw, they
 * leave the stamp undefined and retry with backoff.
 */
export function openChangeFeed(driver: typeof pg, url: string, options: ChangeFeedOptions = {}): ChangeFeed {
  return new Feed(driver, url, options);
}

class Feed implements ChangeFeed {
  readonly ready: Promise<void>;
  readonly #driver: typeof pg;
  readonly #url: string;
  readonly #heartbeatMs: number;
  readonly #maxRetryMs: number;
  readonly #now: () => number;
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  #epoch = 0;
  #notices = 0;
  #aliveAt = 0;
  #beating = false;
  #retryMs = FIRST_RETRY_MS;
  #retry: NodeJS.Timeout | undefined;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(driver: typeof pg, url: string, options: ChangeFeedOptions) {
    this.#driver = driver;
    this.#url = url;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#maxRetryMs = options.maxRetryMs ?? this.#heartbeatMs;
    this.#now = options.now ?? (() => performance.now());
    this.#heartbeat = setInterval(() => void this.#beat(), this.#heartbeatMs).unref();
    this.ready = this.#listen();
  }

  stamp(): string | undefined {
    if (!this.#listening) return undefined;
    if (this.#now() - this.#aliveAt > 2 * this.#heartbeatMs) return undefined;
    return `${this.#epoch}.${this.#notices}`;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#drop();
    await client?.end().catch(() => undefined);
  }

  /** One attempt: connect, LISTEN, then count notices; on failure, try again later. */
  async #listen(): Promise<void> {
    this.#retry = undefined;
    if (this.#closed) return;
    const client = new this.#driver.Client({ connectionString: this.#url, application_name: CHANGE_FEED_APPLICATION, keepAlive: true, connectionTimeoutMillis: this.#heartbeatMs, query_timeout: this.#heartbeatMs });
    this.#client = client;
    const lost = () => this.#lost(client);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL && client === this.#client) this.#notices++;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch {
      lost();
      return;
    }
    if (client !== this.#client) return;
    // A fresh connection may have missed notices: a stamp never seen before.
    this.#epoch++;
    this.#aliveAt = this.#now();
    this.#listening = true;
    this.#retryMs = FIRST_RETRY_MS;
  }

  /** The heartbeat: a connection that does not answer within one is given up, and the feed listens again. */
  async #beat(): Promise<void> {
    const client = this.#client;
    if (!this.#listening || client === undefined || this.#beating) return;
    this.#beating = true;
    try {
      await client.query('SELECT 1');
      if (client === this.#client) this.#aliveAt = this.#now();
    } catch {
      this.#lost(client);
    } finally {
      this.#beating = false;
    }
  }

  #drop(): void {
    this.#client = undefined;
    this.#listening = false;
  }

  #lost(client: pg.Client): void {
    if (client !== this.#client) return;
    this.#drop();
    client.end().catch(() => undefined);
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => void this.#listen(), this.#retryMs).unref();
    this.#retryMs = Math.min(this.#retryMs * 2, this.#maxRetryMs);
  }
}
