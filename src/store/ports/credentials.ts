/**
 * @module store/ports/credentials
 *
 * The credentials a node issued or holds, as transmitted.
 */

import type { CredentialPageQuery, CredentialQuery, CredentialRecord } from '../types.js';

/** What {@link CredentialRepository.listHeldCredentials} reads: one subject's unexpired credentials, newest first. */
export interface HeldCredentialQuery {
  subject: string;
  /** The time (ISO 8601) a credential must not have expired by. */
  at: string;
  /** At most this many (a positive integer). */
  limit: number;
}

/** Credentials by id; a duplicate id is `ERR_CONFLICT`. */
export interface CredentialRepository {
  putCredential(credential: CredentialRecord): Promise<void>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  /** Matching credentials, oldest first. */
  listCredentials(query?: CredentialQuery): Promise<CredentialRecord[]>;
  /** Matching credentials in {@link listCredentials}'s order, one page at a time (`after`: the last id of the page before). */
  pageCredentials(query: CredentialPageQuery): Promise<CredentialRecord[]>;
  /** A subject's credentials unexpired at `at` (no `validUntil`, or one after it), newest first, at most `limit`. */
  listHeldCredentials(query: HeldCredentialQuery): Promise<CredentialRecord[]>;
}
