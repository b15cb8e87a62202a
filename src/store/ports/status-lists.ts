/**
 * @module store/ports/status-lists
 *
 * Bitstring Status Lists and the indexes handed out in them. The bits are
 * the truth; a list's token is its signed form for one version. A list
 * hands out the positions of its order (`status/index-order`) through its
 * cursor: the store guarantees a position is handed out once, the order
 * that a position is one index.
 */

import type { StatusAllocation, StatusListQuery, StatusListRecord, StatusPurpose } from '../types.js';

/** The newest list of an issuer and purpose as allocating sees it: its id, size and cursor. */
export interface OpenStatusList {
  id: string;
  size: number;
  /** Positions of its order handed out. */
  allocated: number;
  /** Positions it hands out in all (its rollover); `allocated` for a list made before lists had a cursor. */
  capacity: number;
  /** The seed of its order; absent for a list made before lists had one, which takes no more. */
  seed?: Uint8Array;
}

/** Positions of a list's order just handed out: `count` of them from `first`. */
export interface TakenStatusPositions {
  listId: string;
  size: number;
  seed: Uint8Array;
  first: number;
}

/** Status lists, their cursors and their allocations. */
export interface StatusListRepository {
  putStatusList(list: StatusListRecord): Promise<void>;
  getStatusList(id: string): Promise<StatusListRecord | undefined>;
  /** The signed token of a list, without its bits (what serving or checking it needs); undefined for no list or one never signed. */
  getStatusListToken(id: string): Promise<string | undefined>;
  /** Matching lists, oldest first. */
  listStatusLists(query?: StatusListQuery): Promise<StatusListRecord[]>;
  /**
   * The newest list of `issuer` for `purpose` (the one {@link listStatusLists}
   * would give last) with its cursor, without reading its bits: what
   * allocating an index needs. Undefined when there is none.
   */
  latestStatusList(issuer: string, purpose: StatusPurpose): Promise<OpenStatusList | undefined>;
  /** Replaces a list's bits, version, token and update time. */
  updateStatusList(id: string, change: Pick<StatusListRecord, 'bits' | 'version' | 'updatedAt'> & { token?: string }): Promise<void>;
  /**
   * Starts the cursor of list `listId` at position 0, with the seed of its
   * order and how many positions it hands out. A second cursor for one list
   * is `ERR_CONFLICT`; no such list, `ERR_NOT_FOUND`; a capacity past the
   * list's size, `ERR_INVALID_ARGUMENT`.
   */
  putStatusCursor(listId: string, seed: Uint8Array, capacity: number): Promise<void>;
  /**
   * Hands out the next `count` positions of the newest list of `issuer` for
   * `purpose` (the one {@link latestStatusList} names) when its cursor has
   * that much room, in one statement: no two calls get the same position,
   * whatever instance makes them. Undefined when there is no such list, it
   * has less room, or no seed (then the caller reads the newest list, takes
   * what room it has, or opens the next one).
   */
  takeStatusPositions(issuer: string, purpose: StatusPurpose, count: number): Promise<TakenStatusPositions | undefined>;
  /** Records which index of which list each credential got for a purpose; a second for one credential and purpose is `ERR_CONFLICT`. */
  putStatusAllocations(allocations: readonly StatusAllocation[]): Promise<void>;
  /** A credential's allocations (one per purpose). */
  getStatusAllocations(credentialId: string): Promise<StatusAllocation[]>;
  /** How many indexes of `listId` have been handed out (its cursor's position; 0 for a list without one). */
  countStatusAllocations(listId: string): Promise<number>;
}
