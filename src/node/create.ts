/**
 * @module node/create
 *
 * The composition root: {@link createNode} takes what a node is built from
 * (its store's ports, key store, clock, DID resolver, HTTP client and
 * settings) and builds each of its services once. Nothing in `node/` keeps
 * state at module level: the status checker's and trust registry's caches
 * and the refusal window belong to the instance returned here, so two nodes
 * in one process share nothing. `openNode` opens the SQLite store, key
 * store, HTTP client and resolver of a data directory and calls this.
 */

import { SignatureMemo } from '../lib/signature-memo.js';
import { StatusIndexOrders } from '../status/index-order.js';
import { StatusLeases } from '../status/leases.js';
import { checkRenewalRules, type RenewalRule } from '../lib/renewal.js';
import { randomUUID } from 'node:crypto';
import { DEFAULT_ALERT_POLICY, DEFAULT_OAUTH_POLICY, type AlertPolicy, type OAuthPolicy } from '../config/node-options.js';
import { parseSetting } from '../config/parse-value.js';
import { settingSpec } from '../config/settings.js';
import type { KeyResolvable } from '../did/verification-key.js';
import type { AuditFields, AuditLog, AuditMemo } from '../audit/types.js';
import type { AppendedAudit } from '../audit/append.js';
import { isLegateError } from '../errors/index.js';
import type { KeyStore } from '../keys/keystore.js';
import type { Sealing } from '../keys/master-key.js';
import type { Clock } from '../lib/clock.js';
import type { HttpClient } from '../lib/http-client.js';
import type { OrganizationRecord, Store } from '../store/types.js';
import type { AlertRecord } from '../store/ports/alerts.js';
import { createAgentService } from './agents.js';
import { createAlertService } from './alerts/service.js';
import { Limiter } from '../lib/limiter.js';
import { createAuditService } from './audit.js';
import { DEFAULT_STATUS_PUSH_POLICY, transactionView, type NodeContext, type StatusPushPolicy, type VerifierPolicy } from './context.js';
import { createStatusPushService } from './revocation-push.js';
import { nodeBaseUrl, trustListUrlOf } from './documents.js';
import { organizationSigner } from './signers.js';
import { stampedRead } from './stamped.js';
import { createCanonicalHashes, type CanonicalHashes } from '../data-integrity/hashes.js';
import { operationServices, type NodeServices } from './services.js';
import { createSigningService } from './signing.js';
import { createWebhookNotifier, DEFAULT_WEBHOOK_POLICY, type WebhookPolicy } from './webhook/notifier.js';
import { DEFAULT_CHANGE_POLICY, type ChangePolicy } from './changes/policy.js';
import { DpopProofKeys } from '../oauth/dpop.js';
import { createVerifier } from './verify.js';

/** What a node is built from. */
export interface NodeDeps {
  /** Where the node's files live (for `legate` commands that read them); informational to the services. */
  dataDir: string;
  organization: OrganizationRecord;
  /** The store: every repository port, plus transactions. */
  store: Store;
  /** The key store over the same store. */
  keys: KeyStore;
  sealing: Sealing;
  clock: Clock;
  /** Answers for this node's own DIDs from the store, and resolves everything else. */
  resolver: KeyResolvable;
  /** The one outbound HTTP client. */
  http: HttpClient;
  /** Plain HTTP for loopback hosts (tests, local demos); default false. */
  allowHttpLoopback?: boolean;
  /** Lifetime of the session tokens this node issues, in seconds; default 300. */
  sessionLifetimeSeconds?: number;
  /** When the node renews its agents' credentials; default none (checked: `ERR_INVALID_ARGUMENT`). */
  renewal?: readonly RenewalRule[] | undefined;
  verifier?: VerifierPolicy | undefined;
  /** The OAuth settings (`oauth.*`); default {@link DEFAULT_OAUTH_POLICY}, field by field. */
  oauth?: Partial<OAuthPolicy> | undefined;
  /** Revocation push; default {@link DEFAULT_STATUS_PUSH_POLICY}, field by field. */
  statusPush?: Partial<StatusPushPolicy> | undefined;
  /** Webhook notifications; default {@link DEFAULT_WEBHOOK_POLICY} (none sent), field by field. */
  webhook?: Partial<WebhookPolicy> | undefined;
  /** The second-person policy; default {@link DEFAULT_CHANGE_POLICY} (no change waits), field by field. */
  changes?: Partial<ChangePolicy> | undefined;
  /** The alert rules' thresholds (`alerts.*`); default {@link DEFAULT_ALERT_POLICY}, field by field. */
  alerts?: Partial<AlertPolicy> | undefined;
  /**
   * Told of every alert this instance stores (plug a webhook notifier in
   * here). Called without waiting; whatever it does or throws never holds up
   * or fails a decision. Default: nothing.
   */
  onAlert?: ((alert: AlertRecord) => unknown) | undefined;
  /** The node's cache of canonical hashes (Data Integrity proofs); default: one of the node's own. */
  canonicalHashes?: CanonicalHashes;
  /** Releases what the caller opened for this node (store, HTTP client); default: nothing. */
  close?: () => Promise<void>;
  /**
   * The audit chain this instance appends to, opened by a `chain-open`
   * entry at its first append and closed (a `chain-close` entry) by
   * `close`; if it is found closed under the instance (its liveness lease
   * lapsed, see `node/audit-jobs`), a fresh chain replaces it. Default the
   * store's own chain (kept in its settings, so a single node keeps one
   * chain across restarts, never closed). openNode makes a fresh one per
   * process on PostgreSQL.
   */
  auditChain?: string | undefined;
}

/** Appends `chain-close` to this instance's chain, once, if it ever appended (a chain with no entries has nothing to close). */
async function closeAuditChain(node: NodeContext, chain: string): Promise<void> {
  const last = await node.store.lastAuditEntry(chain);
  if (last === undefined) return;
  const { isChainClose } = await import('../audit/entry.js');
  if (isChainClose(last)) return;
  await node.services.audit.record({ type: 'chain-close' });
}

/** True for the refusal of an append to a closed chain (`audit/append`). */
const chainClosed = (error: unknown): boolean => isLegateError(error) && error.code === 'ERR_CONFLICT' && error.reason === 'chain_closed';

/**
 * Builds a node and its services from `deps`. The node does not own the
 * store or the HTTP client: `close` is what `deps.close` says (openNode
 * passes one that closes both).
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim `oauth.issuer`) for an issuer URL with a path, query or fragment.
 *
 * @example
 * ```ts
 * const node = createNode({ dataDir, organization, store, keys, sealing: 'keyfile', clock, resolver, http });
 * const alice = await node.services.agents.create({ name: 'alice', owner: 'mailto:carol@acme.example' });
 * ```
 */
export function createNode(deps: NodeDeps): NodeContext {
  // What code passes is checked as the store's setting is: an issuer with a path would advertise endpoints never served.
  if (deps.oauth?.issuer !== undefined) parseSetting(settingSpec('oauth.issuer')!, deps.oauth.issuer);
  const services = {} as NodeServices;
  // Modules loaded on first use (#14), each looked up once per node rather than at every call.
  let trustListRead: Promise<(ctx: NodeContext) => Promise<string>> | undefined;
  let localStatus: Promise<(url: string) => Promise<string | undefined>> | undefined;
  // The node's own trust list and status lists, read at every decision: kept until the store says they may have changed.
  const ownTrustList = stampedRead(deps.store, async (_: 'own') => (await (trustListRead ??= import('./registry.js').then((m) => m.publishedTrustList)))(node));
  const ownStatusList = stampedRead(deps.store, async (url: string) => (await (localStatus ??= import('./status.js').then((m) => m.localStatusLists(node))))(url));
  const ownStatusPrefix = `${nodeBaseUrl(deps.organization.domain)}/status/`;
  const localStatusList = (url: string) => (url.startsWith(ownStatusPrefix) ? ownStatusList(url) : Promise.resolve(undefined));
  let closing: Promise<void> | undefined;
  // This instance's audit chain: replaced by a fresh one when found closed (its liveness lease lapsed and the checkpoint job closed it).
  let auditChain = deps.auditChain;
  let closedChain: string | undefined;
  let inlineCheckpoints = true;
  const started = deps.clock().toISOString();
  let appendAuditOf: Promise<(log: AuditLog, fields: AuditFields) => Promise<AppendedAudit>> | undefined;
  // What this node's appends remember between them (audit/types AuditMemo): instance state, like the caches above.
  const auditMemo: AuditMemo = {};
  const node: NodeContext = {
    dataDir: deps.dataDir,
    organization: deps.organization,
    store: deps.store,
    keys: deps.keys,
    sealing: deps.sealing,
    clock: deps.clock,
    resolver: deps.resolver,
    http: deps.http,
    allowHttpLoopback: deps.allowHttpLoopback ?? false,
    sessionLifetimeSeconds: deps.sessionLifetimeSeconds ?? 300,
    renewal: checkRenewalRules(deps.renewal ?? []),
    ...(deps.verifier === undefined ? {} : { verifier: deps.verifier }),
    oauth: { ...DEFAULT_OAUTH_POLICY, ...deps.oauth },
    statusPush: { ...DEFAULT_STATUS_PUSH_POLICY, ...deps.statusPush },
    webhook: { ...DEFAULT_WEBHOOK_POLICY, ...deps.webhook },
    changes: { ...DEFAULT_CHANGE_POLICY, ...deps.changes },
    canonicalHashes: deps.canonicalHashes ?? createCanonicalHashes(),
    signatureMemo: new SignatureMemo(),
    statusOrders: new StatusIndexOrders(),
    statusLeases: new StatusLeases(),
    // Filled by node/oauth/nonce-key on the first nonce (the module itself is loaded only then).
    nonceKeys: {},
    dpopKeys: new DpopProofKeys(),
    services,
    // Idempotent: the chain is closed once, and deps.close is called once.
    close: () =>
      (closing ??= (async () => {
        await services.statusPush.close();
        // Alerts still being written go to the store before it closes.
        await services.alerts.settled();
        // Retries stop at once; only deliveries already on the wire are waited for, each within its deadline.
        await services.webhook.close();
        await services.signing.close();
        // The last entry signs a checkpoint then due itself, schedule or not: no job runs after the node closes.
        inlineCheckpoints = true;
        if (auditChain !== undefined) await closeAuditChain(node, auditChain);
        await deps.close?.();
      })()),
  };
  Object.assign(services, operationServices(node), {
    agents: createAgentService({
      organization: node.organization,
      store: node.store,
      keys: node.keys,
      clock: node.clock,
      // Late-bound: the audit service is built just below.
      audit: { record: (fields, tx) => services.audit.record(fields, tx) },
      resolver: node.resolver,
      retire: async (name, options) => (await import('./retire.js')).retireAgent(node, name, options),
    }),
    verifier: createVerifier({
      self: node.organization.did,
      // node/registry and node/status are loaded when the verifier first needs them (#14).
      ownTrustList: { url: trustListUrlOf(node.organization.domain), read: () => ownTrustList('own') },
      localStatusList: localStatusList,
      isLocalStatusList: (url) => url.startsWith(ownStatusPrefix),
      // A store without a stamp (none today) keeps no decision.
      changeStamp: () => deps.store.changeStamp?.(),
      resolver: node.resolver,
      http: node.http,
      clock: node.clock,
      allowHttpLoopback: node.allowHttpLoopback,
      policy: node.verifier,
      canonicalHashes: node.canonicalHashes,
      signatureMemo: node.signatureMemo,
      // Late-bound: the push service is built just below.
      onRemoteList: (url, issuer) => services.statusPush.relyOn(url, issuer),
    }),
    // Two hashes at a time (64 MiB of scrypt memory), eight more waiting: a flood of sign-ins is refused, not queued without end.
    passwords: new Limiter({ concurrency: 2, queue: 8 }),
    alerts: createAlertService({
      store: node.store,
      clock: node.clock,
      policy: { ...DEFAULT_ALERT_POLICY, ...deps.alerts },
      self: node.organization.did,
      // Stored alerts go to the webhook (never blocking the rules), and to whoever opened the node.
      onAlert: (alert) => {
        services.webhook.send({ type: 'alert.fired', id: alert.id, at: alert.firedAt, data: { rule: alert.rule, severity: alert.severity, subject: alert.subject, message: alert.message } });
        return deps.onAlert?.(alert);
      },
    }),
    signing: createSigningService(),
    webhook: createWebhookNotifier({ issuer: node.organization.did, http: node.http, signer: () => organizationSigner(node), clock: node.clock, policy: node.webhook }),
    statusPush: createStatusPushService(node, node.statusPush, (url) => services.verifier.statusChecker.expire(url)),
    audit: createAuditService({
      clock: node.clock,
      memo: auditMemo,
      // Through the transaction when given, so the entry commits with the decision it records; checkpoints
      // are signed by the organization's newest key, unlocked only when one is due.
      // The audit log's code (entries, checkpoints, their signatures) is loaded by the first append, not when the node opens (#14).
      append: async (fields, tx, options) => {
        const appendAudit = await (appendAuditOf ??= import('../audit/append.js').then((m) => m.appendAudit));
        const via = tx === undefined || tx === node.store ? node : transactionView(node, tx);
        const logOf = (chain: string | undefined): AuditLog => ({
          store: via.store,
          clock: node.clock,
          chain,
          // What its chain-open records: when this instance started, and the chain it had before, if one was closed under it.
          opening: { started, ...(closedChain === undefined ? {} : { previous: closedChain }) },
          checkpoints: { issuer: node.organization.did, signer: () => organizationSigner(via), inline: inlineCheckpoints && (via === node || options?.checkpoint !== false) },
          memo: auditMemo,
          // Through a caller's transaction: the entry commits with the decision or not at all (see AuditService.record).
          enclosed: via !== node,
        });
        const chain = auditChain;
        try {
          return await appendAudit(logOf(chain), fields);
        } catch (error) {
          // Never append after a close: a chain closed under this instance is left as it is, and a fresh one opened.
          if (chain === undefined || !chainClosed(error)) throw error;
          if (fields.type === 'chain-close') return undefined;
          if (auditChain === chain) [closedChain, auditChain] = [chain, `urn:uuid:${randomUUID()}`];
          return appendAudit(logOf(auditChain), fields);
        }
      },
      chain: () => auditChain,
      scheduleCheckpoints: (scheduled) => {
        inlineCheckpoints = !scheduled;
      },
    }),
  });
  return node;
}
