/**
 * @module config/settings
 *
 * Every setting of a Legate node, defined once: its name, type, unit,
 * default, scope, and where it may be given. The loader, the validators,
 * `legate config`, the CLI's flags and the README's table all read this
 * table, so a new setting (OAuth, fleet, lifecycle, console) is one row here
 * and one line where it is used.
 *
 * Two scopes:
 * - `node`: this instance alone (its data directory, address, timers). Given
 *   by a JSON file, `LEGATE_*` environment variables and flags; a flag beats
 *   the environment, which beats the file, which beats the default.
 * - `shared`: what every instance of a fleet must agree on (how long session
 *   tokens last, how a verifier bounds its work and status age). Kept in the
 *   store's settings, set with `legate config set`, read at every open; never
 *   from the file or the environment, so two instances cannot disagree.
 *
 * This module imports nothing, so the CLI's program may read its flags
 * without loading anything else.
 */

/** How a setting's value is written and checked. */
export type SettingType =
  /** `true`/`false` (`1`/`0` in the environment). */
  | 'boolean'
  /** A whole number within `min`..`max`. */
  | 'integer'
  /** A length of time in `unit` (`s` or `ms`): a whole number, or a duration such as `5m`, `PT30S` (no months or years). */
  | 'duration'
  /** Text. */
  | 'string'
  /** A list of status-age rules `[{ action, resource, maxStatusAge }]` (JSON). */
  | 'status-age-rules'
  /** A per-agent renewal policy `[{ agent, lifetime, renewBefore }]` (JSON; `agent: "*"` for every other agent). */
  | 'renewal-rules'
  /** A list of absolute URLs or DIDs: a JSON array of strings, or the entries separated by spaces (see `SettingSpec.audiences`). */
  | 'list';

/** Where a resolved value came from, strongest last. */
export type SettingSource = 'default' | 'file' | 'env' | 'store' | 'flag';

/** A resolved value: boolean, number, text, or the rules list. */
export type SettingValue = boolean | number | string | readonly unknown[];

/** One row of the settings table. */
export interface SettingSpec {
  /** The key in the file and in `legate config`. */
  readonly name: string;
  readonly type: SettingType;
  /** `node`: per instance (file, environment, flags). `shared`: fleet-wide, in the store. */
  readonly scope: 'node' | 'shared';
  /** The value when nothing sets it; absent when the default depends on something else (then `defaultNote` says what). */
  readonly default?: SettingValue;
  /** What an absent default means. */
  readonly defaultNote?: string;
  /** The unit of a number: `s`, `ms` or `bytes`. */
  readonly unit?: 's' | 'ms' | 'bytes';
  /** Bounds of a number, in `unit`. */
  readonly min?: number;
  readonly max?: number;
  /** The environment variable that sets it (node settings). */
  readonly env?: string;
  /** The flag that sets it, as commander declares it (`--timeout <ms>`). For a shared setting, a per-run override. */
  readonly flag?: string;
  /** False when the file may not hold it (the data directory locates the file; secrets stay out of files). */
  readonly inFile?: boolean;
  /** Never printed. */
  readonly secret?: boolean;
  /** A `string` that must be an http(s) URL with no path, query or fragment (an origin; a trailing `/` is allowed). */
  readonly origin?: boolean;
  /** A `string` that must be an absolute http(s) URL without user info or fragment (a path and query are allowed). */
  readonly url?: boolean;
  /** A `string` that must be one of these words; for a `list`, each entry must be. */
  readonly choices?: readonly string[];
  /** A `list` of IP addresses and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`), not URLs or DIDs. */
  readonly addresses?: boolean;
  /** A `list` whose DID entries may name, after `=`, one audience they serve (an http(s) URL or a DID): `did:web:rs.example=https://rs.example/api`. */
  readonly audiences?: boolean;
  /** One line for the help and the README. */
  readonly doc: string;
}

/** The settings table. Order is the order `legate config show` and the README list them in. */
/** The words `logLevel` takes, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The events the node sends to its webhook (`node/webhook`). */
export const WEBHOOK_EVENTS = ['approval.requested', 'approval.decided', 'alert.fired', 'change.requested', 'change.confirmed'] as const;

/** The changes the second-person policy may cover (`node/changes`). */
export const CHANGE_KINDS = ['revoke', 'suspend', 'reinstate', 'retire'] as const;

export const SETTINGS: readonly SettingSpec[] = [
  { name: 'data', type: 'string', scope: 'node', default: './.legate', env: 'LEGATE_DATA', flag: '--data <dir>', inFile: false, doc: 'data directory of this node' },
  { name: 'config', type: 'string', scope: 'node', defaultNote: 'legate.config.json in the data directory, when present', env: 'LEGATE_CONFIG', flag: '--config <path>', inFile: false, doc: 'the JSON file of node settings' },
  { name: 'passphrase', type: 'string', scope: 'node', defaultNote: 'none: keys sealed by master.key', env: 'LEGATE_PASSPHRASE', inFile: false, secret: true, doc: 'unlocks a passphrase-sealed key store (environment only: never a flag or a file)' },
  { name: 'database', type: 'string', scope: 'node', defaultNote: 'the SQLite file `legate.db` in the data directory', env: 'LEGATE_DATABASE_URL', flag: '--store <url>', inFile: false, secret: true, doc: 'a `postgres://` URL: the PostgreSQL database this instance shares with the other instances of its fleet (environment or flag only: the URL may hold a password)' },
  { name: 'databasePoolSize', type: 'integer', min: 1, max: 1000, scope: 'node', default: 10, env: 'LEGATE_DATABASE_POOL_SIZE', doc: 'most connections this instance opens to its PostgreSQL database' },
  { name: 'allowHttpLoopback', type: 'boolean', scope: 'node', default: false, env: 'LEGATE_ALLOW_HTTP_LOOPBACK', flag: '--allow-http-loopback', doc: 'allow requests to loopback addresses, over plain HTTP too' },
  { name: 'timeout', type: 'duration', unit: 'ms', min: 1, max: 600_000, scope: 'node', defaultNote: '10000 for peers, 5000 for DID documents', env: 'LEGATE_TIMEOUT', flag: '--timeout <ms>', doc: 'deadline of each request to a peer' },
  { name: 'host', type: 'string', scope: 'node', default: '127.0.0.1', env: 'LEGATE_HOST', flag: '--host <h>', doc: '`serve`: address to bind' },
  { name: 'port', type: 'integer', min: 0, max: 65535, scope: 'node', defaultNote: "the port in the organization's domain, else 7401", env: 'LEGATE_PORT', flag: '--port <n>', doc: '`serve`: port to listen on' },
  { name: 'sweepInterval', type: 'duration', unit: 's', min: 1, max: 86_400, scope: 'node', default: 60, env: 'LEGATE_SWEEP_INTERVAL', doc: '`serve`: how often expired sessions, replay claims and usage rows are deleted' },
  { name: 'statusRefreshInterval', type: 'duration', unit: 's', min: 0, max: 86_400, scope: 'node', default: 900, env: 'LEGATE_STATUS_REFRESH_INTERVAL', doc: '`serve`: how often the status-list re-signing job runs (one instance of a fleet does the work); 0: this instance never runs it' },
  { name: 'renewalInterval', type: 'duration', unit: 's', min: 0, max: 86_400, scope: 'node', default: 300, env: 'LEGATE_RENEWAL_INTERVAL', doc: '`serve`: how often the credential renewal job runs (one instance of a fleet does the work); 0: this instance never runs it' },
  { name: 'auditCheckpointInterval', type: 'duration', unit: 's', min: 0, max: 3600, scope: 'node', default: 10, env: 'LEGATE_AUDIT_CHECKPOINT_INTERVAL', doc: '`serve`: how often the audit checkpoint job looks for a due checkpoint and closes chains of instances gone (one instance of a fleet does the work); 0: this instance never runs it, and its appends sign due checkpoints themselves' },
  { name: 'trustedProxies', type: 'list', addresses: true, scope: 'node', default: [], env: 'LEGATE_TRUSTED_PROXIES', doc: '`serve`: the load balancers and proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` names the client; the right-most address there that is not itself one of them is the peer. None: the header is ignored and the connection\'s address is the peer' },
  { name: 'alertCheckInterval', type: 'duration', unit: 's', min: 0, max: 86_400, scope: 'node', default: 900, env: 'LEGATE_ALERT_CHECK_INTERVAL', doc: '`serve`: how often credentials and keys nearing expiry or rotation age are looked for and old acknowledged alerts swept (one instance of a fleet does the work); 0: this instance never runs it' },
  { name: 'heapGrowthPercent', type: 'integer', min: 0, max: 300, scope: 'node', default: 25, env: 'LEGATE_HEAP_GROWTH_PERCENT', doc: '`serve`: how far past what the last full garbage collection kept V8 lets the JavaScript heap grow before collecting again (V8 `--heap-growing-percent`); bounds memory under churn at the cost of more frequent full collections, each pausing every request in flight (16 actions in flight: p99 about 38 ms at 25, 25 ms at 0); 0: V8\'s own policy, which lets it grow up to four times' },
  { name: 'logLevel', type: 'string', choices: LOG_LEVELS, scope: 'node', default: 'info', env: 'LEGATE_LOG_LEVEL', flag: '--log-level <level>', doc: '`serve`: least severity of the JSON log lines written to stderr: `fatal`, `error`, `warn`, `info` (one line per request), `debug`, `trace`, or `silent` (none)' },
  { name: 'sessionLifetime', type: 'duration', unit: 's', min: 1, max: 86_400, scope: 'shared', default: 300, flag: '--session-lifetime <seconds>', doc: 'lifetime of the session tokens this node issues in handshakes (`serve --session-lifetime` overrides it for one run)' },
  { name: 'maxStatusAge', type: 'duration', unit: 's', min: 0, max: 31_536_000, scope: 'shared', default: 300, doc: "oldest a remote status list may be, whatever its issuer's ttl" },
  { name: 'statusAgePolicy', type: 'status-age-rules', scope: 'shared', default: [], doc: 'fresher status for capabilities matching a pattern: [{"action","resource","maxStatusAge"}]' },
  { name: 'renewal', type: 'renewal-rules', scope: 'shared', default: [], doc: 'renew agents\' credentials before they expire: [{"agent","lifetime","renewBefore"}], `agent` a name or `*`; none: nothing is renewed' },
  { name: 'statusPush.enabled', type: 'boolean', scope: 'shared', default: true, doc: 'revocation push: subscribe to the status lists this node relies on, take their issuers\' notices, and notify this node\'s own subscribers; false: the maximum status age alone bounds how late a revocation is seen' },
  { name: 'statusPush.maxSubscriptionsPerSubscriber', type: 'integer', min: 1, max: 100_000, scope: 'shared', default: 256, doc: 'most of this node\'s status lists one partner may be subscribed to' },
  { name: 'statusPush.maxSubscriptions', type: 'integer', min: 0, max: 10_000_000, scope: 'shared', default: 10_000, doc: 'most subscriptions to this node\'s status lists, over every partner' },
  { name: 'statusPush.noticesPerMinute', type: 'integer', min: 1, max: 100_000, scope: 'shared', default: 30, doc: 'most status notices taken from one issuer per minute; more are refused (`ERR_RATE_LIMITED`)' },
  { name: 'workLimits.resolutions', type: 'integer', min: 0, max: 10_000, scope: 'shared', default: 40, doc: 'most distinct DIDs one incoming message may make the node resolve' },
  { name: 'workLimits.statusLists', type: 'integer', min: 0, max: 10_000, scope: 'shared', default: 32, doc: 'most distinct status lists one incoming message may make the node look up' },
  { name: 'workLimits.inflatedBytes', type: 'integer', unit: 'bytes', min: 0, max: 1_073_741_824, scope: 'shared', default: 16_777_216, doc: 'most status-list bytes one incoming message may make the node inflate' },
  { name: 'workLimits.signatures', type: 'integer', min: 0, max: 100_000, scope: 'shared', default: 64, doc: 'most signatures one incoming message may make the node verify' },
  { name: 'oauth.issuer', type: 'string', origin: true, scope: 'shared', defaultNote: "the node's base URL from its domain (https; http only for a loopback host)", doc: 'the public URL of this node as an OAuth authorization server: its metadata `issuer` and the `iss` of its access tokens; an origin without a path, as the endpoints are served at the root' },
  { name: 'oauth.resources', type: 'list', scope: 'shared', default: [], doc: 'the resource URLs (RFC 8707) this node issues access tokens for, matched exactly; none: every token request is refused (`ERR_INVALID_TARGET`)' },
  { name: 'oauth.clients', type: 'list', audiences: true, scope: 'shared', default: [], doc: 'resource servers and gateways allowed to call introspection and the AuthZEN evaluation API (`private_key_jwt`), each as `<DID>=<audience>`: the resource URL (or, for session tokens, the agent DID) whose tokens it may ask about; repeat the DID for more; a bare DID authenticates but is told about no token' },
  { name: 'oauth.accessTokenLifetime', type: 'duration', unit: 's', min: 1, max: 3600, scope: 'shared', default: 300, doc: 'lifetime of the access tokens this node issues (never beyond the credentials behind them)' },
  { name: 'oauth.requireDpop', type: 'boolean', scope: 'shared', default: true, doc: 'require a DPoP proof at the token endpoint and bind every token to its key; false also issues Bearer tokens to requests without one' },
  { name: 'oauth.dpopMaxAge', type: 'duration', unit: 's', min: 1, max: 3600, scope: 'shared', default: 120, doc: 'oldest DPoP proof (`iat`) accepted, before the clock skew' },
  { name: 'oauth.nonceLifetime', type: 'duration', unit: 's', min: 1, max: 3600, scope: 'shared', default: 300, doc: 'how long a nonce the authorization server hands out (`DPoP-Nonce`) stays usable' },
  { name: 'oauth.clockSkew', type: 'duration', unit: 's', min: 0, max: 600, scope: 'shared', default: 60, doc: 'clock skew allowed on every time claim the OAuth endpoints check (DPoP `iat`, presentations, client assertions)' },
  { name: 'alerts.failedAuthPerMinute', type: 'integer', min: 1, max: 100_000, scope: 'shared', default: 10, doc: 'failed authentications in a minute, per agent or per peer, beyond which an alert fires; a peer past it is refused (`ERR_PEER_THROTTLED`) until the minute ends' },
  { name: 'alerts.denialSpikeFactor', type: 'integer', min: 1, max: 1000, scope: 'shared', default: 3, doc: 'denials in a minute above this many times the trailing hour\'s per-minute median fire a denial-spike alert (with at least `alerts.denialSpikeMinimum`)' },
  { name: 'alerts.denialSpikeMinimum', type: 'integer', min: 1, max: 1_000_000, scope: 'shared', default: 10, doc: 'fewest denials in a minute that can fire a denial-spike alert' },
  { name: 'alerts.expiryWarning', type: 'duration', unit: 's', min: 0, max: 31_536_000, scope: 'shared', default: 604_800, doc: 'alert when a credential expires, or a key reaches its rotation age, within this span (e.g. `P7D`); 0: no expiry alerts' },
  { name: 'alerts.keyAge', type: 'duration', unit: 's', min: 0, max: 315_360_000, scope: 'shared', default: 7_776_000, doc: 'the rotation age keys are held to when `rotation.*` sets none (e.g. `P90D`); 0: keys only alert against `rotation.*`' },
  { name: 'alerts.retention', type: 'duration', unit: 's', min: 3600, max: 31_536_000, scope: 'shared', default: 2_592_000, doc: 'how long an acknowledged alert is kept before the alert check job deletes it' },
  { name: 'console.sessionLifetime', type: 'duration', unit: 's', min: 300, max: 86_400, scope: 'shared', default: 28_800, doc: 'longest a console session lasts from sign-in, however active (e.g. `PT8H`)' },
  { name: 'console.idleTimeout', type: 'duration', unit: 's', min: 60, max: 86_400, scope: 'shared', default: 1800, doc: 'a console session unused this long ends' },
  { name: 'console.maxFailedSignIns', type: 'integer', min: 1, max: 100, scope: 'shared', default: 5, doc: 'failed console sign-ins in a row after which the account is locked for `console.lockout` (counted across a fleet)' },
  { name: 'console.lockout', type: 'duration', unit: 's', min: 60, max: 86_400, scope: 'shared', default: 900, doc: 'how long a console account stays locked after `console.maxFailedSignIns` failures' },
  { name: 'rotation.organizationKey', type: 'duration', unit: 's', min: 0, max: 315_360_000, scope: 'shared', default: 0, doc: "`serve`: rotate the organization's key when its current key is this old (ISO 8601, e.g. `P90D`; no months or years); 0: never (rotate with `legate key rotate`)" },
  { name: 'webhook.url', type: 'string', url: true, secret: true, scope: 'shared', defaultNote: 'none: no notifications are sent', doc: 'the URL each notification is POSTed to, signed by the organization (README, Webhooks): https, or http to a loopback host on a node that allows http loopback; secret, as such URLs often carry a token' },
  { name: 'webhook.events', type: 'list', choices: WEBHOOK_EVENTS, scope: 'shared', default: [...WEBHOOK_EVENTS], doc: 'the events sent to the webhook, among `approval.requested`, `approval.decided`, `alert.fired`, `change.requested`, `change.confirmed`' },
  { name: 'operators.secondPerson', type: 'list', choices: CHANGE_KINDS, scope: 'shared', default: [], doc: 'the changes an operator asks for that wait for a second, different admin\'s confirmation (`legate changes confirm`, the console), among `revoke`, `suspend`, `reinstate`, `retire`; none: every change takes effect at once' },
  { name: 'operators.changeLifetime', type: 'duration', unit: 's', min: 60, max: 2_592_000, scope: 'shared', default: 86_400, doc: 'how long a change waits for its second operator before it expires' },
  { name: 'rotation.agentKeys', type: 'duration', unit: 's', min: 0, max: 315_360_000, scope: 'shared', default: 0, doc: "`serve`: rotate each did:web agent's key when its current key is this old (e.g. `P7D`); 0: never" },
];

/** The row named `name`, or undefined. */
export function settingSpec(name: string): SettingSpec | undefined {
  return SETTINGS.find((spec) => spec.name === name);
}

/** The row that declares `flag` (`--timeout`), or undefined. */
export function specOfFlag(flag: string): SettingSpec | undefined {
  return SETTINGS.find((spec) => spec.flag?.split(' ')[0] === flag);
}

/** Commander's attribute for a flag: `--allow-http-loopback <x>` → `allowHttpLoopback`. */
export function flagAttribute(flag: string): string {
  return flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The help line of a flag: the setting's doc, its environment variable, unit and default. */
export function flagHelp(spec: SettingSpec): string {
  const fallback = spec.default === undefined || spec.default === false ? spec.defaultNote : JSON.stringify(spec.default);
  const extras = [
    spec.unit === undefined ? undefined : `in ${spec.unit}`,
    spec.env === undefined ? undefined : `or ${spec.env}`,
    fallback === undefined ? undefined : `default: ${fallback}`,
  ].filter((x) => x !== undefined);
  const doc = spec.doc.replace(/^`serve`: /, '');
  return extras.length === 0 ? doc : `${doc} (${extras.join('; ')})`;
}

/**
 * A commander `.option()`'s arguments for setting `name`: its flag and help
 * line. No commander default: a default would hide the file and environment.
 * @throws TypeError when the setting has no flag.
 */
export function flagOf(name: string): [flag: string, help: string] {
  const spec = settingSpec(name);
  if (spec?.flag === undefined) throw new TypeError(`setting ${name} has no flag`);
  return [spec.flag, flagHelp(spec)];
}

/** The name of the node's configuration file inside its data directory. */
export const CONFIG_FILE = 'legate.config.json';
