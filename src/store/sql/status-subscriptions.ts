/**
 * @module store/sql/status-subscriptions
 *
 * Subscriptions to this node's status lists over a {@link SqlExecutor}. A
 * subscription takes one lock (a no-op on SQLite, whose write transaction
 * is exclusive) so the counts that decide the bounds and the write are one
 * decision across the instances of a fleet. Internal.
 */

import type { StatusSubscriptionRepository } from '../ports/status-subscriptions.js';
import type { SqlExecutor } from './executor.js';

/** The one lock every subscription takes: the total bound spans all subscribers. */
const SUBSCRIPTIONS_LOCK = 'status-subscriptions';

export function createStatusSubscriptionRepository(exec: SqlExecutor): StatusSubscriptionRepository {
  const count = async (sql: string, params: readonly string[]) => Number((await exec.get<{ n: number | string }>(sql, params))?.n ?? 0);
  return {
    async putStatusSubscriptions(subscriber, listIds, expiresAt, now, bounds) {
      await exec.lock(SUBSCRIPTIONS_LOCK);
      await exec.run('DELETE FROM status_subscriptions WHERE expires_at <= ?', [now]);
      const held = new Set(
        (await exec.all<{ list_id: string }>('SELECT list_id FROM status_subscriptions WHERE subscriber = ?', [subscriber])).map((row) => row.list_id),
      );
      const added = [...new Set(listIds)].filter((id) => !held.has(id));
      if (held.size + added.length > bounds.perSubscriber) return 'per-subscriber';
      if ((await count('SELECT COUNT(*) AS n FROM status_subscriptions', [])) + added.length > bounds.total) return 'total';
      for (const listId of new Set(listIds)) {
        await exec.run(
          `INSERT INTO status_subscriptions (subscriber, list_id, expires_at, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (subscriber, list_id) DO UPDATE SET expires_at = excluded.expires_at`,
          [subscriber, listId, expiresAt, now],
        );
      }
      return 'subscribed';
    },
    async listStatusSubscribers(listId, now) {
      const rows = await exec.all<{ subscriber: string }>(
        'SELECT subscriber FROM status_subscriptions WHERE list_id = ? AND expires_at > ? ORDER BY subscriber',
        [listId, now],
      );
      return rows.map((row) => row.subscriber);
    },
  };
}
