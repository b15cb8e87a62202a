/**
 * @module node/status-subscribe
 *
 * The verifier's side of revocation push (#17 item 5). When the node first
 * relies on another organization's status list (its status checker reports
 * each remote list it used), it subscribes to that issuer's notices in the
 * background: a subscription signed by the organization key, POSTed to the
 * `LegateStatusSubscription` endpoint of the issuer's DID document, renewed
 * at half its lifetime while the node keeps relying on the lists, retried
 * a minute after a failure to reach the issuer (half a lifetime after a
 * refusal). Neither blocks nor fails the verification
 * that caused it.
 *
 * A notice (`POST /status/notices`) is taken only from an issuer the node
 * relies on (no fetch for a stranger), signed by it, addressed to this
 * organization, fresh, never seen before (its `jti` through the replay
 * store) and within the issuer's rate; it then makes the named lists this
 * node relies on stale in the status checker, so the next check fetches
 * them again. A forged notice changes nothing; a flood of genuine ones
 * costs at most a refetch per notice the rate allows.
 *
 * The issuers relied on are remembered per node instance, bounded (the
 * oldest forgotten first), like its caches.
 */

import { LegateError, legateError } from '../errors/index.js';
import { createPushMessage, MAX_PUSH_LISTS, MAX_PUSH_MESSAGE_LENGTH, verifyPushMessage } from '../status/push.js';
import type { NodeContext, StatusPushPolicy } from './context.js';
import { STATUS_SUBSCRIPTION_SERVICE } from './documents.js';
import { NOTICE_LIFETIME_SECONDS, PUSH_SKEW_SECONDS } from './status-notify.js';
import { organizationSigner } from './signers.js';

/** Most issuers remembered as relied on. */
const MAX_ISSUERS = 256;
/** Pause before retrying a subscription that failed, in ms. */
const RETRY_AFTER_MS = 60_000;

/** One issuer this node relies on. */
interface Relied {
  /** Its list URLs this node used, oldest first, at most {@link MAX_PUSH_LISTS}. */
  lists: Set<string>;
  /** A list was added since the last subscription was sent. */
  dirty: boolean;
  /** When the subscription is due for renewal, ms since the epoch (0: never subscribed). */
  renewAt: number;
  /** No attempt before this (after a failure), ms since the epoch. */
  notBefore: number;
  running: boolean;
  /** Notices taken in the current rate window, and when the window started. */
  window: { start: number; count: number };
}

/** What the node's subscriptions look like (tests, diagnostics). */
export interface SubscriptionState {
  issuer: string;
  lists: string[];
  subscribed: boolean;
}

/** The verifier's side: subscriptions made, notices taken. */
export interface Subscriber {
  /** The status checker used `url`, a list of `issuer`: subscribe in the background if due. Synchronous, never throws. */
  relyOn(url: string, issuer: string): void;
  /**
   * Takes a notice: the lists it names that this node relies on are made stale.
   * @throws `ERR_UNTRUSTED_ISSUER` (reason `not-relied-on`) from an issuer this node does not rely on;
   * `ERR_REPLAY`; `ERR_RATE_LIMITED` past the issuer's rate; and the checks of `verifyPushMessage`.
   */
  receiveNotice(token: string): Promise<{ issuer: string; expired: string[] }>;
  state(): SubscriptionState[];
  /** Resolves when no subscription is being sent. */
  idle(): Promise<void>;
  /** Starts no more subscriptions. */
  close(): Promise<void>;
}

/** The endpoint an issuer takes subscriptions at: the `LegateStatusSubscription` service of its DID document. */
async function subscriptionEndpoint(ctx: NodeContext, issuer: string): Promise<string> {
  const { didDocument, didResolutionMetadata } = await ctx.resolver.resolve(issuer);
  const service = didDocument?.service?.find((s) => s.type === STATUS_SUBSCRIPTION_SERVICE);
  if (service === undefined || typeof service.serviceEndpoint !== 'string') {
    const why = didDocument === null ? `could not be resolved (${didResolutionMetadata.error ?? 'no document'})` : `lists no ${STATUS_SUBSCRIPTION_SERVICE} service`;
    throw legateError('ERR_DID_UNRESOLVABLE', `issuer ${issuer} ${why}`, { claim: 'issuer' });
  }
  return service.serviceEndpoint;
}

/**
 * Creates the node's subscriber. `expire(url)` makes a list stale in the
 * node's status checker; `onError` hears each failed subscription.
 */
export function createSubscriber(ctx: NodeContext, policy: StatusPushPolicy, expire: (url: string) => void, onError: (error: unknown) => void): Subscriber {
  const relied = new Map<string, Relied>();
  const running = new Set<Promise<void>>();
  const now = () => ctx.clock().getTime();
  let closed = false;

  async function subscribe(issuer: string, entry: Relied): Promise<void> {
    entry.dirty = false;
    const lists = [...entry.lists];
    try {
      const endpoint = await subscriptionEndpoint(ctx, issuer);
      const signer = await organizationSigner(ctx);
      const lifetimeSeconds = policy.subscriptionLifetimeSeconds;
      const { token } = await createPushMessage({ kind: 'subscription', signer, iss: ctx.organization.did, aud: issuer, lists, lifetimeSeconds, clock: ctx.clock });
      const response = await ctx.http.postJson(endpoint, JSON.stringify({ subscription: token }), { maxBytes: 16 * 1024, timeoutMs: policy.noticeTimeoutMs });
      if (response.status < 200 || response.status > 299) {
        throw legateError('ERR_PEER_UNREACHABLE', `issuer ${issuer} refused the status subscription (HTTP ${response.status})`, { claim: 'issuer', reason: String(response.status) });
      }
      entry.renewAt = now() + (lifetimeSeconds * 1000) / 2;
    } catch (error) {
      entry.dirty = true;
      // Refused (not trusted, over a bound): asking again soon would be refused again; a failure to reach it may pass in a minute.
      const refused = error instanceof LegateError && error.code === 'ERR_PEER_UNREACHABLE' && /^4\d\d$/.test(error.reason ?? '') && error.reason !== '429';
      entry.notBefore = now() + (refused ? (policy.subscriptionLifetimeSeconds * 1000) / 2 : RETRY_AFTER_MS);
      onError(error);
    }
  }

  return {
    relyOn(url, issuer) {
      if (closed || issuer === ctx.organization.did) return;
      let entry = relied.get(issuer);
      if (entry === undefined) {
        if (relied.size >= MAX_ISSUERS) relied.delete(relied.keys().next().value!);
        entry = { lists: new Set(), dirty: false, renewAt: 0, notBefore: 0, running: false, window: { start: 0, count: 0 } };
        relied.set(issuer, entry);
      }
      if (!entry.lists.has(url)) {
        entry.lists.add(url);
        if (entry.lists.size > MAX_PUSH_LISTS) entry.lists.delete(entry.lists.values().next().value!);
        entry.dirty = true;
      }
      const t = now();
      if (entry.running || t < entry.notBefore || (!entry.dirty && t < entry.renewAt)) return;
      entry.running = true;
      const current = entry;
      const task: Promise<void> = subscribe(issuer, current).finally(() => {
        current.running = false;
        running.delete(task);
      });
      running.add(task);
    },

    async receiveNotice(token) {
      const message = await verifyPushMessage(token.slice(0, MAX_PUSH_MESSAGE_LENGTH + 1), {
        kind: 'notice',
        audience: ctx.organization.did,
        resolver: ctx.resolver,
        clock: ctx.clock,
        skewSeconds: PUSH_SKEW_SECONDS,
        maxLifetimeSeconds: NOTICE_LIFETIME_SECONDS,
        admit: (iss) => {
          if (!relied.has(iss)) throw legateError('ERR_UNTRUSTED_ISSUER', 'this node relies on no status list of the notice issuer', { claim: 'iss', reason: 'not-relied-on' });
        },
      });
      const entry = relied.get(message.iss);
      if (entry === undefined) throw legateError('ERR_UNTRUSTED_ISSUER', 'this node relies on no status list of the notice issuer', { claim: 'iss', reason: 'not-relied-on' });
      const until = new Date((message.exp + PUSH_SKEW_SECONDS) * 1000).toISOString();
      if (!(await ctx.store.claimOnce(`status-notice ${message.iss} ${message.jti}`, until, ctx.clock().toISOString()))) {
        throw legateError('ERR_REPLAY', 'this notice was already taken', { claim: 'jti' });
      }
      // Counted after verification, so forged notices cannot use up a genuine issuer's rate.
      const t = now();
      const windowMs = policy.noticeWindowSeconds * 1000;
      if (t - entry.window.start >= windowMs) entry.window = { start: t, count: 0 };
      if (entry.window.count >= policy.noticesPerWindow) {
        throw legateError('ERR_RATE_LIMITED', `more than ${policy.noticesPerWindow} notices from this issuer in ${policy.noticeWindowSeconds} s`, { claim: 'iss', reason: `PT${policy.noticeWindowSeconds}S` });
      }
      entry.window.count++;
      const expired = message.lists.filter((url) => entry.lists.has(url));
      for (const url of expired) expire(url);
      return { issuer: message.iss, expired };
    },

    state() {
      return [...relied].map(([issuer, entry]) => ({ issuer, lists: [...entry.lists], subscribed: entry.renewAt > 0 }));
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async close() {
      closed = true;
      await Promise.allSettled([...running]);
    },
  };
}
