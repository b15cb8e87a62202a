/**
 * @module store/sqlite/answers
 *
 * The SQLite side of `store/ports/idempotency`: stored answers by key, each
 * with an expiry. Taking a key is one UPSERT whose WHERE only lets an
 * expired row be replaced, so two requests racing on one key cannot both
 * store an answer. Internal.
 */

import type { Database } from 'better-sqlite3';
import type { StoredAnswer } from '../ports/idempotency.js';

interface AnswerRow {
  key: string;
  request_hash: string;
  answer: string;
  expires_at: string;
}

export class AnswerStatements {
  readonly #get;
  readonly #put;
  readonly #sweep;

  constructor(db: Database) {
    this.#get = db.prepare<[string, string], AnswerRow>('SELECT key, request_hash, answer, expires_at FROM answers WHERE key = ? AND expires_at > ?');
    this.#put = db.prepare<AnswerRow & { now: string }>(
      `INSERT INTO answers (key, request_hash, answer, expires_at) VALUES (@key, @request_hash, @answer, @expires_at)
       ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, answer = excluded.answer, expires_at = excluded.expires_at
       WHERE answers.expires_at <= @now`,
    );
    this.#sweep = db.prepare<[string]>('DELETE FROM answers WHERE expires_at <= ?');
  }

  getAnswer(key: string, now: string): StoredAnswer | undefined {
    const row = this.#get.get(key, now);
    return row && { key: row.key, requestHash: row.request_hash, answer: row.answer, expiresAt: row.expires_at };
  }

  putAnswer(answer: StoredAnswer, now: string): boolean {
    const row = { key: answer.key, request_hash: answer.requestHash, answer: answer.answer, expires_at: answer.expiresAt, now };
    return this.#put.run(row).changes === 1;
  }

  sweepAnswers(now: string): number {
    return this.#sweep.run(now).changes;
  }
}
