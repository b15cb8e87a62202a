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
  /** The seed of its order; absent for a list made before lists had one, which takes no more. */
  seed?: Uint8Array;
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
   * order. A second cursor for one list is `ERR_CONFLICT`.
   */
  putStatusCursor(listId: string, seed: Uint8Array): Promise<void>;
  /**
   * Hands out the next `count` positions of a list's order and returns the
   * first: no two calls get the same position, whatever instance makes
   * them. `ERR_STORE` (reason `status_list_full`) when that would pass the
   * list's size, or the list has no cursor with a seed (a list made before
   * lists had one takes no more).
   */
  advanceStatusCursor(listId: string, count: number): Promise<number>;
  /** Records which index of which list a credential got for a purpose; a second for one credential and purpose is `ERR_CONFLICT`. */
  putStatusAllocation(allocation: StatusAllocation): Promise<void>;
  /** A credential's allocations (one per purpose). */
  getStatusAllocations(credentialId: string): Promise<StatusAllocation[]>;
  /** How many indexes of `listId` have been handed out (its cursor's position; 0 for a list without one). */
  countStatusAllocations(listId: string): Promise<number>;
}
