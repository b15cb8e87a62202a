/**
 * @module registry/trust
 *
 * Trust decisions (DESIGN.md, "Trust registry and federation"): issuer X is
 * trusted for capability P when the verifier is X (its own DID is trusted for
 * everything), or when a path of verified trust lists from one of the
 * verifier's anchors reaches a list that accredits X with a pattern covering
 * P, the accreditation is within its validity and allows the delegation
 * depth asked about, and P lies within every capability bound along the
 * path (the anchor's and each recognition's: a partner cannot widen what the
 * verifier accepted from it). Hop budgets, cycles and the order of the walk
 * are `registry/walk`'s; lists that are expired, not yet valid, revoked,
 * badly signed, unreachable, signed by another DID or published at another
 * URL are skipped and reported with their code. Lookups answer with data;
 * only bad input throws.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import type { Capability } from '../credential/types.js';
import type { StatusCheck } from '../credential/verify-jwt.js';
import type { FetchLike } from '../did/resolver.js';
import { httpClientOf, type HttpClient } from '../lib/http-client.js';
import { legateError, type LegateError } from '../errors/index.js';
import { assertFunction, assertNonEmptyString, assertPositiveInteger, isRecord } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { formatPattern, parsePattern, patternWithin, type CapabilityPattern } from './pattern.js';
import { createListSource, skipOf, windowError, type Session } from './source.js';
import {
  MAX_DELEGATION_DEPTH,
  MAX_TRUST_HOPS,
  type MatchedAccreditation,
  type PathStep,
  type RecognitionDecision,
  type TrustAnchor,
  type TrustDecision,
  type TrustListCredential,
} from './types.js';
import { walk, type WalkNode } from './walk.js';
import { DecisionMemo, type Provenance } from './decision-memo.js';

/** Options of {@link createTrustRegistry}. */
export interface TrustRegistryOptions {
  /** The verifier's own organization DID. */
  self: string;
  /** Trust `self` for every capability without a list. Default true. */
  trustSelf?: boolean | undefined;
  /** The trust lists the verifier starts from; its own published list is typically one. */
  anchors: readonly TrustAnchor[];
  /** Resolves list issuers' DIDs, to verify list signatures. */
  resolver: KeyResolvable;
  /** Obtains every list (as `vc+jwt`) instead of `local` and `fetch`; a throw makes the list unavailable. */
  loadList?: ((url: string) => Promise<string>) | undefined;
  /** The outbound HTTP client (address policy, bounds, cooldown). Default: one of its own (over `fetch`, if given); pass one to share its pool and cooldown. */
  http?: HttpClient | undefined;
  /** Carries list requests under a client of this registry's own (tests); the client's checks still run first. */
  fetch?: FetchLike | undefined;
  /** Consulted first for every list URL; returns the list as `vc+jwt`, or undefined to fall through to `fetch`. */
  local?: ((url: string) => Promise<string | undefined>) | undefined;
  /** Fetch lists of loopback hosts over plain HTTP. Default false: HTTPS only. */
  allowHttpLoopback?: boolean | undefined;
  /** Largest list response accepted, in bytes. Default 64 KiB, the longest token Legate decodes. */
  maxDownloadBytes?: number | undefined;
  /** Request timeout, including the body, in ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** Most lists cached (least recently used evicted first). Default 256. */
  cacheMaxEntries?: number | undefined;
  /** Checks each list's own `credentialStatus`; a revoked or suspended list is skipped. */
  status?: StatusCheck | undefined;
  clock?: Clock | undefined;
  /** Tolerated clock difference for lists' and entries' validity, in seconds. Default 60. */
  skewSeconds?: number | undefined;
  /** Most trust lists one decision opens. Default 64. */
  maxListsPerDecision?: number | undefined;
  /**
   * The change stamp of the store behind `local` (a node's `Store.changeStamp`): it changes whenever a list
   * `local` serves, or a status list behind one, may have. With it, a trusted decision reached through
   * `local` lists only is kept while the stamp and its validity windows hold, for at most a second
   * (`registry/decision-memo`). Not used with `loadList`. Default: nothing kept.
   */
  localStamp?: (() => string | undefined) | undefined;
  /** Whether a status list URL is served from the store behind `localStamp` (a list whose status is checked elsewhere is never kept). */
  localStatus?: ((url: string) => boolean) | undefined;
}

export interface TrustOptions {
  /** The delegation depth of the credential asking (0 for a root credential); must be ≤ the accreditation's `maxDelegationDepth`. */
  depth?: number | undefined;
}

export interface TrustRegistry {
  /** The verifier's own DID. */
  readonly self: string;
  /** Whether `issuer` is trusted for `capability` (a concrete action and resource, or a pattern). */
  isTrusted(issuer: string, capability: CapabilityPattern, options?: TrustOptions): Promise<TrustDecision>;
  /** One `ERR_UNTRUSTED_ISSUER` per distinct `action:resource` of `capabilities` that `rootIssuer` is not trusted for. */
  trustErrors(rootIssuer: string, capabilities: readonly Pick<Capability, 'action' | 'resource'>[], options?: TrustOptions): Promise<LegateError[]>;
  /** Whether the list `registry` (a URL, or its issuer's DID) recognizes `recognized` (a URL or DID), directly or within its hop budgets. */
  isRecognized(registry: string, recognized: string): Promise<RecognitionDecision>;
}

const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_MAX_ENTRIES = 256;
const DEFAULT_SKEW_SECONDS = 60;
const DEFAULT_MAX_LISTS = 64;

function option(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  assertPositiveInteger(value, name);
  return value;
}

function hopCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TRUST_HOPS) {
    throw new RangeError(`${name} must be an integer from 0 to ${MAX_TRUST_HOPS}`);
  }
  return value;
}

function checkAnchor(anchor: unknown, index: number): TrustAnchor {
  const name = `anchors[${index}]`;
  if (!isRecord(anchor)) throw new TypeError(`${name} must be an object`);
  assertNonEmptyString(anchor.url, `${name}.url`);
  assertNonEmptyString(anchor.issuer, `${name}.issuer`);
  const hops = hopCount(anchor.hops, `${name}.hops`);
  const { capabilities } = anchor;
  if (capabilities !== undefined) {
    if (!Array.isArray(capabilities) || capabilities.length === 0) throw new TypeError(`${name}.capabilities must be a non-empty array`);
    capabilities.forEach((p) => parsePattern(p as string));
  }
  return { url: anchor.url, issuer: anchor.issuer, hops, ...(capabilities === undefined ? {} : { capabilities: [...(capabilities as string[])] }) };
}

function checkCapability(capability: unknown): CapabilityPattern {
  if (!isRecord(capability)) throw new TypeError('capability must be an object { action, resource }');
  const { action, resource } = capability;
  if (typeof action !== 'string' || typeof resource !== 'string') throw new TypeError('capability action and resource must be strings');
  // Validates both halves as the trust list schema would.
  return parsePattern(formatPattern({ action, resource }));
}

function checkDepth(depth: unknown): number | undefined {
  if (depth === undefined) return undefined;
  if (typeof depth !== 'number' || !Number.isSafeInteger(depth) || depth < 0) throw new RangeError('depth must be a non-negative integer');
  return depth;
}

/** True when `capability` lies within one of `bound`'s patterns (no bound: within). */
const admits = (bound: readonly string[] | undefined, capability: CapabilityPattern): boolean =>
  bound === undefined || bound.some((pattern) => patternWithin(capability, pattern));

/**
 * Creates a trust registry: the verifier's view of the federation from its
 * anchors, with a cache of verified lists shared by all its decisions.
 *
 * @throws TypeError / RangeError at creation for invalid options;
 * InputError `ERR_MALFORMED` for an anchor's malformed capability pattern.
 *
 * @example
 * ```ts
 * const registry = createTrustRegistry({
 *   self: 'did:web:bank.example',
 *   anchors: [{ url: 'https://bank.example/registry/trust-list', issuer: 'did:web:bank.example', hops: 2 }],
 *   resolver: createDidResolver(),
 * });
 * const decision = await registry.isTrusted('did:web:acme.example', { action: 'read', resource: 'crm:tickets' });
 * if (!decision.trusted) console.log(decision.reason.code); // 'ERR_UNTRUSTED_ISSUER'
 * ```
 */
export function createTrustRegistry(options: TrustRegistryOptions): TrustRegistry {
  if (!isRecord(options)) throw new TypeError('options must be an object');
  assertNonEmptyString(options.self, 'self');
  if (!Array.isArray(options.anchors)) throw new TypeError('anchors must be an array');
  if (!isRecord(options.resolver)) throw new TypeError('resolver must be a DID resolver');
  for (const name of ['loadList', 'fetch', 'local', 'status', 'localStamp', 'localStatus'] as const) {
    if (options[name] !== undefined) assertFunction(options[name], name);
  }
  const { self, resolver } = options;
  const anchors = options.anchors.map(checkAnchor);
  const trustSelf = options.trustSelf ?? true;
  const clock = options.clock ?? systemClock;
  const skewSeconds = options.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0) throw new RangeError('skewSeconds must be a non-negative number');
  const cacheMaxEntries = options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
  if (!Number.isSafeInteger(cacheMaxEntries) || cacheMaxEntries < 0) throw new RangeError('cacheMaxEntries must be a non-negative integer');
  const maxLists = option(options.maxListsPerDecision, DEFAULT_MAX_LISTS, 'maxListsPerDecision');
  // The lists `local` served when last asked: a decision through them alone may be kept (registry/decision-memo).
  const servedLocally = new Set<string>();
  const { local: readLocal, localStamp, localStatus } = options;
  const memo = localStamp === undefined || readLocal === undefined || options.loadList !== undefined ? undefined : new DecisionMemo(localStamp);
  const local =
    readLocal === undefined || memo === undefined
      ? readLocal
      : async (url: string) => {
          const token = await readLocal(url);
          if (token === undefined) servedLocally.delete(url);
          else servedLocally.add(url);
          return token;
        };
  /** Whether every status list of `credential` is local (none: true). */
  const statusLocal = (credential: TrustListCredential): boolean => {
    const { credentialStatus } = credential;
    if (credentialStatus === undefined) return true;
    const entries = Array.isArray(credentialStatus) ? credentialStatus : [credentialStatus];
    return entries.every((entry) => typeof entry.statusListCredential === 'string' && localStatus?.(entry.statusListCredential) === true);
  };
  /** `session`, noting in `provenance` whether each list it opens is local with local status. */
  const recorded = (session: Session, provenance: Provenance): Session => ({
    async open(url, issuer) {
      const opened = await session.open(url, issuer);
      if ('skipped' in opened || !servedLocally.has(url) || !statusLocal(opened.credential)) provenance.lists = undefined;
      else provenance.lists?.push(opened.credential);
      return opened;
    },
  });
  const source = createListSource({
    resolver,
    loadList: options.loadList,
    http: httpClientOf(options),
    local,
    allowHttpLoopback: options.allowHttpLoopback === true,
    maxDownloadBytes: option(options.maxDownloadBytes, DEFAULT_MAX_DOWNLOAD_BYTES, 'maxDownloadBytes'),
    timeoutMs: option(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs'),
    cacheMaxEntries,
    status: options.status,
    clock,
    skewSeconds,
  });

  const startOf = (anchor: TrustAnchor): WalkNode => ({ url: anchor.url, issuer: anchor.issuer, budget: anchor.hops, path: [] });

  async function decide(session: Session, issuer: string, capability: CapabilityPattern, depth: number | undefined): Promise<TrustDecision> {
    const wanted = formatPattern(capability);
    if (trustSelf && issuer === self) {
      const accreditation: MatchedAccreditation = { issuer: self, capabilities: ['*:*'], maxDelegationDepth: MAX_DELEGATION_DEPTH, pattern: '*:*' };
      return { trusted: true, path: [{ type: 'self', id: self }], accreditation };
    }
    const now = clock().getTime();
    const skewMs = skewSeconds * 1000;
    if (memo === undefined) return walked(session, issuer, capability, depth, wanted, now, skewMs).then((w) => w.decision);
    const key = `${issuer} ${wanted} ${depth ?? ''}`;
    // The stamp before any list is read: a change made meanwhile leaves the kept decision stale.
    const stamp = memo.stamp();
    const kept = memo.get(key, stamp, now);
    if (kept !== undefined) return kept;
    const provenance: Provenance = { lists: [], skipped: false };
    const { decision, skipped } = await walked(recorded(session, provenance), issuer, capability, depth, wanted, now, skewMs);
    memo.keep(key, stamp, decision, { ...provenance, skipped: skipped > 0 }, now, skewMs);
    return decision;
  }

  /** {@link decide} by walking the lists, with how many lists and entries it passed over. */
  async function walked(
    session: Session,
    issuer: string,
    capability: CapabilityPattern,
    depth: number | undefined,
    wanted: string,
    now: number,
    skewMs: number,
  ): Promise<{ decision: TrustDecision; skipped: number }> {
    let tooDeep = false;
    // Only paths whose every bound admits the capability can answer, so the others are never walked.
    const { found, skipped } = await walk(session, {
      starts: anchors.filter((a) => admits(a.capabilities, capability)).map(startOf),
      follow: (entry) => admits(entry.capabilities, capability),
      maxLists,
      now,
      skewMs,
      visit: ({ node, credential, step }, report) => {
        for (const [index, entry] of credential.credentialSubject.accredits.entries()) {
          if (entry.issuer !== issuer) continue;
          const pattern = entry.capabilities.find((p) => patternWithin(capability, p));
          if (pattern === undefined) continue;
          const late = windowError('accreditation', entry.validFrom, entry.validUntil, now, skewMs);
          if (late !== undefined) {
            report(skipOf(node.url, late, `/credentialSubject/accredits/${index}`));
            continue;
          }
          if (depth !== undefined && depth > entry.maxDelegationDepth) {
            tooDeep = true;
            continue;
          }
          const path: PathStep[] = [...node.path, step, { type: 'issuer', id: issuer }];
          return { path, accreditation: { ...entry, list: node.url, pattern } };
        }
        return undefined;
      },
    });
    if (found !== undefined) return { decision: { trusted: true, ...found }, skipped: skipped.length };
    const message = tooDeep
      ? `${issuer} is not trusted for ${wanted} at delegation depth ${depth}`
      : `${issuer} is not trusted for ${wanted}`;
    return { decision: { trusted: false, reason: { code: 'ERR_UNTRUSTED_ISSUER', message, ...(tooDeep ? { reason: 'depth' } : {}) }, skipped }, skipped: skipped.length };
  }

  async function recognition(registry: string, recognized: string): Promise<RecognitionDecision> {
    const session = source.session();
    const now = clock().getTime();
    const skewMs = skewSeconds * 1000;
    const names = (ref: string, url: string, issuer: string) => ref === url || ref === issuer;
    // The registry asked about must be a list the verifier can reach: that is what says who signs it.
    const located = await walk(session, {
      starts: anchors.map(startOf),
      follow: () => true,
      maxLists,
      now,
      skewMs,
      visit: ({ node }) => (names(registry, node.url, node.issuer) ? node : undefined),
    });
    if (located.found === undefined) {
      const own = located.skipped.find((s) => s.url === registry && s.entry === undefined);
      const reason = own ?? { code: 'ERR_NOT_FOUND' as const, message: `${registry} is not a trust list reachable from this registry's anchors` };
      return { recognized: false, reason: { code: reason.code, message: reason.message }, skipped: located.skipped };
    }
    const from = located.found;
    // From the registry's own list every recognition counts, each with its own hops.
    const { found, skipped } = await walk(session, {
      starts: [{ url: from.url, issuer: from.issuer, budget: MAX_TRUST_HOPS + 1, path: [] }],
      follow: () => true,
      maxLists,
      now,
      skewMs,
      visit: ({ node, credential, step }) => {
        if (node.budget < 1) return undefined;
        const entry = credential.credentialSubject.recognizes.find(
          (e) => names(recognized, e.url, e.issuer) && windowError('recognition', undefined, e.validUntil, now, skewMs) === undefined,
        );
        if (entry === undefined) return undefined;
        const target: PathStep = { type: 'list', url: entry.url, issuer: entry.issuer, hops: Math.min(node.budget - 1, entry.hops) };
        return [...node.path, step, target];
      },
    });
    if (found !== undefined) return { recognized: true, path: found };
    const reason = { code: 'ERR_UNTRUSTED_ISSUER' as const, message: `${registry} does not recognize ${recognized}` };
    return { recognized: false, reason, skipped: [...located.skipped, ...skipped] };
  }

  return {
    self,
    isTrusted(issuer, capability, trustOptions = {}) {
      assertNonEmptyString(issuer, 'issuer');
      return decide(source.session(), issuer, checkCapability(capability), checkDepth(trustOptions.depth));
    },
    async trustErrors(rootIssuer, capabilities, trustOptions = {}) {
      assertNonEmptyString(rootIssuer, 'rootIssuer');
      if (!Array.isArray(capabilities)) throw new TypeError('capabilities must be an array');
      const depth = checkDepth(trustOptions.depth);
      const distinct = new Map(capabilities.map((c) => {
        const capability = checkCapability(c);
        return [formatPattern(capability), capability] as const;
      }));
      // One session: the decisions share every list they open.
      const session = source.session();
      const entries = [...distinct];
      const decisions = await Promise.all(entries.map(([, c]) => decide(session, rootIssuer, c, depth)));
      return decisions.flatMap((decision, i) => {
        if (decision.trusted) return [];
        const { message, reason } = decision.reason;
        return [legateError('ERR_UNTRUSTED_ISSUER', message, { claim: entries[i]![0], reason })];
      });
    },
    isRecognized(registry, recognized) {
      assertNonEmptyString(registry, 'registry');
      assertNonEmptyString(recognized, 'recognized');
      return recognition(registry, recognized);
    },
  };
}
