/**
 * @module node/context
 *
 * A Legate node's working set: its data directory, store, key store, clock
 * and DID resolver. The CLI and (later) the HTTP service open one and call
 * the operations in this folder; they hold no logic of their own.
 */

import type { Resolvable } from 'did-resolver';
import type { CanonicalHashes } from '../data-integrity/hashes.js';
import type { KeyStore } from '../keys/keystore.js';
import type { Sealing } from '../keys/master-key.js';
import type { Clock } from '../lib/clock.js';
import type { HttpClient } from '../lib/http-client.js';
import type { WorkLimits } from '../lib/work-budget.js';
import type { StatusAgeRule } from '../status/max-age.js';
import type { OrganizationRecord, Store } from '../store/types.js';

export interface NodeContext {
  dataDir: string;
  organization: OrganizationRecord;
  store: Store;
  keys: KeyStore;
  /** How the private keys are sealed: `passphrase` (LEGATE_PASSPHRASE) or `keyfile` (master.key). */
  sealing: Sealing;
  clock: Clock;
  /** Answers for this node's own DIDs from the store, and resolves everything else. */
  resolver: Resolvable;
  /** The one outbound HTTP client: other organizations' DID documents, status and trust lists, POSTs to peers. */
  http: HttpClient;
  /** Plain HTTP for loopback hosts (tests, local demos). */
  allowHttpLoopback: boolean;
  /** The canonical hashes this node's verifications remember (Data Integrity credentials rechecked at every action). */
  canonicalHashes: CanonicalHashes;
  /** Lifetime of the session tokens this node issues, in seconds. */
  sessionLifetimeSeconds: number;
  /** How this node bounds what it verifies (work per message, status age); defaults when absent. */
  verifier?: VerifierPolicy | undefined;
  close(): Promise<void>;
}

export interface NodeOptions {
  /** The data directory; the CLI defaults it to `./.legate`. */
  dataDir: string;
  /** Unlocks a passphrase-protected key store (the CLI reads `LEGATE_PASSPHRASE`). */
  passphrase?: string | undefined;
  clock?: Clock;
  /** Carries every outbound request under the node's HTTP client (tests); the client's checks still run first. */
  fetch?: typeof globalThis.fetch;
  /** The outbound HTTP client to use instead of one of the node's own (for an `allowAddress` policy, say). */
  http?: HttpClient;
  /** Deadline of each outbound request of the node's own client (peers, DID documents), in ms; default 10,000 for peers, 5,000 for DID documents. */
  timeoutMs?: number | undefined;
  /** Allow plain HTTP did:web resolution for loopback hosts (tests, local demos). */
  allowHttpLoopback?: boolean;
  /** Lifetime of the session tokens this node issues in handshakes, in seconds; default 300. */
  sessionLifetimeSeconds?: number;
  /**
   * Unseal the organization's key while opening, so a missing or wrong
   * passphrase or master key fails here rather than at first use (`serve`
   * sets it). Otherwise keys unlock on first use, and work that signs nothing
   * (verifying) needs no passphrase; a passphrase that is given is still
   * checked at open.
   */
  requireKeys?: boolean;
  /** Receives warnings about the data directory (modes); default `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /** How this node bounds what it verifies; see {@link VerifierPolicy}. */
  verifier?: VerifierPolicy;
}

/** A verifier's own bounds (#13 items 3 and 4): policy is an input. */
export interface VerifierPolicy {
  /** Most work one incoming message may cost; each kind defaults as `DEFAULT_WORK_LIMITS` says. */
  workLimits?: Partial<WorkLimits>;
  /** Oldest a remote status list may be, in seconds, whatever its `ttl`; default 300. */
  maxStatusAgeSeconds?: number;
  /** Fresher status for capabilities matching a pattern; the strictest applicable age wins. */
  statusAgePolicy?: readonly StatusAgeRule[];
}

/** Files inside a data directory. */
export const DATA_FILES = {
  database: 'legate.db',
  adminToken: 'admin.token',
} as const;

/** The setting holding the SHA-256 (hex) of the admin bearer token. */
export const ADMIN_TOKEN_SETTING = 'admin.token.sha256';

/**
 * The same context writing through another store handle (a transaction), so
 * operations called inside a transaction never wait on the outer store.
 */
export function withStore(ctx: NodeContext, store: Store): NodeContext {
  return { ...ctx, store, keys: ctx.keys.with(store) };
}
