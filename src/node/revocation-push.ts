/**
 * @module node/revocation-push
 *
 * The node's revocation push service (#17 item 5): the verifier's side
 * (`node/status-subscribe`) and the issuer's (`node/status-notify`), built
 * on first use for this node (their modules load only then, #14) and owned
 * by it: the issuers it relies on, its notice rates and its notice queue
 * belong to the instance.
 */

import { legateError } from '../errors/index.js';
import type { NodeContext, StatusPushPolicy } from './context.js';
import type { NoticeSender, SubscriptionGrant } from './status-notify.js';
import type { Subscriber, SubscriptionState } from './status-subscribe.js';

/** Revocation push, for the faces and the verifier. */
export interface StatusPushService {
  /** The status checker relied on `url`, a list of `issuer`: subscribe to its notices in the background when due. Never throws. */
  relyOn(url: string, issuer: string): void;
  /** `POST /status/subscriptions`: a partner subscribes to this node's lists. */
  subscribe(token: string): Promise<SubscriptionGrant>;
  /** `POST /status/notices`: an issuer says its lists changed. */
  receiveNotice(token: string): Promise<{ issuer: string; expired: string[] }>;
  /** One of this node's lists changed: notify its subscribers in the background. Never throws. */
  listChanged(listId: string, listUrl: string): void;
  /** The issuers this node relies on, and whether it is subscribed to each. */
  subscriptions(): SubscriptionState[];
  /** Resolves when no subscription or notice is being sent (tests, benchmarks). */
  idle(): Promise<void>;
  /** Starts nothing more, after letting queued notices leave for at most `noticeTimeoutMs`. */
  close(): Promise<void>;
}

/** Builds the service of `node`; `expire(url)` makes a list stale in the node's status checker. */
export function createStatusPushService(node: NodeContext, policy: StatusPushPolicy, expire: (url: string) => void): StatusPushService {
  let parts: { subscriber: Subscriber; sender: NoticeSender } | undefined;
  let loading: Promise<{ subscriber: Subscriber; sender: NoticeSender }> | undefined;
  let closed = false;
  // Background work has no caller to tell: a failure is reported, and the subscriber's maximum status age still bounds the delay.
  const onError = (error: unknown) => policy.onError?.(error);
  const load = () =>
    (loading ??= Promise.all([import('./status-subscribe.js'), import('./status-notify.js')]).then(([s, n]) => {
      parts = { subscriber: s.createSubscriber(node, policy, expire, onError), sender: n.createNoticeSender(node, policy, onError) };
      return parts;
    }));
  const disabled = () => legateError('ERR_NOT_FOUND', 'revocation push is off on this node', { claim: 'statusPush' });
  return {
    relyOn(url, issuer) {
      if (!policy.enabled || policy.subscribe === false || closed) return;
      if (parts !== undefined) parts.subscriber.relyOn(url, issuer);
      else void load().then((p) => p.subscriber.relyOn(url, issuer), onError);
    },
    async subscribe(token) {
      if (!policy.enabled) throw disabled();
      await load();
      return (await import('./status-notify.js')).acceptSubscription(node, token, policy);
    },
    async receiveNotice(token) {
      if (!policy.enabled) throw disabled();
      return (await load()).subscriber.receiveNotice(token);
    },
    listChanged(listId, listUrl) {
      if (!policy.enabled || closed) return;
      if (parts !== undefined) parts.sender.listChanged(listId, listUrl);
      else void load().then((p) => p.sender.listChanged(listId, listUrl), onError);
    },
    subscriptions: () => parts?.subscriber.state() ?? [],
    async idle() {
      if (loading === undefined) return;
      const { subscriber, sender } = await loading;
      await Promise.all([subscriber.idle(), sender.idle()]);
    },
    async close() {
      closed = true;
      if (loading === undefined) return;
      const { subscriber, sender } = await loading;
      // A one-shot command (`legate cap revoke`) closes right after the change: its notices get one deadline's time to leave.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, policy.noticeTimeoutMs)));
      await Promise.race([sender.idle(), deadline]);
      clearTimeout(timer);
      await Promise.all([subscriber.close(), sender.close()]);
    },
  };
}
