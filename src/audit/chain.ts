/**
 * @module audit/chain
 *
 * Which chain an audit log appends to. Every writer appends to a chain of its
 * own (DESIGN.md, "The audit log under many writers"), so appends never wait
 * on each other: a PostgreSQL node instance makes a fresh chain per process
 * (`newAuditChainId`, kept on the instance); a log with no chain of its own
 * (a single SQLite node, a plain store handle) appends to the store's chain,
 * whose id is kept in the store's settings and made on the first append, so
 * a single-instance node keeps one chain across restarts. A store that
 * logged before chains existed holds its entries in chain
 * {@link LEGACY_AUDIT_CHAIN}, and keeps appending there.
 */

import { randomUUID } from 'node:crypto';
import { legateError } from '../errors/index.js';
import type { Store } from '../store/types.js';

/** The setting that names the store's own chain. */
export const AUDIT_CHAIN_SETTING = 'audit.chain-id';

/**
 * The setting that names the checkpoint the log was last pruned behind
 * (`node/audit-prune`): each chain's entries before the head it signs are
 * gone, so verifying and exporting start there unless told otherwise.
 */
export const AUDIT_PRUNED_SETTING = 'audit.pruned-through';

/** The checkpoint `seq` the log was pruned behind, if it ever was. */
export async function prunedThrough(store: Pick<Store, 'getSetting'>): Promise<number | undefined> {
  const value = await store.getSetting(AUDIT_PRUNED_SETTING);
  const seq = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

/**
 * The checkpoint reading the whole log starts at: the one asked for, else
 * the one it was pruned behind (undefined: the first entry).
 *
 * @throws LegateError `ERR_NOT_FOUND` (`reason: 'pruned'`) for a checkpoint
 *   before the one the log was pruned behind: the entries after it are gone.
 */
export async function auditStart(store: Pick<Store, 'getSetting'>, fromCheckpoint: number | undefined): Promise<number | undefined> {
  const pruned = await prunedThrough(store);
  if (pruned === undefined || fromCheckpoint === undefined) return fromCheckpoint ?? pruned;
  if (fromCheckpoint < pruned) {
    throw legateError('ERR_NOT_FOUND', `the audit log was pruned behind checkpoint ${pruned}: the entries after checkpoint ${fromCheckpoint} are in the bundle exported then`, {
      claim: 'from',
      reason: 'pruned',
    });
  }
  return fromCheckpoint;
}

/** The chain the entries written before chains existed were moved to (schema migration). */
export const LEGACY_AUDIT_CHAIN = 'main';

/** Longest chain id accepted, in characters. */
export const MAX_CHAIN_ID = 256;

/** A fresh chain id, `urn:uuid:…`. */
export function newAuditChainId(): string {
  return `urn:uuid:${randomUUID()}`;
}

/** The store's own chain id, made now if it has none. Call inside the append's transaction. */
export async function storeAuditChain(store: Store, memo?: { storeChain?: string }): Promise<string> {
  if (memo?.storeChain !== undefined) return memo.storeChain;
  const existing = await store.getSetting(AUDIT_CHAIN_SETTING);
  // Kept only once read back committed: an id made here may still roll back with its transaction.
  if (existing !== undefined) return memo === undefined ? existing : (memo.storeChain = existing);
  const id = newAuditChainId();
  await store.putSetting(AUDIT_CHAIN_SETTING, id);
  return id;
}

/** What reading one chain needs: entries of that chain only, by `seq`. */
export type AuditReader = Pick<Store, 'listAuditEntries'>;

/** A reader that sees only `chain`'s entries. */
export function chainReader(store: AuditReader, chain: string): AuditReader {
  return { listAuditEntries: (query = {}) => store.listAuditEntries({ ...query, chain }) };
}
