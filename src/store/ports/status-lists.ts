/**
 * @module store/ports/status-lists
 *
 * Bitstring Status Lists and the indexes handed out in them. The bits are
 * the truth; a list's token is its signed form for one version.
 */

import type { StatusAllocation, StatusListQuery, StatusListRecord, StatusPurpose } from '../types.js';

/** Status lists and their allocations; an index is never handed out twice. */
export interface StatusListRepository {
  putStatusList(list: StatusListRecord): Promise<void>;
  getStatusList(id: string): Promise<StatusListRecord | undefined>;
  /** The signed token of a list, without its bits (what serving or checking it needs); undefined for no list or one never signed. */
  getStatusListToken(id: string): Promise<string | undefined>;
  /** Matching lists, oldest first. */
  listStatusLists(query?: StatusListQuery): Promise<StatusListRecord[]>;
  /**
   * The id and size of the newest list of `issuer` for `purpose` (the one
   * {@link listStatusLists} would give last), without reading its bits: what
   * allocating an index needs. Undefined when there is none.
   */
  latestStatusList(issuer: string, purpose: StatusPurpose): Promise<Pick<StatusListRecord, 'id' | 'size'> | undefined>;
  /** Replaces a list's bits, version, token and update time. */
  updateStatusList(id: string, change: Pick<StatusListRecord, 'bits' | 'version' | 'updatedAt'> & { token?: string }): Promise<void>;
  /**
   * Records an allocation. An index already handed out in that list, or a
   * second allocation of one credential for one purpose, is `ERR_CONFLICT`.
   */
  putStatusAllocation(allocation: StatusAllocation): Promise<void>;
  /** A credential's allocations (one per purpose). */
  getStatusAllocations(credentialId: string): Promise<StatusAllocation[]>;
  /** Whether `index` of `listId` has been handed out. */
  isStatusIndexAllocated(listId: string, index: number): Promise<boolean>;
  /** How many indexes of `listId` have been handed out. */
  countStatusAllocations(listId: string): Promise<number>;
}
