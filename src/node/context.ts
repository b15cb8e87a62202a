/**
 * @module node/context
 *
 * A Legate node's working set: its data directory, store, key store, clock
 * and DID resolver. The CLI and (later) the HTTP service open one and call
 * the operations in this folder; they hold no logic of their own.
 */

import type { Resolvable } from 'did-resolver';
import type { KeyStore } from '../keys/keystore.js';
import type { Clock } from '../lib/clock.js';
import type { WorkLimits } from '../lib/work-budget.js';
import type { StatusAgeRule } from '../status/max-age.js';
import type { OrganizationRecord, Store } from '../store/types.js';

export interface NodeContext {
  dataDir: string;
  organization: OrganizationRecord;
  store: Store;
  keys: KeyStore;
  clock: Clock;
  /** Answers for this node's own DIDs from the store, and resolves everything else. */
  resolver: Resolvable;
  /** Used to fetch other organizations' DID documents and status lists. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Plain HTTP for loopback hosts (tests, local demos). */
  allowHttpLoopback: boolean;
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
  /** Used for did:web resolution of other organizations. */
  fetch?: typeof globalThis.fetch;
  /** Allow plain HTTP did:web resolution for loopback hosts (tests, local demos). */
  allowHttpLoopback?: boolean;
  /** Lifetime of the session tokens this node issues in handshakes, in seconds; default 300. */
  sessionLifetimeSeconds?: number;
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
