/**
 * @module audit/append
 *
 * Appending to the audit log. Each log appends to its own chain
 * (`audit/chain`): the chain's last entry is read and the next one inserted
 * inside one store transaction, so appends to one chain serialize (and the
 * store refuses any `seq` but last + 1, also across processes) while appends
 * to different chains never wait on each other, and a crash leaves the whole
 * entry or none of it. A chain whose last entry is `chain-close` takes no
 * more entries. After the entry commits, a
 * checkpoint is written if one is due (every N entries or T seconds); a
 * checkpoint that fails (say, a locked key store) never undoes the entry: it
 * is reported, and tried again on the next append.
 */

import { LegateError, legateError } from '../errors/index.js';
import { systemClock } from '../lib/clock.js';
import { storeAuditChain } from './chain.js';
import { checkpointDue, writeCheckpoint } from './checkpoint.js';
import { checkAuditFields, hashAuditEntry, readAuditEntry } from './entry.js';
import { BEFORE_CHAINS, coverageOf } from './heads.js';
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
    const chain = log.chain ?? (await storeAuditChain(tx));
    const last = await tx.lastAuditEntry(chain);
    if (last !== undefined && readAuditEntry(last.entry)?.entry.type === 'chain-close') {
      throw legateError('ERR_CONFLICT', `audit chain ${chain.slice(0, 100)} is closed: it takes no more entries`, { claim: 'chain', reason: 'chain_closed' });
    }
    const now = clock();
    const entry: AuditEntry = { ...members, chainId: chain, seq: (last?.seq ?? 0) + 1, at: now.toISOString(), prevHash: last?.hash ?? GENESIS_HASH };
    const { text, hash } = hashAuditEntry(entry);
    await tx.appendAuditEntry({ chain, seq: entry.seq, at: entry.at, entry: text, hash, prevHash: entry.prevHash });
    let due = false;
    if (log.checkpoints !== undefined) {
      const previous = await tx.lastAuditCheckpoint();
      // A checkpoint from before chains covers the store's own chain, the one a log without a chain of its own appends to.
      const coverage = previous === undefined ? undefined : coverageOf(previous.token);
      const covered = coverage?.get(chain)?.seq ?? (log.chain === undefined ? coverage?.get(BEFORE_CHAINS)?.seq : undefined) ?? 0;
      due = await checkpointDue(tx, previous, entry.seq - covered, now, log.checkpoints.policy);
    }
    return { entry, hash, due };
  });
  const appended: AppendedAudit = { entry, hash };
  if (!due) return appended;
  try {
    const { checkpoint, created } = await writeCheckpoint(log, true);
    if (created && checkpoint !== undefined) appended.checkpoint = checkpoint;
  } catch (error) {
    // Another instance wrote the checkpoint first: it covers this entry's chain, or the next one will.
    if (error instanceof LegateError && error.code === 'ERR_CONFLICT') return appended;
    appended.checkpointError =
      error instanceof LegateError ? error : legateError('ERR_STORE', 'could not write an audit checkpoint', { cause: error });
  }
  return appended;
}
