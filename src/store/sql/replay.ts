/**
 * @module store/sql/replay
 *
 * One-time keys over a {@link SqlExecutor}. A claim is one statement: an
 * insert that, on a key already held, takes it over only when the holder's
 * claim has expired by `now` (`ON CONFLICT … DO UPDATE … WHERE`); the key is
 * claimed iff a row comes back. The primary key makes it atomic across
 * connections and instances: of two concurrent claims one inserts, the other
 * waits for it and then sees an unexpired claim. Expired rows are deleted by
 * `sweep`, and where the backend asks (`SqlDriverHooks.replayPurgeDue`)
 * every so many claims, at most {@link MAX_PURGED} at a time. Internal.
 */

import type { ReplayRepository } from '../ports/replay.js';
import { boundedDelete, type SqlExecutor } from './executor.js';

/**
 * Most expired keys one purge deletes. Purges come every few hundred claims
 * (`SqlDriverHooks.replayPurgeDue`), so this drains a backlog (a node
 * restarted after a long stop finds every key expired) a bounded piece at a
 * time, inside the claim's transaction, rather than all in one.
 */
export const MAX_PURGED = 1024;
const PURGE = boundedDelete('one_time_keys', 'key', 'expires_at <= ?');

/** Most keys one claiming statement names (a message has a few; more are claimed in further statements). */
const MAX_KEYS_PER_STATEMENT = 32;

/** The index at which a key is named a second time (a replay within the message itself), or -1. */
function repeatedAt(keys: readonly string[]): number {
  const seen = new Set<string>();
  for (let i = 0; i < keys.length; i++) {
    if (seen.has(keys[i]!)) return i;
    seen.add(keys[i]!);
  }
  return -1;
}

export function createReplayRepository(exec: SqlExecutor): ReplayRepository {
  return {
    async claimOnce(key, expiresAt, now) {
      // Expired keys never block a claim (the upsert takes them over); a backend may still bound the table between sweeps.
      if (exec.hooks?.replayPurgeDue?.() === true) await exec.run(PURGE, [now, MAX_PURGED]);
      const claimed = await exec.get(
        `INSERT INTO one_time_keys (key, expires_at) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE one_time_keys.expires_at <= ?
         RETURNING key`,
        [key, expiresAt, now],
      );
      return claimed !== undefined;
    },
    async claimEach(keys, expiresAt, now) {
      // A key named twice is a replay at its second index; the distinct keys before it are claimed as usual.
      const repeated = repeatedAt(keys);
      const distinct = repeated === -1 ? keys : keys.slice(0, repeated);
      if (exec.hooks?.replayPurgeDue?.() === true) await exec.run(PURGE, [now, MAX_PURGED]);
      for (let start = 0; start < distinct.length; start += MAX_KEYS_PER_STATEMENT) {
        const part = distinct.slice(start, start + MAX_KEYS_PER_STATEMENT);
        const rows = await exec.all<{ key: string }>(
          `INSERT INTO one_time_keys (key, expires_at) VALUES ${part.map(() => '(?, ?)').join(', ')}
           ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE one_time_keys.expires_at <= ?
           RETURNING key`,
          [...part.flatMap((key) => [key, expiresAt]), now],
        );
        if (rows.length < part.length) {
          const claimed = new Set(rows.map((row) => row.key));
          return start + part.findIndex((key) => !claimed.has(key));
        }
      }
      return repeated;
    },
    async firstClaimed(keys, now) {
      // As claimEach answers: the distinct keys before a repeat are looked up; the repeat itself is a replay.
      const repeated = repeatedAt(keys);
      const distinct = repeated === -1 ? keys : keys.slice(0, repeated);
      for (let start = 0; start < distinct.length; start += MAX_KEYS_PER_STATEMENT) {
        const part = distinct.slice(start, start + MAX_KEYS_PER_STATEMENT);
        const rows = await exec.all<{ key: string }>(`SELECT key FROM one_time_keys WHERE key IN (${part.map(() => '?').join(', ')}) AND expires_at > ?`, [...part, now]);
        if (rows.length > 0) {
          const claimed = new Set(rows.map((row) => row.key));
          return start + part.findIndex((key) => claimed.has(key));
        }
      }
      return repeated;
    },
  };
}
