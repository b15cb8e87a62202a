/**
 * @module node/context
 *
 * A Legate node: what it was built from (its data directory, store, key
 * store, clock, DID resolver, HTTP client and settings) and the services
 * {@link createNode} built from those, once, for this instance. The CLI, the
 * HTTP service and the demos open one and call its services (or the
 * operations in this folder, which take the node); they hold no logic of
 * their own.
 *
 * Inside a transaction an operation works on a *transaction view*
 * ({@link inTransaction}): an object whose prototype is the node and whose
 * own `store` and `keys` write through the transaction. Nothing is copied,
 * and every view shares the node's services, so caches and the refusal
 * window stay one per node.
 */

import type { SignatureMemo } from '../lib/signature-memo.js';
import type { StatusIndexOrders } from '../status/index-order.js';
import type { StatusLeases } from '../status/leases.js';
import type { RenewalRule } from '../lib/renewal.js';
import type { AlertPolicy, OAuthPolicy } from '../config/node-options.js';
import type { KeyResolvable } from '../did/verification-key.js';
import type { CanonicalHashes } from '../data-integrity/hashes.js';
import type { KeyStore } from '../keys/keystore.js';
import type { Sealing } from '../keys/master-key.js';
import type { Clock } from '../lib/clock.js';
import type { HttpClient } from '../lib/http-client.js';
import type { WorkLimits } from '../lib/work-budget.js';
import type { StatusAgeRule } from '../status/max-age.js';
import type { OrganizationRecord, Store } from '../store/types.js';
import type { AlertRecord } from '../store/ports/alerts.js';
import type { PgCounters } from '../store/postgres/statements.js';
import type { NonceKeyCache } from './oauth/nonce-key.js';
import type { NodeServices } from './services.js';
import type { WebhookPolicy } from './webhook/notifier.js';
import type { DpopProofKeys } from '../oauth/dpop.js';
import type { ChangePolicy } from './changes/policy.js';

/**
 * One node instance, as {@link createNode} (or `openNode`) built it. Its
 * fields are the node's dependencies and settings; `services` are the
 * services built from them, owned by this instance.
 */
export interface NodeContext {
  dataDir: string;
  organization: OrganizationRecord;
  store: Store;
  keys: KeyStore;
  /** How the private keys are sealed: `passphrase` (LEGATE_PASSPHRASE) or `keyfile` (master.key). */
  sealing: Sealing;
  clock: Clock;
  /** Answers for this node's own DIDs from the store, and resolves everything else. */
  resolver: KeyResolvable;
  /** The one outbound HTTP client: other organizations' DID documents, status and trust lists, POSTs to peers. */
  http: HttpClient;
  /** Plain HTTP for loopback hosts (tests, local demos). */
  allowHttpLoopback: boolean;
  /** The canonical hashes this node's verifications remember (Data Integrity credentials rechecked at every action). */
  canonicalHashes: CanonicalHashes;
  /** Signatures this node's verifications found valid (lib/signature-memo): its own session tokens and the credentials behind them are verified once, not on every action. */
  signatureMemo: SignatureMemo;
  /** The orders of the status lists this node allocates from (status/index-order), kept for the lists used most recently. */
  readonly statusOrders: StatusIndexOrders;
  /** Status list positions this instance holds ahead for its organization's credentials (status/leases). */
  readonly statusLeases: StatusLeases;
  /** The authorization server's nonce issuer for the current organization key (node/oauth/nonce-key), owned by this node. */
  readonly nonceKeys: NonceKeyCache;
  /** The DPoP proof keys its token endpoint has imported (oauth/dpop), owned by this node. */
  readonly dpopKeys: DpopProofKeys;
  /** Lifetime of the session tokens this node issues, in seconds. */
  sessionLifetimeSeconds: number;
  /** When the node renews its agents' credentials (`node/renew`); empty: never. */
  renewal: readonly RenewalRule[];
  /** How this node bounds what it verifies (work per message, status age); defaults when absent. */
  verifier?: VerifierPolicy | undefined;
  /** The node as an OAuth authorization server and AuthZEN PDP (#15): the `oauth.*` settings. */
  oauth: OAuthPolicy;
  /** Revocation push (#17 item 5). */
  statusPush: StatusPushPolicy;
  /** Signed webhook notifications (#18): the `webhook.*` settings and delivery bounds. */
  webhook: WebhookPolicy;
  /** Which operator changes wait for a second operator (#18): the `operators.*` settings. */
  changes: ChangePolicy;
  /**
   * The services built once for this node: agents, issuance, status lists,
   * registry, verifier, exchange and audit. Stateful parts (the status
   * checker's cache, the trust registry's cache, the refusal window) live
   * here, so two nodes in one process share nothing.
   */
  readonly services: NodeServices;
  close(): Promise<void>;
}

/**
 * What `openNode` opens a data directory with. It opens the SQLite store,
 * key store, HTTP client and resolver these describe, and passes them to
 * `createNode` (see `NodeDeps` to compose a node from ports of your own).
 */
export interface NodeOptions {
  /** The data directory; the CLI defaults it to `./.legate`. */
  dataDir: string;
  /**
   * The audit chain this instance appends to: `process`, a fresh one of its
   * own, closed (`chain-close`) by `close()` (the default on PostgreSQL, so
   * the instances of a fleet never wait on each other); or `store`, the
   * store's own chain, kept in its settings across restarts (the default on
   * SQLite, and what one-shot CLI commands use, so they open no chain each).
   */
  auditChain?: 'process' | 'store' | undefined;
  /** Unlocks a passphrase-protected key store (the CLI reads `LEGATE_PASSPHRASE`). */
  passphrase?: string | undefined;
  /**
   * A `postgres://` URL: the node's store is that PostgreSQL database, shared
   * by every instance of a fleet (the CLI reads `LEGATE_DATABASE_URL` or
   * `--store`); without it, the SQLite file in the data directory.
   */
  database?: string | undefined;
  /** Most connections to the PostgreSQL database; default 10. */
  databasePoolSize?: number | undefined;
  /** Counts the PostgreSQL store's statements, transactions and lock waits into this object (`pgCounters()`, from `legate/store`); off by default. */
  databaseCounters?: PgCounters | undefined;
  clock?: Clock;
  /** Carries every outbound request under the node's HTTP client (tests); the client's checks still run first. */
  fetch?: typeof globalThis.fetch;
  /** The outbound HTTP client to use instead of one of the node's own (for an `allowAddress` policy, say). */
  http?: HttpClient;
  /** Deadline of each outbound request of the node's own client (peers, DID documents), in ms; default 10,000 for peers, 5,000 for DID documents. */
  timeoutMs?: number | undefined;
  /** Allow plain HTTP did:web resolution for loopback hosts (tests, local demos). */
  allowHttpLoopback?: boolean;
  /** Lifetime of the session tokens this node issues in handshakes, in seconds; default the store's shared `sessionLifetime` setting (300). */
  sessionLifetimeSeconds?: number;
  /** The renewal policy (`lib/renewal`); default the store's shared `renewal` setting (none). */
  renewal?: readonly RenewalRule[];
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
  /** How this node bounds what it verifies; see {@link VerifierPolicy}. Fields given here win over the store's shared settings (config/shared). */
  verifier?: VerifierPolicy;
  /** The OAuth settings; fields given here win over the store's shared `oauth.*` settings. */
  oauth?: Partial<OAuthPolicy>;
  /** Revocation push; fields given here win over the defaults ({@link DEFAULT_STATUS_PUSH_POLICY}). */
  statusPush?: Partial<StatusPushPolicy>;
  /** Webhook notifications; fields given here win over the store's shared `webhook.*` settings. */
  webhook?: Partial<WebhookPolicy>;
  /** The second-person policy; fields given here win over the store's shared `operators.*` settings. */
  changes?: Partial<ChangePolicy>;
  /** The alert thresholds; fields given here win over the store's shared `alerts.*` settings. */
  alerts?: Partial<AlertPolicy>;
  /** Told of every alert this instance stores (the webhook seam); see `NodeDeps.onAlert`. */
  onAlert?: ((alert: AlertRecord) => unknown) | undefined;
}

/**
 * Revocation push (#17 item 5): how this node subscribes to the status
 * lists it relies on, takes notices, and notifies its own subscribers.
 */
export interface StatusPushPolicy {
  /** Subscribe, take notices and send them; false: none of it (the maximum status age alone bounds the delay). */
  enabled: boolean;
  /**
   * Subscribe to the lists this node relies on; default true. A one-shot
   * command (`legate verify`) sets false: it would not be there to take the
   * notices, and closing would wait for the subscription. Notices of its own
   * changes are still sent.
   */
  subscribe?: boolean | undefined;
  /** Lifetime of the subscriptions this node asks for, in seconds (renewed at half of it while relied on; at most 86,400). */
  subscriptionLifetimeSeconds: number;
  /** Most of this node's lists one subscriber may be subscribed to. */
  maxSubscriptionsPerSubscriber: number;
  /** Most subscriptions this node keeps, over every subscriber. */
  maxSubscriptions: number;
  /** Most notices taken from one issuer per window; more are refused (`ERR_RATE_LIMITED`). */
  noticesPerWindow: number;
  /** The notice rate window, in seconds. */
  noticeWindowSeconds: number;
  /** Most notices sent at once. */
  noticeConcurrency: number;
  /** Attempts per notice (and subscription request timeout below). */
  noticeAttempts: number;
  /** Pause before the first retry of a notice, in ms (then four times longer each time). */
  noticeRetryMs: number;
  /** Deadline of each notice or subscription request, in ms. */
  noticeTimeoutMs: number;
  /** Most notices waiting to be sent; past it a change is not pushed (subscribers see it at their maximum status age). */
  maxQueuedNotices: number;
  /** Hears background failures (a subscription or notice given up on); default: none. */
  onError?: ((error: unknown) => void) | undefined;
}

/** The revocation push defaults. */
export const DEFAULT_STATUS_PUSH_POLICY: StatusPushPolicy = {
  enabled: true,
  subscriptionLifetimeSeconds: 3600,
  maxSubscriptionsPerSubscriber: 256,
  maxSubscriptions: 10_000,
  noticesPerWindow: 30,
  noticeWindowSeconds: 60,
  noticeConcurrency: 4,
  noticeAttempts: 3,
  noticeRetryMs: 500,
  noticeTimeoutMs: 5000,
  maxQueuedNotices: 1000,
};

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

/** Marks a {@link transactionView} (and, through its prototype, a view of a view). */
const IN_TRANSACTION = Symbol('legate.transactionView');

/**
 * The node seen through a transaction's repositories: an object whose
 * prototype is `ctx`, with only `store` (the transaction) and `keys` (the key
 * store writing through it) of its own. Operations called
 * with it never wait on the outer store, and share the node's services.
 */
export function transactionView(ctx: NodeContext, tx: Store): NodeContext {
  // Plain assignments on Object.create: about 0.3 µs, against 1-2 µs for the spread copy it replaces
  // (property descriptors or a lazy getter would cost 10 µs or more).
  const view = Object.create(ctx) as { -readonly [K in keyof NodeContext]: NodeContext[K] } & { [IN_TRANSACTION]?: true };
  view.store = tx;
  view.keys = ctx.keys.with(tx);
  view[IN_TRANSACTION] = true;
  return view;
}

/**
 * Whether `ctx` is a {@link transactionView}: its reads must go through its
 * own store (the transaction, which sees its own writes), never through
 * the node's kept reads.
 */
export function isTransactionView(ctx: NodeContext): boolean {
  return (ctx as { [IN_TRANSACTION]?: true })[IN_TRANSACTION] === true;
}

/**
 * Runs `fn` in one store transaction, with the node seen through it
 * ({@link transactionView}): everything `fn` writes through `tx` (its
 * `store`, `keys`, audit entries) commits together or not at all.
 *
 * @example
 * ```ts
 * await inTransaction(node, async (tx) => {
 *   await tx.store.putAgent(agent);
 *   await audit(tx, { type: 'agent', decision: 'allow', action: 'create', agent: agent.did });
 * });
 * ```
 */
export function inTransaction<T>(ctx: NodeContext, fn: (tx: NodeContext) => Promise<T>): Promise<T> {
  return ctx.store.transaction((store) => fn(transactionView(ctx, store)));
}
