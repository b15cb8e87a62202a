/**
 * @module store/audit-records
 *
 * The audit log's records as a store keeps them: entries, a chain's head,
 * the query that lists entries, and checkpoints. Re-exported by
 * `store/types`; the store never interprets an entry's text.
 */

/**
 * One entry of the hash-chained audit log, as stored. The store keeps the
 * entry's canonical JSON text verbatim and never interprets it; `seq`, `at`,
 * `hash` and `prevHash` are copies of what that text holds, for ordering and
 * lookups. Verification (in `audit/`) recomputes everything from `entry`.
 */
export interface AuditEntryRecord {
  /**
   * The chain the entry belongs to: each store handle or node instance
   * appends to a chain of its own (`audit/chain`), so writers never wait on
   * each other. `seq` and `prevHash` are per chain.
   */
  chain: string;
  /** 1, 2, 3, … within its chain: each append is exactly the chain's last `seq` + 1. */
  seq: number;
  /** When the entry was appended, ISO 8601 UTC. */
  at: string;
  /** The entry as RFC 8785 canonical JSON text (it holds `seq` and `prevHash` too). */
  entry: string;
  /** SHA-256 of `entry`, lowercase hex. */
  hash: string;
  /** `hash` of the entry before (64 zeros for the first). */
  prevHash: string;
  /**
   * Set on a record read from a packed row (store/sql/audit-pack): its
   * `entry` is unpacked when first read. A packed row never holds a
   * `chain-open` or `chain-close` entry (those stay plain text), so a
   * caller looking for one need not read `entry`.
   */
  readonly packed?: true;
}

/**
 * A chain's last entry as an append needs it (`AuditRepository.auditHead`):
 * its `seq` and `hash`, and its text only when stored plain. A packed entry
 * is never a `chain-open` or `chain-close`, so whether a chain is closed is
 * read from `entry` alone (undefined: packed, so not a close).
 */
export interface AuditHeadRecord {
  seq: number;
  hash: string;
  /** The entry's canonical JSON text when stored plain; undefined for a packed one. */
  entry?: string;
  /** Answered from what this process appended last, not read: an append on it may be refused `not_next` (stale), then retried on a read. */
  remembered?: true;
}

/**
 * Which audit entries to list; all bounds are inclusive. With `chain`,
 * results are that chain's entries ordered by `seq`. Without it, every
 * chain's entries ordered by `at`, then `chain`, then `seq` (not a total
 * order of events: `at` comes from each writer's clock), and `after` pages on.
 */
export interface AuditEntryQuery {
  /** Only this chain's entries (then ordered by `seq`). */
  chain?: string;
  /** Without `chain`: only entries after this one in (`at`, `chain`, `seq`) order. */
  after?: { at: string; chain: string; seq: number };
  fromSeq?: number;
  toSeq?: number;
  /** Entries appended at or after this ISO 8601 UTC time. */
  since?: string;
  /** At most this many entries (the lowest matching `seq`s). */
  limit?: number;
}

/**
 * A checkpoint of the audit log: the organization's signature over every
 * chain's head (or, for checkpoints from before chains, over the hash of
 * entry `seq` of the one chain).
 */
export interface AuditCheckpointRecord {
  /** How many entries it covers, over all chains (with one chain: its head's seq); strictly increasing. */
  seq: number;
  /** The hash signed: of the heads it lists (before chains: of entry `seq`). */
  hash: string;
  /** When the checkpoint was made, ISO 8601 UTC. */
  at: string;
  /** The compact JWS (`typ: audit-checkpoint+jwt`) that signs it. */
  token: string;
}
