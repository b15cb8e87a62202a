/**
 * @module audit/append
 *
 * Appending to the audit log. Each log appends to its own chain
 * (`audit/chain`): the chain's last entry is read and the next one inserted
 * inside one store transaction, so appends to one chain serialize (and the
 * store refuses any `seq` but last + 1, also across processes) while appends
 * to different chains never wait on each other, and a crash leaves the whole
 * entry or none of it. A chain a log names starts with `chain-open`; a chain
 * whose last entry is `chain-close` takes no more entries. After the entry
 * commits, unless a scheduled job writes checkpoints (`inline: false`), a
 * checkpoint is written if one is due (every N entries or T seconds); a
 * checkpoint that fails (say, a locked key store) never undoes the entry: it
 * is reported, and tried again on the next append.
 */

import { LegateError, legateError } from '../errors/index.js';
import { systemClock } from '../lib/clock.js';
import { storeAuditChain } from './chain.js';
import { checkpointDue, writeCheckpoint } from './checkpoint.js';
import { checkAuditFields, hashAuditEntry, hashAuditEntryWithDigest, isChainClose, readAuditEntry } from './entry.js';
import { BEFORE_CHAINS, coverageOf } from './heads.js';
import { auditLogOf, type AuditTarget } from './log.js';
import type { AuditEntryRecord, AuditHeadRecord, Store } from '../store/types.js';
import { DigestMemo } from './memo.js';
import { sealCheckpointed } from './seal.js';
import { GENESIS_HASH, type AuditCheckpoint, type AuditEntry, type AuditFields, type AuditLog, type AuditMemo } from './types.js';

/**
 * Writes `chain-open`, entry 1 of a chain a log names. It takes the
 * checkpoints' lock and records the last checkpoint's `seq`
 * (`afterCheckpoint`): every checkpoint written after that one sees the
 * chain, which is how a checkpoint writer tells a chain closed and dropped
 * long ago from one opened and closed since the last checkpoint
 * (`audit/checkpoint`).
 */
async function openChain(tx: Store, log: AuditLog, chain: string, now: Date): Promise<AuditEntryRecord> {
  const previous = await tx.lastAuditCheckpoint({ lock: true });
  const details = { ...log.opening, ...(previous === undefined ? {} : { afterCheckpoint: previous.seq }) };
  const members = checkAuditFields({ type: 'chain-open', details });
  const entry: AuditEntry = { ...members, chainId: chain, seq: 1, at: now.toISOString(), prevHash: GENESIS_HASH };
  const { text, hash } = hashAuditEntry(entry);
  const record = { chain, seq: 1, at: entry.at, entry: text, hash, prevHash: GENESIS_HASH };
  await tx.appendAuditEntry(record);
  return record;
}

/** The `afterCheckpoint` of a chain's `chain-open`, which its `chain-close` repeats so a checkpoint writer reads it from the head alone. */
async function openedAfter(tx: Store, chain: string): Promise<number | undefined> {
  const [first] = await tx.listAuditEntries({ chain, fromSeq: 1, toSeq: 1 });
  const open = first === undefined ? undefined : readAuditEntry(first.entry)?.entry;
  const after = open?.type === 'chain-open' ? open.details?.afterCheckpoint : undefined;
  return typeof after === 'number' && Number.isSafeInteger(after) ? after : undefined;
}

/** Whether a chain's head is its `chain-close` (a packed head, with no text, never is). */
const isClosedHead = (head: AuditHeadRecord): boolean => head.entry !== undefined && isChainClose({ entry: head.entry });

/** {@link coverageOf} of `token`, kept in `memo` while the last checkpoint stays the same. */
function memoizedCoverage(memo: AuditMemo | undefined, token: string): ReadonlyMap<string, { seq: number; state: 'open' | 'closed' }> {
  if (memo?.coverage?.token === token) return memo.coverage.covered;
  const covered = coverageOf(token);
  if (memo !== undefined) memo.coverage = { token, covered };
  return covered;
}

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
 * @throws TypeError/RangeError for bad fields, InputError
 *   `ERR_INVALID_ARGUMENT` for `type: 'chain-open'` (nothing is written);
 *   `ERR_CONFLICT` (`reason: 'chain_closed'`) when the chain is closed;
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
  if (members.type === 'chain-open') {
    throw legateError('ERR_INVALID_ARGUMENT', 'chain-open is written by the log itself, as the first entry of a chain', { claim: 'type' });
  }
  const clock = log.clock ?? systemClock;
  const body = async (tx: Store) => {
    const chain = log.chain ?? (await storeAuditChain(tx, log.memo));
    const head = await tx.auditHead(chain);
    try {
      return await appendOn(tx, chain, head);
    } catch (error) {
      // A head the store remembered went stale (another writer, a rollback): it refused the append, wrote nothing and
      // forgot that head. Once more, on the head as stored. A refusal with a cause is a driver's conflict (a unique
      // key met), which may have aborted the transaction: never retried.
      if (head?.remembered !== true || !(error instanceof LegateError) || error.reason !== 'not_next' || error.cause !== undefined) throw error;
      return appendOn(tx, chain, await tx.auditHead(chain));
    }
  };
  const appendOn = async (tx: Store, chain: string, head: AuditHeadRecord | undefined) => {
    if (head !== undefined && isClosedHead(head)) {
      throw legateError('ERR_CONFLICT', `audit chain ${chain.slice(0, 100)} is closed: it takes no more entries`, { claim: 'chain', reason: 'chain_closed' });
    }
    const now = clock();
    const last = head ?? (log.chain === undefined ? undefined : await openChain(tx, log, chain, now));
    // A chain-close repeats its chain-open's afterCheckpoint (see openedAfter).
    const after = members.type === 'chain-close' && last !== undefined ? await openedAfter(tx, chain) : undefined;
    const entry: AuditEntry = {
      ...members,
      ...(after === undefined ? {} : { details: { ...members.details, afterCheckpoint: after } }),
      chainId: chain,
      seq: (last?.seq ?? 0) + 1,
      at: now.toISOString(),
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const { text, hash, digest } = hashAuditEntryWithDigest(entry);
    await tx.appendAuditEntry({ chain, seq: entry.seq, at: entry.at, entry: text, hash, prevHash: entry.prevHash });
    if (log.memo !== undefined) (log.memo.digests ??= new DigestMemo()).remember(chain, entry.seq, hash, digest);
    let due = false;
    if (log.checkpoints !== undefined && log.checkpoints.inline !== false) {
      const previous = await tx.lastAuditCheckpoint();
      // A checkpoint from before chains covers the store's own chain, the one a log without a chain of its own appends to.
      const coverage = previous === undefined ? undefined : memoizedCoverage(log.memo, previous.token);
      const covered = coverage?.get(chain)?.seq ?? (log.chain === undefined ? coverage?.get(BEFORE_CHAINS)?.seq : undefined) ?? 0;
      due = await checkpointDue(tx, previous, entry.seq - covered, now, log.checkpoints.policy);
    }
    return { entry, hash, due };
  };
  // An enclosed append's failure fails its caller's transaction, which undoes whatever it wrote: no savepoint needed.
  const { entry, hash, due } = log.enclosed === true ? await body(log.store) : await log.store.transaction(body);
  const appended: AppendedAudit = { entry, hash };
  if (!due) return appended;
  try {
    const { checkpoint, created } = await writeCheckpoint(log, true);
    if (created && checkpoint !== undefined) {
      appended.checkpoint = checkpoint;
      // What the checkpoint covers is written and signed either way; a block not sealed now is sealed after the next one.
      await sealCheckpointed(log.store, checkpoint.token).catch(() => 0);
    }
  } catch (error) {
    // Another instance wrote the checkpoint first: it covers this entry's chain, or the next one will.
    if (error instanceof LegateError && error.code === 'ERR_CONFLICT') return appended;
    appended.checkpointError =
      error instanceof LegateError ? error : legateError('ERR_STORE', 'could not write an audit checkpoint', { cause: error });
  }
  return appended;
}
