/**
 * @module node/status-notify
 *
 * The issuer's side of revocation push (#17 item 5). Partners subscribe to
 * this node's status lists with a signed call (`POST /status/subscriptions`);
 * the node keeps only subscribers its own registry trusts (an organization
 * it accredits or recognizes, decided before anything is fetched for the
 * caller), bounded per subscriber and in total, until they expire. When a
 * list changes (revoke, suspend, reinstate) the node signs a notice for each
 * live subscriber and POSTs it to the `LegateStatusNotice` endpoint of the
 * subscriber's DID document (never to a URL given in a request), through the
 * node's one HTTP client, in the background: a few at a time, each retried a
 * bounded number of times, a bounded queue. A notice that never arrives
 * costs only time: the subscriber's maximum status age still bounds it.
 */

import { legateError, LegateError } from '../errors/index.js';
import { createPushMessage, MAX_PUSH_MESSAGE_LENGTH, verifyPushMessage } from '../status/push.js';
import type { NodeContext, StatusPushPolicy } from './context.js';
import { nodeBaseUrl, STATUS_NOTICE_SERVICE } from './documents.js';
import { organizationSigner } from './signers.js';

/** What a subscription was granted. */
export interface SubscriptionGrant {
  subscriber: string;
  lists: string[];
  expiresAt: string;
}

/** Longest subscription a subscriber may ask for, in seconds: it renews before then while it relies on the lists. */
export const MAX_SUBSCRIPTION_SECONDS = 86_400;
/** How long a notice is valid, in seconds. */
export const NOTICE_LIFETIME_SECONDS = 120;
/** Clock skew tolerated on push messages, in seconds. */
export const PUSH_SKEW_SECONDS = 60;

/** Whether this node's registry trusts `did` as a party: an organization it accredits, or a registry it recognizes. Reads the store only. */
async function trustsSubscriber(ctx: NodeContext, did: string): Promise<boolean> {
  const { accredits, recognizes } = await ctx.services.registry.entries();
  return accredits.some((a) => a.issuer === did) || recognizes.some((r) => r.issuer === did);
}

/** The ids of this node's lists among `urls`; ERR_NOT_FOUND for any other URL. */
async function ownListIds(ctx: NodeContext, urls: readonly string[]): Promise<string[]> {
  const prefix = `${nodeBaseUrl(ctx.organization.domain)}/status/`;
  const ids: string[] = [];
  for (const url of urls) {
    const id = url.startsWith(prefix) ? url.slice(prefix.length) : undefined;
    if (id === undefined || id.includes('/') || (await ctx.store.getStatusListToken(id)) === undefined) {
      throw legateError('ERR_NOT_FOUND', 'a subscribed list is not a status list of this node', { claim: 'lists' });
    }
    ids.push(id);
  }
  return ids;
}

/**
 * Accepts a signed subscription (`POST /status/subscriptions`).
 * @throws `ERR_UNTRUSTED_ISSUER` (reason `subscriber`) for a subscriber this node's registry does not trust, before any fetch for it;
 * `ERR_SUBSCRIPTION_LIMIT` (reason `per-subscriber` or `total`) past a bound; `ERR_REPLAY` for a `jti` seen before;
 * `ERR_NOT_FOUND` for a list not of this node; and the message checks of `verifyPushMessage` (`ERR_EXPIRED`, `ERR_AUDIENCE`, `ERR_SIGNATURE_INVALID`…).
 */
export async function acceptSubscription(ctx: NodeContext, token: string, policy: StatusPushPolicy): Promise<SubscriptionGrant> {
  const message = await verifyPushMessage(token.slice(0, MAX_PUSH_MESSAGE_LENGTH + 1), {
    kind: 'subscription',
    audience: ctx.organization.did,
    resolver: ctx.resolver,
    clock: ctx.clock,
    skewSeconds: PUSH_SKEW_SECONDS,
    maxLifetimeSeconds: MAX_SUBSCRIPTION_SECONDS,
    admit: async (iss) => {
      if (!(await trustsSubscriber(ctx, iss))) {
        throw legateError('ERR_UNTRUSTED_ISSUER', "the subscriber is not an organization this node's registry trusts", { claim: 'iss', reason: 'subscriber' });
      }
    },
  });
  const ids = await ownListIds(ctx, message.lists);
  const now = ctx.clock();
  const until = new Date((message.exp + PUSH_SKEW_SECONDS) * 1000).toISOString();
  if (!(await ctx.store.claimOnce(`status-subscription ${message.iss} ${message.jti}`, until, now.toISOString()))) {
    throw legateError('ERR_REPLAY', 'this subscription was already used', { claim: 'jti' });
  }
  const expiresAt = new Date(message.exp * 1000).toISOString();
  const bounds = { perSubscriber: policy.maxSubscriptionsPerSubscriber, total: policy.maxSubscriptions };
  const outcome = await ctx.store.transaction((tx) => tx.putStatusSubscriptions(message.iss, ids, expiresAt, now.toISOString(), bounds));
  if (outcome !== 'subscribed') {
    const which = outcome === 'total' ? 'this node takes no more subscriptions' : 'the subscriber holds as many subscriptions as it may';
    throw legateError('ERR_SUBSCRIPTION_LIMIT', which, { claim: 'lists', reason: outcome });
  }
  return { subscriber: message.iss, lists: message.lists, expiresAt };
}

/** The endpoint a subscriber takes notices at: the `LegateStatusNotice` service of its DID document. */
async function noticeEndpoint(ctx: NodeContext, subscriber: string): Promise<string> {
  const { didDocument, didResolutionMetadata } = await ctx.resolver.resolve(subscriber);
  const service = didDocument?.service?.find((s) => s.type === STATUS_NOTICE_SERVICE);
  if (service === undefined || typeof service.serviceEndpoint !== 'string') {
    const why = didDocument === null ? `could not be resolved (${didResolutionMetadata.error ?? 'no document'})` : `lists no ${STATUS_NOTICE_SERVICE} service`;
    throw legateError('ERR_DID_UNRESOLVABLE', `subscriber ${subscriber} ${why}`, { claim: 'subscriber' });
  }
  return service.serviceEndpoint;
}

/** The node's outgoing notices: a bounded queue served a few at a time. */
export interface NoticeSender {
  /** Queues a notice that `listUrl` changed for each live subscriber of `listId`; returns at once. */
  listChanged(listId: string, listUrl: string): void;
  /** Resolves when nothing is queued or being sent. */
  idle(): Promise<void>;
  /** Sends nothing more; resolves when what is being sent has ended. */
  close(): Promise<void>;
}

/** Waits `ms`, real time (retries are spaced in wall-clock time whatever the node's clock says). */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Creates the node's notice sender; `onError` hears each notice given up on. */
export function createNoticeSender(ctx: NodeContext, policy: StatusPushPolicy, onError: (error: unknown) => void): NoticeSender {
  const queue: { subscriber: string; listUrl: string }[] = [];
  /** `subscriber listUrl` of every queued notice: a list changed twice before its notice left is notified once. */
  const queued = new Set<string>();
  const running = new Set<Promise<void>>();
  let closed = false;

  async function sendOnce(subscriber: string, listUrl: string): Promise<'sent' | 'refused' | 'failed'> {
    const endpoint = await noticeEndpoint(ctx, subscriber);
    const signer = await organizationSigner(ctx);
    const { token } = await createPushMessage({ kind: 'notice', signer, iss: ctx.organization.did, aud: subscriber, lists: [listUrl], lifetimeSeconds: NOTICE_LIFETIME_SECONDS, clock: ctx.clock });
    const response = await ctx.http.postJson(endpoint, JSON.stringify({ notice: token }), { maxBytes: 16 * 1024, timeoutMs: policy.noticeTimeoutMs });
    if (response.status >= 200 && response.status < 300) return 'sent';
    // A refusal other than "too many" or a server failure will not change on a retry.
    return response.status === 429 || response.status >= 500 ? 'failed' : 'refused';
  }

  async function deliver(subscriber: string, listUrl: string): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt < policy.noticeAttempts && !closed; attempt++) {
      if (attempt > 0) await sleep(policy.noticeRetryMs * 4 ** (attempt - 1));
      try {
        const outcome = await sendOnce(subscriber, listUrl);
        if (outcome === 'sent') return;
        last = legateError('ERR_PEER_UNREACHABLE', `subscriber ${subscriber} refused a status notice`, { claim: 'subscriber', reason: outcome });
        if (outcome === 'refused') break;
      } catch (error) {
        last = error;
      }
    }
    if (last !== undefined) onError(last);
  }

  function pump(): void {
    while (!closed && running.size < policy.noticeConcurrency && queue.length > 0) {
      const next = queue.shift()!;
      queued.delete(`${next.subscriber} ${next.listUrl}`);
      const task: Promise<void> = deliver(next.subscriber, next.listUrl).finally(() => {
        running.delete(task);
        pump();
      });
      running.add(task);
    }
  }

  function enqueue(subscriber: string, listUrl: string): void {
    const key = `${subscriber} ${listUrl}`;
    if (queued.has(key)) return;
    if (queue.length >= policy.maxQueuedNotices) {
      onError(legateError('ERR_RATE_LIMITED', 'the status notice queue is full: a subscriber will see the change at its maximum status age', { reason: 'notice-queue-full' }));
      return;
    }
    queued.add(key);
    queue.push({ subscriber, listUrl });
    pump();
  }

  const lookups = new Set<Promise<void>>();
  return {
    listChanged(listId, listUrl) {
      if (closed) return;
      const lookup: Promise<void> = ctx.store
        .listStatusSubscribers(listId, ctx.clock().toISOString())
        .then((subscribers) => {
          for (const subscriber of subscribers) enqueue(subscriber, listUrl);
        })
        .catch((error: unknown) => onError(error instanceof LegateError ? error : legateError('ERR_INTERNAL', 'listing status subscribers failed', { cause: error })))
        .finally(() => lookups.delete(lookup));
      lookups.add(lookup);
    },
    async idle() {
      while (lookups.size > 0 || running.size > 0 || (queue.length > 0 && !closed)) await Promise.allSettled([...lookups, ...running]);
    },
    async close() {
      closed = true;
      await Promise.allSettled([...lookups, ...running]);
    },
  };
}
