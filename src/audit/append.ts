/**
 * @module audit/append
 *
 * Appending to the audit log. The last entry is read and the next one
 * inserted inside one store transaction, so concurrent appends serialize
 * (and the store refuses any `seq` but last + 1, also across processes), and
 * a crash leaves the whole entry or none of it. After the entry commits, a
 * checkpoint is written if one is due (every N entries or T seconds); a
 * checkpoint that fails (say, a locked key store) never undoes the entry: it
 * is reported, and tried again on the next append.
 */

import { LegateError, legateError } from '../errors/index.js';
import { systemClock } from '../lib/clock.js';
import { checkpointDue, writeCheckpoint } from './checkpoint.js';
import { checkAuditFields, hashAuditEntry } from './entry.js';
import { auditLogOf, type AuditTarget } from './log.js';
import { GENESIS_HASH, type AuditCheckpoint, type AuditEntry, type AuditFields } from './types.js';

/** What {@link appendAudit} wrote. */
export interface AppendedAudit {
  entry: AuditEntry;
  hash: string;
  /** The checkpoint written after this entry, if one was due. */
  checkpoint?: AuditCheckpoint;
  /** Why a due checkpoint could not be written; the entry is appended regardless. */
  checkpointError?: LegateError;
}

/**
 * Appends one entry and returns it with its hash. `target` is a node context
 * (its store, clock and organization key) or an {@link AuditLog}. To log in
 * the same transaction as the decision, pass a transaction view of the node
 * (one whose `store` is the transaction).
 *
 * @throws TypeError/RangeError for bad fields (nothing is written);
 *   StoreError when the store fails (nothing is written).
 *
 * @example
 * ```ts
 * await appendAudit(node, {
 *   type: 'action',
 *   decision: 'deny',
 *   action: 'call',
 *   resource: 'billing:refund',
 *   agent: subAgentDid,
 *   owner: 'mailto:carol@acme.example',
 *   chain: [subAgentDid, aliceDid, 'mailto:carol@acme.example'],
 *   credentials: [credentialId],
 *   reasons: ['ERR_REVOKED'],
 *   signedAction: jws,
 * });
 * ```
 */
export async function appendAudit(target: AuditTarget, fields: AuditFields): Promise<AppendedAudit> {
  const log = auditLogOf(target);
  const members = checkAuditFields(fields);
  const clock = log.clock ?? systemClock;
  const { entry, hash, due } = await log.store.transaction(async (tx) => {
    const last = await tx.lastAuditEntry();
    const now = clock();
    const entry: AuditEntry = { ...members, seq: (last?.seq ?? 0) + 1, at: now.toISOString(), prevHash: last?.hash ?? GENESIS_HASH };
    const { text, hash } = hashAuditEntry(entry);
    await tx.appendAuditEntry({ seq: entry.seq, at: entry.at, entry: text, hash, prevHash: entry.prevHash });
    const due =
      log.checkpoints !== undefined && (await checkpointDue(tx, await tx.lastAuditCheckpoint(), entry.seq, now, log.checkpoints.policy));
    return { entry, hash, due };
  });
  const appended: AppendedAudit = { entry, hash };
  if (!due) return appended;
  try {
    const { checkpoint, created } = await writeCheckpoint(log, true);
    if (created && checkpoint !== undefined) appended.checkpoint = checkpoint;
  } catch (error) {
    appended.checkpointError =
      error instanceof LegateError ? error : legateError('ERR_STORE', 'could not write an audit checkpoint', { cause: error });
  }
  return appended;
}
