/**
 * @module store/sql/trust-list
 *
 * The published trust list over a {@link SqlExecutor}: table `trust_list`,
 * one row. Inside a transaction, reading it takes its lock
 * ({@link lockKey}): the version read is the one the next publication
 * increments, and two instances must not both publish one version. Internal.
 */

import type { TrustListRepository } from '../ports/trust-list.js';
import { lockKey, type SqlExecutor } from './executor.js';

interface TrustListRow {
  version: number | string;
  token: string;
  published_at: string;
  valid_until: string | null;
}

export function createTrustListRepository(exec: SqlExecutor): TrustListRepository {
  return {
    async getTrustList() {
      await exec.lock(lockKey.trustList());
      const row = await exec.get<TrustListRow>('SELECT version, token, published_at, valid_until FROM trust_list WHERE id = 1');
      if (row === undefined) return undefined;
      return { version: Number(row.version), token: row.token, publishedAt: row.published_at, ...(row.valid_until === null ? {} : { validUntil: row.valid_until }) };
    },
    async putTrustList(list) {
      await exec.run(
        `INSERT INTO trust_list (id, version, token, published_at, valid_until) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, token = excluded.token, published_at = excluded.published_at, valid_until = excluded.valid_until`,
        [list.version, list.token, list.publishedAt, list.validUntil ?? null],
      );
    },
  };
}
