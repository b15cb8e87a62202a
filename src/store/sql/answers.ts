/**
 * @module store/sql/answers
 *
 * Stored answers for retries (idempotency) over a {@link SqlExecutor}.
 * Taking a key is one upsert whose `WHERE` only lets an expired answer be
 * replaced, so two requests racing on one key (on any instance) cannot both
 * store one; the key was taken iff a row comes back. Internal.
 */

import type { IdempotencyRepository } from '../ports/idempotency.js';
import { deleteInBatches, type SqlExecutor } from './executor.js';

interface AnswerRow {
  key: string;
  request_hash: string;
  answer: string;
  expires_at: string;
}

export function createIdempotencyRepository(exec: SqlExecutor): IdempotencyRepository {
  return {
    async getAnswer(key, now) {
      const row = await exec.get<AnswerRow>('SELECT key, request_hash, answer, expires_at FROM answers WHERE key = ? AND expires_at > ?', [key, now]);
      return row && { key: row.key, requestHash: row.request_hash, answer: row.answer, expiresAt: row.expires_at };
    },
    async putAnswer(a, now) {
      const stored = await exec.get(
        `INSERT INTO answers (key, request_hash, answer, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, answer = excluded.answer, expires_at = excluded.expires_at
         WHERE answers.expires_at <= ?
         RETURNING key`,
        [a.key, a.requestHash, a.answer, a.expiresAt, now],
      );
      return stored !== undefined;
    },
    sweepAnswers(now) {
      return deleteInBatches(exec, 'answers', 'key', 'expires_at <= ?', [now]);
    },
  };
}
