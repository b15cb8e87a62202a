/**
 * @module status/policy
 *
 * How an issuing node keeps its Bitstring Status Lists: their size, how long
 * verifiers may cache them, how long a signed list is valid, when to roll
 * over to a new list, and when a list is due for re-signing (which index
 * comes next is the list's order: `status/index-order`). Pure rules over
 * plain data; the node wires them to its store and keys (`node/status`).
 */

import { randomUUID } from 'node:crypto';
import { addDuration, parseDuration } from '../lib/duration.js';
import { decodeCompactJws } from '../lib/jws.js';
import type { StatusPurpose } from './types.js';

/** Entries per list: the W3C minimum, 131,072 (16 KiB raw, a few hundred bytes gzipped when sparse). */
export const STATUS_LIST_SIZE = 131_072;
/** How long verifiers may cache a list (`ttl`, and Cache-Control max-age). */
export const STATUS_LIST_TTL_MS = 5 * 60_000;
/** A published list credential is valid this long and re-signed when half of it has passed. */
export const STATUS_LIST_VALIDITY = 'P1D';
/** Roll over to a new list at this fill: a list of 131,072 hands out 98,304 indexes (kept from when indexes were drawn at random, and a fuller list drew slowly). */
export const ROLLOVER_FILL = 0.75;

/** How many more indexes a list with `allocated` of its `size` handed out takes before it rolls over (0: none). */
export function roomIn(list: { size: number }, allocated: number): number {
  return Math.max(0, Math.ceil(list.size * ROLLOVER_FILL) - allocated);
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
