/**
 * @module store/ports/credentials
 *
 * The credentials a node issued or holds, as transmitted.
 */

import type { CredentialPageQuery, CredentialQuery, CredentialRecord, HeldCredentialQuery } from '../types.js';

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
