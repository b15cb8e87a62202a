/**
 * @module node/status
 *
 * Revocation and suspension for the credentials this node issues, with W3C
 * Bitstring Status Lists. Every credential gets one entry per purpose at a
 * random, never-reused index (herd privacy; the store's UNIQUE constraint
 * guarantees no index is handed out twice), allocated in the same
 * transaction that records the credential. Each change re-signs the list, so
 * its published form (and ETag) changes with it.
 */

import { randomInt, randomUUID } from 'node:crypto';
import { InputError, isLegateError, legateError, StoreError } from '../errors/index.js';
import type { StatusEntry } from '../credential/types.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { decodeCompactJws } from '../lib/jws.js';
import { getBit, setBit } from '../status/bitstring.js';
import { statusEntry } from '../status/entry.js';
import { issueStatusListCredential } from '../status/list-credential.js';
import { STATUS_PURPOSES } from '../status/types.js';
import type { StatusListRecord, StatusPurpose, Store } from '../store/types.js';
import { withStore, type NodeContext } from './context.js';
import { nodeBaseUrl } from './documents.js';
import { signerFor } from './signers.js';
import { audit } from './audit.js';

/** Entries per list: the W3C minimum, 131,072 (16 KiB raw, a few hundred bytes gzipped when sparse). */
export const STATUS_LIST_SIZE = 131_072;
/** How long verifiers may cache a list (`ttl`, and Cache-Control max-age). */
export const STATUS_LIST_TTL_MS = 5 * 60_000;
/** A published list credential is valid this long and re-signed when half of it has passed. */
export const STATUS_LIST_VALIDITY = 'P1D';
/** Roll over to a new list at this fill, so random allocation stays cheap and herds stay large. */
const ROLLOVER_FILL = 0.75;
const RANDOM_TRIES = 32;

/** The URL a list is published at: `<node>/status/<id>`. */
export function statusListUrl(ctx: NodeContext, listId: string): string {
  return `${nodeBaseUrl(ctx.organization.domain)}/status/${listId}`;
}

/** Signs the list's current bits and returns its new token. */
async function sign(ctx: NodeContext, list: StatusListRecord): Promise<string> {
  const now = ctx.clock();
  const { jwt } = await issueStatusListCredential({
    id: statusListUrl(ctx, list.id),
    issuer: list.issuer,
    purpose: list.purpose,
    bits: list.bits,
    validFrom: now,
    validUntil: addDuration(now, parseDuration(STATUS_LIST_VALIDITY)),
    ttlMs: STATUS_LIST_TTL_MS,
    signer: await signerFor(ctx, list.issuer),
    clock: ctx.clock,
  });
  return jwt;
}

/** The list new indexes for `issuer` and `purpose` come from (its id and size): the newest, or a new one past the rollover fill. */
async function openList(ctx: NodeContext, issuer: string, purpose: StatusPurpose): Promise<Pick<StatusListRecord, 'id' | 'size'>> {
  // Neither reads a list's bits: allocating needs only its id, size and fill.
  const current = await ctx.store.latestStatusList(issuer, purpose);
  if (current !== undefined && (await ctx.store.countStatusAllocations(current.id)) < current.size * ROLLOVER_FILL) return current;
  const now = ctx.clock().toISOString();
  const list: StatusListRecord = {
    id: `${purpose === 'revocation' ? 'r' : 's'}-${randomUUID()}`,
    issuer,
    purpose,
    size: STATUS_LIST_SIZE,
    bits: new Uint8Array(STATUS_LIST_SIZE / 8),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  list.token = await sign(ctx, list);
  await ctx.store.putStatusList(list);
  return list;
}

async function freeIndex(tx: Store, list: Pick<StatusListRecord, 'id' | 'size'>): Promise<number> {
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const index = randomInt(list.size);
    if (!(await tx.isStatusIndexAllocated(list.id, index))) return index;
  }
  // Unlucky at high fill: probe forward from a random start.
  const start = randomInt(list.size);
  for (let step = 0; step < list.size; step++) {
    const index = (start + step) % list.size;
    if (!(await tx.isStatusIndexAllocated(list.id, index))) return index;
  }
  throw new StoreError('ERR_STORE', `status list ${list.id} is full`);
}

/**
 * Allocates one entry per purpose for a credential `issuer` is about to sign.
 * Call with a context bound to the transaction that records the credential
 * ({@link withStore}).
 */
export async function allocateStatus(ctx: NodeContext, issuer: string, credentialId: string): Promise<StatusEntry[]> {
  const entries: StatusEntry[] = [];
  for (const purpose of STATUS_PURPOSES) {
    const list = await openList(ctx, issuer, purpose);
    const index = await freeIndex(ctx.store, list);
    await ctx.store.putStatusAllocation({ credentialId, listId: list.id, index, purpose });
    entries.push(statusEntry(statusListUrl(ctx, list.id), index, purpose));
  }
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
 * @throws LegateError `ERR_NOT_FOUND` for a credential with no status entry here;
 * `ERR_CONFLICT` when reinstating a revoked credential.
 */
export async function changeStatus(ctx: NodeContext, credentialId: string, change: StatusChange): Promise<StatusChangeResult> {
  if (!['revoke', 'suspend', 'reinstate'].includes(change)) {
    throw new InputError('ERR_INVALID_ARGUMENT', 'change must be revoke, suspend or reinstate', { claim: 'change' });
  }
  return ctx.store.transaction(async (store) => {
    const tx = withStore(ctx, store);
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
    updated.token = await sign(tx, updated);
    await tx.store.updateStatusList(list.id, { bits, version: updated.version, token: updated.token, updatedAt: updated.updatedAt });
    await audit(tx, {
      type: change === 'revoke' ? 'revocation' : 'status-change',
      decision: 'allow',
      action: change,
      resource: credentialId,
      credentials: [credentialId],
      details: { list: list.id, index: target.index, purpose: target.purpose, version: updated.version },
    });
    return { credentialId, change, listId: list.id, index: target.index, purpose: target.purpose, version: updated.version };
  });
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
 * The published list credential, re-signed first when it has none or more
 * than half of its validity has passed.
 * @throws LegateError `ERR_NOT_FOUND` for an unknown list.
 */
export async function publishedStatusList(ctx: NodeContext, listId: string): Promise<{ token: string; list: StatusListRecord }> {
  const list = await ctx.store.getStatusList(listId);
  if (list === undefined) throw legateError('ERR_NOT_FOUND', `no status list ${listId}`, { claim: 'list' });
  if (list.token !== undefined && !needsResigning(list.token, ctx.clock())) return { token: list.token, list };
  return ctx.store.transaction(async (store) => {
    const tx = withStore(ctx, store);
    const fresh = (await tx.store.getStatusList(listId))!;
    if (fresh.token !== undefined && !needsResigning(fresh.token, ctx.clock())) return { token: fresh.token, list: fresh };
    let token: string;
    try {
      token = await sign(tx, fresh);
    } catch (error) {
      // A retired issuer cannot re-sign: keep serving the last list; once it expires,
      // verifiers treat the status as unavailable and fail closed.
      if (fresh.token !== undefined && isLegateError(error, 'ERR_KEY_UNAVAILABLE')) return { token: fresh.token, list: fresh };
      throw error;
    }
    await tx.store.updateStatusList(listId, { bits: fresh.bits, version: fresh.version, token, updatedAt: fresh.updatedAt });
    return { token, list: { ...fresh, token } };
  });
}

// Each lookup of a local list asks whether its token is due for re-signing: remember the answer's date per token.
const halfways = new Map<string, number>();
const MAX_HALFWAYS = 256;

/**
 * Whether a published list credential should be re-signed: it has no
 * validity window, or more than half of it has passed.
 */
export function needsResigning(token: string, now: Date): boolean {
  let halfway = halfways.get(token);
  if (halfway === undefined) {
    const { validFrom, validUntil } = decodeCompactJws(token).payload;
    // A list without a validity window is always re-signed.
    if (typeof validFrom !== 'string' || typeof validUntil !== 'string') halfway = -Infinity;
    else {
      const from = Date.parse(validFrom);
      halfway = from + (Date.parse(validUntil) - from) / 2;
    }
    if (halfways.size >= MAX_HALFWAYS) halfways.clear();
    halfways.set(token, halfway);
  }
  return now.getTime() > halfway;
}


/** Local status-list lookup for verification: this node's own lists by URL, with no server running. */
export function localStatusLists(ctx: NodeContext): (url: string) => Promise<string | undefined> {
  const prefix = `${nodeBaseUrl(ctx.organization.domain)}/status/`;
  return async (url) => {
    if (!url.startsWith(prefix)) return undefined;
    const id = url.slice(prefix.length);
    const list = await ctx.store.getStatusList(id);
    if (list === undefined) return undefined;
    // One read when the stored token is current (the usual case); publishedStatusList re-signs otherwise.
    if (list.token !== undefined && !needsResigning(list.token, ctx.clock())) return list.token;
    return (await publishedStatusList(ctx, id)).token;
  };
}
