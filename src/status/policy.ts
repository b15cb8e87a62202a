/**
 * @module status/policy
 *
 * How an issuing node keeps its Bitstring Status Lists: their size, how long
 * verifiers may cache them, how long a signed list is valid, when to roll
 * over to a new list, how an index is chosen (at random, for herd privacy),
 * and when a list is due for re-signing. Pure rules over plain data; the
 * node wires them to its store and keys (`node/status`).
 */

import { randomInt, randomUUID } from 'node:crypto';
import { legateError } from '../errors/index.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { decodeCompactJws } from '../lib/jws.js';
import type { StatusPurpose } from './types.js';

/** Entries per list: the W3C minimum, 131,072 (16 KiB raw, a few hundred bytes gzipped when sparse). */
export const STATUS_LIST_SIZE = 131_072;
/** How long verifiers may cache a list (`ttl`, and Cache-Control max-age). */
export const STATUS_LIST_TTL_MS = 5 * 60_000;
/** A published list credential is valid this long and re-signed when half of it has passed. */
export const STATUS_LIST_VALIDITY = 'P1D';
/** Roll over to a new list at this fill, so random allocation stays cheap and herds stay large. */
export const ROLLOVER_FILL = 0.75;
/** Random draws before falling back to a linear probe. */
const RANDOM_TRIES = 32;

/** Whether a list with `allocated` of its `size` indexes handed out still takes new ones. */
export function hasRoom(list: { size: number }, allocated: number): boolean {
  return allocated < list.size * ROLLOVER_FILL;
}

/** A new list's id: `r-` or `s-` (its purpose) and a random UUID. */
export function newStatusListId(purpose: StatusPurpose): string {
  return `${purpose === 'revocation' ? 'r' : 's'}-${randomUUID()}`;
}

/** The validity window a list signed at `now` gets ({@link STATUS_LIST_VALIDITY}). */
export function statusListValidity(now: Date): { validFrom: Date; validUntil: Date } {
  return { validFrom: now, validUntil: addDuration(now, parseDuration(STATUS_LIST_VALIDITY)) };
}

/**
 * A random index of `list` that `isAllocated` says is free: random draws
 * first, then (unlucky at high fill) a probe forward from a random start.
 * @throws StoreError `ERR_STORE` when the list is full.
 */
export async function pickFreeIndex(list: { id: string; size: number }, isAllocated: (index: number) => Promise<boolean>): Promise<number> {
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const index = randomInt(list.size);
    if (!(await isAllocated(index))) return index;
  }
  const start = randomInt(list.size);
  for (let step = 0; step < list.size; step++) {
    const index = (start + step) % list.size;
    if (!(await isAllocated(index))) return index;
  }
  throw legateError('ERR_STORE', `status list ${list.id} is full`);
}

/**
 * Whether a published list credential should be re-signed at `now`: it has
 * no validity window, or more than half of it has passed. (Verifiers refuse
 * a list past its `validUntil`, so half leaves the re-signing job ample
 * runs to catch it.)
 */
export function needsResigning(token: string, now: Date): boolean {
  const { validFrom, validUntil } = decodeCompactJws(token).payload;
  if (typeof validFrom !== 'string' || typeof validUntil !== 'string') return true;
  const from = Date.parse(validFrom);
  const until = Date.parse(validUntil);
  if (Number.isNaN(from) || Number.isNaN(until)) return true;
  return now.getTime() > from + (until - from) / 2;
}

/**
 * The ids of the lists due for re-signing at `now`: never signed, or past
 * half their validity ({@link needsResigning}).
 *
 * @example
 * ```ts
 * for (const id of resignDue(await store.listStatusLists(), clock())) await resign(id);
 * ```
 */
export function resignDue(lists: Iterable<{ id: string; token?: string | undefined }>, now: Date): string[] {
  const due: string[] = [];
  for (const list of lists) if (list.token === undefined || needsResigning(list.token, now)) due.push(list.id);
  return due;
}
