/**
 * @module config/node-options
 *
 * The one place resolved settings become what the node is opened with:
 * the options of this instance (data directory, passphrase, HTTP client,
 * `serve`'s address and timers) from {@link NodeConfig}, and the fleet's
 * policy (session lifetime, the verifier's work limits and status ages) from
 * {@link SharedConfig}. The shapes match `NodeOptions` and `VerifierPolicy`
 * of `node/context` without importing it: the node imports its configuration,
 * never the other way.
 */

import type { RenewalRule } from '../lib/renewal.js';
import type { WorkLimits } from '../lib/work-budget.js';
import type { StatusAgeRule } from '../status/max-age.js';
import type { NodeConfig } from './load.js';
import type { SharedConfig } from './shared.js';

/** What opening a node takes from this instance's settings. */
export interface InstanceOptions {
  dataDir: string;
  passphrase: string | undefined;
  allowHttpLoopback: boolean;
  timeoutMs: number | undefined;
  /** A `postgres://` URL: the store is that PostgreSQL database, not the data directory's SQLite file. */
  database: string | undefined;
  databasePoolSize: number;
  /** Present only when a flag overrides the fleet's value for this run. */
  sessionLifetimeSeconds?: number;
}

/** What `legate serve` takes from this instance's settings. */
export interface ServeSettings {
  host: string;
  /** Undefined: the port in the organization's domain, else 7401. */
  port: number | undefined;
  sweepIntervalMs: number;
  /** How often the status-list re-signing job runs; `false`: this instance runs none (another does). */
  statusRefreshIntervalMs: number | false;
  /** How often the credential renewal job runs; `false`: this instance runs none (another does). */
  renewalIntervalMs: number | false;
  /** How often the audit checkpoint job runs; `false`: this instance runs none (its appends checkpoint inline). */
  auditCheckpointIntervalMs: number | false;
  /** The least severity of the log lines written (`logLevel`); `silent`: none. */
  logLevel: string;
  /** The proxies whose `X-Forwarded-For` names the client (`trustedProxies`); none: the connection's address. */
  trustedProxies: readonly string[];
  /** How often the alert check job runs (`alertCheckInterval`); `false`: this instance runs none. */
  alertCheckIntervalMs: number | false;
  /** How far the V8 heap may grow past what the last full collection kept, in percent (`heapGrowthPercent`); 0: V8's own policy. */
  heapGrowthPercent: number;
}

/** The `alerts.*` settings: thresholds of the alert rules, per organization. */
export interface AlertPolicy {
  /** Failed authentications per minute, per agent or per peer, beyond which an alert fires and the peer is throttled. */
  failedAuthPerMinute: number;
  /** Denials in a minute above this times the trailing hour's per-minute median spike. */
  denialSpikeFactor: number;
  /** Fewest denials in a minute that can spike. */
  denialSpikeMinimum: number;
  /** Alert when a credential expires or a key reaches its rotation age within this many seconds; 0: never. */
  expiryWarningSeconds: number;
  /** Rotation age keys are held to when `rotation.*` sets none, in seconds; 0: none. */
  keyAgeSeconds: number;
  /** Seconds an acknowledged alert is kept. */
  retentionSeconds: number;
}

/** The `alerts.*` settings at their defaults. */
export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  failedAuthPerMinute: 10,
  denialSpikeFactor: 3,
  denialSpikeMinimum: 10,
  expiryWarningSeconds: 604_800,
  keyAgeSeconds: 7_776_000,
  retentionSeconds: 2_592_000,
};

/**
 * How the node acts as an OAuth authorization server and policy decision
 * point (#15): the `oauth.*` shared settings, resolved.
 */
export interface OAuthPolicy {
  /** The AS issuer URL; undefined: the node's base URL from its domain. */
  issuer: string | undefined;
  /** Resource URLs tokens may be issued for (exact match). */
  resources: readonly string[];
  /** DIDs allowed to introspect and to ask for evaluations. */
  clients: readonly string[];
  accessTokenLifetimeSeconds: number;
  requireDpop: boolean;
  dpopMaxAgeSeconds: number;
  nonceLifetimeSeconds: number;
  clockSkewSeconds: number;
}

/** The `oauth.*` settings at their defaults (what `createNode` uses for fields not given). */
export const DEFAULT_OAUTH_POLICY: OAuthPolicy = {
  issuer: undefined,
  resources: [],
  clients: [],
  accessTokenLifetimeSeconds: 300,
  requireDpop: true,
  dpopMaxAgeSeconds: 120,
  nonceLifetimeSeconds: 300,
  clockSkewSeconds: 60,
};

/** The `statusPush.*` settings, as `StatusPushPolicy` (node/context) names them. */
export interface StatusPushSettings {
  enabled?: boolean;
  maxSubscriptionsPerSubscriber?: number;
  maxSubscriptions?: number;
  noticesPerWindow?: number;
  noticeWindowSeconds?: number;
}

/** The `webhook.*` settings, as `WebhookPolicy` (node/webhook) names them. */
export interface WebhookSettings {
  url?: string | undefined;
  events?: readonly string[];
}

/** The `operators.*` settings, as `ChangePolicy` (node/changes) names them. */
export interface ChangeSettings {
  secondPerson?: readonly ('revoke' | 'suspend' | 'reinstate' | 'retire')[];
  lifetimeSeconds?: number;
}

/** The fleet's policy, as the node applies it. */
export interface SharedPolicy {
  webhook: WebhookSettings;
  changes: ChangeSettings;
  sessionLifetimeSeconds: number;
  /** When the node renews its agents' credentials (`renewal`). */
  renewal: readonly RenewalRule[];
  statusPush: StatusPushSettings;
  oauth: OAuthPolicy;
  alerts: AlertPolicy;
  verifier: {
    workLimits: WorkLimits;
    maxStatusAgeSeconds: number;
    statusAgePolicy: readonly StatusAgeRule[];
  };
}

/** Code's own choices (a library caller's `openNode` options), which win over the store. */
export interface ExplicitPolicy {
  sessionLifetimeSeconds?: number | undefined;
  renewal?: readonly RenewalRule[] | undefined;
  oauth?: Partial<OAuthPolicy> | undefined;
  statusPush?: StatusPushSettings | undefined;
  alerts?: Partial<AlertPolicy> | undefined;
  verifier?: { workLimits?: Partial<WorkLimits>; maxStatusAgeSeconds?: number; statusAgePolicy?: readonly StatusAgeRule[] } | undefined;
}

const valueOf = (config: Readonly<Record<string, { value: unknown }>>, name: string): unknown => config[name]?.value;

/** The options to open this instance's node with. */
export function instanceOptions(config: NodeConfig): InstanceOptions {
  const lifetime = config.overrides.sessionLifetime?.value;
  return {
    dataDir: valueOf(config.node, 'data') as string,
    passphrase: valueOf(config.node, 'passphrase') as string | undefined,
    allowHttpLoopback: valueOf(config.node, 'allowHttpLoopback') === true,
    timeoutMs: valueOf(config.node, 'timeout') as number | undefined,
    database: valueOf(config.node, 'database') as string | undefined,
    databasePoolSize: valueOf(config.node, 'databasePoolSize') as number,
    ...(typeof lifetime === 'number' ? { sessionLifetimeSeconds: lifetime } : {}),
  };
}

/** `legate serve`'s address and timers. */
export function serveSettings(config: NodeConfig): ServeSettings {
  const refresh = valueOf(config.node, 'statusRefreshInterval') as number;
  const renewal = valueOf(config.node, 'renewalInterval') as number;
  const checkpoints = valueOf(config.node, 'auditCheckpointInterval') as number;
  const alertChecks = valueOf(config.node, 'alertCheckInterval') as number;
  return {
    host: valueOf(config.node, 'host') as string,
    port: valueOf(config.node, 'port') as number | undefined,
    sweepIntervalMs: (valueOf(config.node, 'sweepInterval') as number) * 1000,
    statusRefreshIntervalMs: refresh === 0 ? false : refresh * 1000,
    renewalIntervalMs: renewal === 0 ? false : renewal * 1000,
    auditCheckpointIntervalMs: checkpoints === 0 ? false : checkpoints * 1000,
    logLevel: valueOf(config.node, 'logLevel') as string,
    trustedProxies: (valueOf(config.node, 'trustedProxies') as readonly string[] | undefined) ?? [],
    alertCheckIntervalMs: alertChecks === 0 ? false : alertChecks * 1000,
    heapGrowthPercent: valueOf(config.node, 'heapGrowthPercent') as number,
  };
}

/**
 * The fleet's policy from the shared settings, with what code passed to
 * `openNode` taking precedence field by field.
 */
export function sharedPolicy(shared: SharedConfig, explicit: ExplicitPolicy = {}): SharedPolicy {
  const number = (name: string) => valueOf(shared, name) as number;
  return {
    sessionLifetimeSeconds: explicit.sessionLifetimeSeconds ?? number('sessionLifetime'),
    renewal: explicit.renewal ?? (valueOf(shared, 'renewal') as readonly RenewalRule[]),
    statusPush: {
      enabled: valueOf(shared, 'statusPush.enabled') as boolean,
      maxSubscriptionsPerSubscriber: number('statusPush.maxSubscriptionsPerSubscriber'),
      maxSubscriptions: number('statusPush.maxSubscriptions'),
      noticesPerWindow: number('statusPush.noticesPerMinute'),
      noticeWindowSeconds: 60,
      ...explicit.statusPush,
    },
    oauth: {
      issuer: valueOf(shared, 'oauth.issuer') as string | undefined,
      resources: valueOf(shared, 'oauth.resources') as readonly string[],
      clients: valueOf(shared, 'oauth.clients') as readonly string[],
      accessTokenLifetimeSeconds: number('oauth.accessTokenLifetime'),
      requireDpop: valueOf(shared, 'oauth.requireDpop') as boolean,
      dpopMaxAgeSeconds: number('oauth.dpopMaxAge'),
      nonceLifetimeSeconds: number('oauth.nonceLifetime'),
      clockSkewSeconds: number('oauth.clockSkew'),
      ...explicit.oauth,
    },
    webhook: { url: valueOf(shared, 'webhook.url') as string | undefined, events: valueOf(shared, 'webhook.events') as readonly string[] },
    changes: { secondPerson: valueOf(shared, 'operators.secondPerson') as ChangeSettings['secondPerson'] & object, lifetimeSeconds: number('operators.changeLifetime') },
    alerts: {
      failedAuthPerMinute: number('alerts.failedAuthPerMinute'),
      denialSpikeFactor: number('alerts.denialSpikeFactor'),
      denialSpikeMinimum: number('alerts.denialSpikeMinimum'),
      expiryWarningSeconds: number('alerts.expiryWarning'),
      keyAgeSeconds: number('alerts.keyAge'),
      retentionSeconds: number('alerts.retention'),
      ...explicit.alerts,
    },
    verifier: {
      workLimits: {
        resolutions: number('workLimits.resolutions'),
        statusLists: number('workLimits.statusLists'),
        inflatedBytes: number('workLimits.inflatedBytes'),
        signatures: number('workLimits.signatures'),
        ...explicit.verifier?.workLimits,
      },
      maxStatusAgeSeconds: explicit.verifier?.maxStatusAgeSeconds ?? number('maxStatusAge'),
      statusAgePolicy: explicit.verifier?.statusAgePolicy ?? (valueOf(shared, 'statusAgePolicy') as readonly StatusAgeRule[]),
    },
  };
}
