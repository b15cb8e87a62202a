/**
 * @module store/ports/usage
 *
 * Uses of capabilities, which budgets and rate limits count.
 */

import type { UsageRecord } from '../types.js';

/** Usage rows by key and time. */
export interface UsageRepository {
  /** Records one use of a capability. */
  recordUsage(usage: UsageRecord): Promise<void>;
  /** Uses of `key` at or after `since`, oldest first (`expiresAt` is not returned). */
  listUsage(key: string, since: string): Promise<UsageRecord[]>;
}
