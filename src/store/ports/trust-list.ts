/**
 * @module store/ports/trust-list
 *
 * The trust list this organization publishes: one signed version at a time
 * (table `trust_list`), with its version number and when it stops being
 * valid, so the list and its expiry are read without parsing the token.
 */

/** The published trust list. */
export interface PublishedTrustListRecord {
  /** Its version, one more at every publication. */
  version: number;
  /** The signed list (a `vc+jwt`). */
  token: string;
  /** When it was signed. */
  publishedAt: string;
  /** Its `validUntil`; absent only for a list carried over from a node older than this table. */
  validUntil?: string | undefined;
}

export interface TrustListRepository {
  /** The published list, if any. Inside a transaction the read takes the list's lock: what is read there is read to publish the next version. */
  getTrustList(): Promise<PublishedTrustListRecord | undefined>;
  /** Stores a newly published list in place of the previous one. */
  putTrustList(list: PublishedTrustListRecord): Promise<void>;
}
