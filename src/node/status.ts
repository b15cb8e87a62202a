/**
 * @module node/status
 *
 * Revocation and suspension for the credentials this node issues, with W3C
 * Bitstring Status Lists: the wiring of `status/policy` to the node's store
 * and keys. Every credential gets one entry per purpose at the next
 * position of the list's order, a random permutation of its indexes under
 * a seed of its own (`status/index-order`: herd privacy, and never an index
 * twice), recorded in the same transaction that records the credential.
 * The position comes from those this instance took ahead in a committed
 * transaction of their own (`status/leases`, {@link leaseStatusPositions}),
 * or else from the list's cursor in that same transaction.
 * Each change re-signs the list, so its published form (and ETag) changes
 * with it.
 *
 * Reading never writes: {@link publishedStatusList} and
 * {@link localStatusLists} serve the stored signed list as it is. Keeping
 * lists signed before they expire is the re-signing job's (`node/status-refresh`).
 */

import { legateError } from '../errors/index.js';
import type { StatusEntry } from '../credential/types.js';
import { getBit, setBit } from '../status/bitstring.js';
import { statusEntry } from '../status/entry.js';
import { issueStatusListCredential } from '../status/list-credential.js';
import { newStatusSeed } from '../status/index-order.js';
import { STATUS_LEASE_SIZE } from '../status/leases.js';
import { newStatusListId, roomIn, statusListValidity, STATUS_LIST_SIZE, STATUS_LIST_TTL_MS } from '../status/policy.js';
import { STATUS_PURPOSES } from '../status/types.js';
import type { TakenStatusPositions } from '../store/ports/status-lists.js';
import type { StatusAllocation, StatusListRecord, StatusPurpose } from '../store/types.js';
import { inTransaction, isTransactionView, type NodeContext } from './context.js';
import { nodeBaseUrl } from './documents.js';
import { signerFor } from './signers.js';
import { audit } from './audit.js';

// The policy lives in status/; these names stay importable from legate/node.
export { needsResigning, STATUS_LIST_SIZE, STATUS_LIST_TTL_MS, STATUS_LIST_VALIDITY } from '../status/policy.js';

/** The URL a list is published at: `<node>/status/<id>`. */
export function statusListUrl(ctx: NodeContext, listId: string): string {
  return `${nodeBaseUrl(ctx.organization.domain)}/status/${listId}`;
}

/** Signs the list's current bits, valid from now for the policy's validity, and returns its new token. */
export async function signStatusList(ctx: NodeContext, list: StatusListRecord): Promise<string> {
  const { jwt } = await issueStatusListCredential({
    id: statusListUrl(ctx, list.id),
    issuer: list.issuer,
    purpose: list.purpose,
    bits: list.bits,
    ...statusListValidity(ctx.clock()),
    ttlMs: STATUS_LIST_TTL_MS,
    signer: await signerFor(ctx, list.issuer),
    clock: ctx.clock,
  });
  return jwt;
}

/** Opens a new list for `issuer` and `purpose`: signed, all bits clear, its cursor at 0 with a new seed. */
async function openList(ctx: NodeContext, issuer: string, purpose: StatusPurpose): Promise<void> {
  const now = ctx.clock().toISOString();
  const list: StatusListRecord = {
    id: newStatusListId(purpose),
    issuer,
    purpose,
    size: STATUS_LIST_SIZE,
    bits: new Uint8Array(STATUS_LIST_SIZE / 8),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  list.token = await signStatusList(ctx, list);
  await ctx.store.putStatusList(list);
  await ctx.store.putStatusCursor(list.id, newStatusSeed(), roomIn(list, 0));
}

/** Tries to take positions before giving up: each try that takes nothing opens a list or finds another instance took the room. */
const MAX_TAKE_TRIES = 8;

/**
 * Takes up to `want` positions of the newest list of `issuer` for
 * `purpose`: all of them in one statement while it has the room (the usual
 * case); else what room it has left, or a new list's when it has none or
 * was made before lists had a seed.
 */
async function takePositions(ctx: NodeContext, issuer: string, purpose: StatusPurpose, want: number): Promise<TakenStatusPositions & { count: number }> {
  for (let tries = 0; tries < MAX_TAKE_TRIES; tries++) {
    const taken = await ctx.store.takeStatusPositions(issuer, purpose, want);
    if (taken !== undefined) return { ...taken, count: want };
    // Neither reads a list's bits. latestStatusList takes the lock that lets one instance at a time open a list.
    const newest = await ctx.store.latestStatusList(issuer, purpose);
    const room = newest?.seed === undefined ? 0 : newest.capacity - newest.allocated;
    if (room > 0) {
      const count = Math.min(room, want);
      const rest = await ctx.store.takeStatusPositions(issuer, purpose, count);
      if (rest !== undefined) return { ...rest, count };
    } else {
      await openList(ctx, issuer, purpose);
    }
  }
  throw legateError('ERR_STORE', `could not take status list positions for ${issuer} (${purpose}) in ${MAX_TAKE_TRIES} tries`, { reason: 'status_list_full' });
}

/**
 * Takes positions ahead for the credentials `issuer` will issue, when this
 * instance holds none for a purpose: {@link STATUS_LEASE_SIZE} of them from
 * the list's cursor, in a transaction of their own that has committed
 * before any of them is used (status/leases). Call it outside any
 * transaction, before the one that allocates (a transaction view does
 * nothing here: its allocations take from the cursor in that transaction).
 */
export async function leaseStatusPositions(ctx: NodeContext, issuer: string): Promise<void> {
  if (isTransactionView(ctx)) return;
  await ctx.statusLeases.ensure(issuer, (purposes) =>
    inTransaction(ctx, async (tx) => {
      const taken = [];
      for (const purpose of purposes) taken.push(await takePositions(tx, issuer, purpose, STATUS_LEASE_SIZE));
      return taken;
    }),
  );
}

/**
 * Allocates one entry per purpose for a credential `issuer` is about to sign.
 * Call with a context bound to the transaction that records the credential
 * (the `tx` of {@link inTransaction}).
 */
export async function allocateStatus(ctx: NodeContext, issuer: string, credentialId: string): Promise<StatusEntry[]> {
  return (await allocateStatusMany(ctx, issuer, [credentialId]))[0]!;
}

/**
 * {@link allocateStatus} for each of `credentialIds` (a provisioning batch),
 * in their order: each purpose's cursor moves once for the batch (once a
 * list, where the batch fills one to the rollover and the next is opened),
 * and the allocations are recorded together.
 */
export async function allocateStatusMany(ctx: NodeContext, issuer: string, credentialIds: readonly string[]): Promise<StatusEntry[][]> {
  const entries = credentialIds.map((): StatusEntry[] => []);
  const allocations: StatusAllocation[] = [];
  for (const purpose of STATUS_PURPOSES) {
    for (let i = 0; i < credentialIds.length; ) {
      // What this instance holds ahead first (leaseStatusPositions); the list's cursor for the rest.
      const want = credentialIds.length - i;
      const taken = ctx.statusLeases.take(issuer, purpose, want) ?? (await takePositions(ctx, issuer, purpose, want));
      const order = ctx.statusOrders.get(taken.listId, taken.seed, taken.size);
      const url = statusListUrl(ctx, taken.listId);
      for (let n = taken.first; n < taken.first + taken.count; n++, i++) {
        const index = order[n]!;
        allocations.push({ credentialId: credentialIds[i]!, listId: taken.listId, index, purpose });
        entries[i]!.push(statusEntry(url, index, purpose));
      }
    }
  }
  await ctx.store.putStatusAllocations(allocations);
  return entries;
}

export type StatusChange = 'revoke' | 'suspend' | 'reinstate';

export interface StatusChangeResult {
  credentialId: string;
  change: StatusChange;
  listId: string;
  index: number;
  purpose: StatusPurpose;
  /** The list's version after the change. */
  version: number;
}

/**
 * Revokes (permanently), suspends or reinstates a credential this node issued,
 * and republishes the list.
 * `options.details` are added to its audit entry (who asked: the console
 * records `operator`, and a `reason`).
 * @throws LegateError `ERR_NOT_FOUND` for a credential with no status entry here;
 * `ERR_CONFLICT` when reinstating a revoked credential.
 */
export async function changeStatus(
  ctx: NodeContext,
  credentialId: string,
  change: StatusChange,
  options: { details?: Readonly<Record<string, unknown>> | undefined } = {},
): Promise<StatusChangeResult> {
  if (!['revoke', 'suspend', 'reinstate'].includes(change)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'change must be revoke, suspend or reinstate', { claim: 'change' });
  }
  const result = await inTransaction(ctx, async (tx) => {
    const allocations = await tx.store.getStatusAllocations(credentialId);
    const find = (purpose: StatusPurpose) => allocations.find((a) => a.purpose === purpose);
    const revocation = find('revocation');
    const target = find(change === 'revoke' ? 'revocation' : 'suspension');
    if (target === undefined || revocation === undefined) {
      throw legateError('ERR_NOT_FOUND', `credential ${credentialId} has no status entry in this node`, { claim: 'credential' });
    }
    const revocationList = (await tx.store.getStatusList(revocation.listId))!;
    if (change === 'reinstate' && getBit(revocationList.bits, revocation.index)) {
      throw legateError('ERR_CONFLICT', 'a revoked credential cannot be reinstated', { claim: 'credential', reason: 'revoked' });
    }
    const list = target.listId === revocationList.id ? revocationList : (await tx.store.getStatusList(target.listId))!;
    const bits = list.bits.slice();
    setBit(bits, target.index, change !== 'reinstate');
    const updated: StatusListRecord = { ...list, bits, version: list.version + 1, updatedAt: ctx.clock().toISOString() };
    updated.token = await signStatusList(tx, updated);
    await tx.store.updateStatusList(list.id, { bits, version: updated.version, token: updated.token, updatedAt: updated.updatedAt });
    await audit(tx, {
      type: change === 'revoke' ? 'revocation' : 'status-change',
      decision: 'allow',
      action: change,
      resource: credentialId,
      credentials: [credentialId],
      details: { ...options.details, list: list.id, index: target.index, purpose: target.purpose, version: updated.version },
    });
    return { credentialId, change, listId: list.id, index: target.index, purpose: target.purpose, version: updated.version };
  });
  // Once committed: the partners subscribed to the list are told in the background (revocation push).
  ctx.services.statusPush.listChanged(result.listId, statusListUrl(ctx, result.listId));
  return result;
}

/** Whether a credential's entries are set in this node's lists. */
export async function credentialStatus(ctx: NodeContext, credentialId: string): Promise<{ revoked: boolean; suspended: boolean }> {
  const result = { revoked: false, suspended: false };
  for (const a of await ctx.store.getStatusAllocations(credentialId)) {
    const list = await ctx.store.getStatusList(a.listId);
    if (list !== undefined && getBit(list.bits, a.index)) result[a.purpose === 'revocation' ? 'revoked' : 'suspended'] = true;
  }
  return result;
}

/**
 * The published list credential, as stored: reading never signs or writes.
 * A list is re-signed by every change and by the re-signing job
 * (`refreshStatusLists`) before it expires; on a node that runs neither,
 * the stored list is still served after its `validUntil`, and verifiers
 * refuse it (`ERR_STATUS_UNAVAILABLE`, failing closed).
 * @throws StoreError `ERR_NOT_FOUND` for an unknown list;
 * `ERR_STATUS_UNAVAILABLE` for one that was never signed.
 */
export async function publishedStatusList(ctx: NodeContext, listId: string): Promise<{ token: string; list: StatusListRecord }> {
  const list = await ctx.store.getStatusList(listId);
  if (list === undefined) throw legateError('ERR_NOT_FOUND', `no status list ${listId}`, { claim: 'list' });
  if (list.token === undefined) throw legateError('ERR_STATUS_UNAVAILABLE', `status list ${listId} has not been signed yet`, { claim: 'list' });
  return { token: list.token, list };
}

/** Local status-list lookup for verification: this node's own lists by URL, as stored, with no server running. */
export function localStatusLists(ctx: NodeContext): (url: string) => Promise<string | undefined> {
  const prefix = `${nodeBaseUrl(ctx.organization.domain)}/status/`;
  return async (url) => {
    if (!url.startsWith(prefix)) return undefined;
    return ctx.store.getStatusListToken(url.slice(prefix.length));
  };
}
