/**
 * @module store/sql/usage
 *
 * Uses of capabilities over a {@link SqlExecutor}, which budgets and rate
 * limits count. Reading a key's usage inside a transaction first takes that
 * key's lock ({@link lockKey}), held until the transaction ends: the node
 * reads usage, decides, and records the use in one transaction, so two
 * instances deciding on one budget take turns and never both pass it, while
 * decisions on other keys go on in parallel. Internal.
 */

import type { UsageRepository } from '../ports/usage.js';
import { lockKey, type SqlExecutor } from './executor.js';

interface UsageRow {
  key: string;
  at: string;
  amount: string | null;
  currency: string | null;
}

export function createUsageRepository(exec: SqlExecutor): UsageRepository {
  return {
    async recordUsage(usage) {
      await exec.run('INSERT INTO usage (key, at, amount, currency, expires_at) VALUES (?, ?, ?, ?, ?)', [
        usage.key,
        usage.at,
        usage.amount ?? null,
        usage.currency ?? null,
        usage.expiresAt ?? null,
      ]);
    },
    async listUsage(key, since) {
      await exec.lock(lockKey.usage(key));
      const rows = await exec.all<UsageRow>('SELECT key, at, amount, currency FROM usage WHERE key = ? AND at >= ? ORDER BY at, seq', [key, since]);
      return rows.map((row) => ({
        key: row.key,
        at: row.at,
        ...(row.amount === null ? {} : { amount: row.amount }),
        ...(row.currency === null ? {} : { currency: row.currency }),
      }));
    },
  };
}
