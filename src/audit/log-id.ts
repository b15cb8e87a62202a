/**
 * @module audit/log-id
 *
 * The id of one audit log: a random `urn:uuid:` made with the log's first
 * checkpoint and kept in the store's settings. Every checkpoint names it
 * (`log`), so a checkpoint the organization signed for another log (another
 * node, a test install, an earlier store) cannot be planted in this one. A
 * fleet that shares one store shares one log and one id.
 */

import { randomUUID } from 'node:crypto';
import type { Store } from '../store/types.js';

/** The setting that holds the id. */
export const AUDIT_LOG_ID_SETTING = 'audit.log-id';

/** Longest log id accepted in a checkpoint, in characters. */
export const MAX_LOG_ID = 256;

/** The log's id, or undefined before its first checkpoint (or in a log from before ids). */
export async function auditLogId(store: Store): Promise<string | undefined> {
  return store.getSetting(AUDIT_LOG_ID_SETTING);
}

/** The log's id, made now if it has none. Call inside the transaction that writes the checkpoint. */
export async function ensureAuditLogId(store: Store): Promise<string> {
  const existing = await store.getSetting(AUDIT_LOG_ID_SETTING);
  if (existing !== undefined) return existing;
  const id = `urn:uuid:${randomUUID()}`;
  await store.putSetting(AUDIT_LOG_ID_SETTING, id);
  return id;
}
