/**
 * @module node/webhook/notifier
 *
 * The node's webhook notifier (#18): other parts of the node hand it events
 * (`approval.requested`, `approval.decided`, `alert.fired`,
 * `change.requested`, `change.confirmed`) and it POSTs each, signed by the
 * organization (`webhook/message`), to the `webhook.url` setting, in the
 * background. `send` returns at once and never throws: a notification
 * never blocks or fails the decision it reports.
 *
 * Deliveries go through the node's one HTTP client (its address policy,
 * https only but for loopback on opt-in, no redirects followed) with a
 * deadline each. Network failures, 5xx and 429 are retried with exponential
 * backoff and jitter (a `Retry-After` lengthens the pause, within the cap),
 * a bounded number of times; any other answer is final. The queue is
 * bounded: when full the oldest waiting event is dropped and counted.
 * Closing stops every retry at once and waits only for requests already on
 * the wire (each within its deadline). Counters (delivered, retried,
 * dropped, failed) are read by `/metrics`. All state is this notifier's,
 * one per node.
 */

import { isLegateError, legateError } from '../../errors/index.js';
import type { Clock } from '../../lib/clock.js';
import type { HttpClient } from '../../lib/http-client.js';
import type { Signer } from '../../lib/signer.js';
import { signWebhook, WEBHOOK_SIGNATURE_HEADER, type WebhookEvent } from '../../webhook/message.js';

/** Pauses `ms` or until `signal` aborts, whichever is first; never rejects. */
export type WebhookWait = (ms: number, signal: AbortSignal) => Promise<void>;

/** How the node notifies its webhook: the `webhook.*` settings, and bounds. */
export interface WebhookPolicy {
  /** Where notifications go (`webhook.url`); undefined: none are sent. */
  url: string | undefined;
  /** The event types sent (`webhook.events`); others are ignored. */
  events: readonly string[];
  /** Attempts per event, the first included (1..20). */
  attempts: number;
  /** Pause before the first retry, in ms; doubled at each retry. */
  retryBaseMs: number;
  /** Longest pause between attempts, in ms. */
  retryMaxMs: number;
  /** Deadline of each delivery, in ms. */
  timeoutMs: number;
  /** Most events waiting; past it the oldest waiting one is dropped. */
  maxQueued: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Pauses between attempts (tests inject one); default a timer that never keeps the process alive. */
  wait?: WebhookWait | undefined;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: (() => number) | undefined;
  /** Hears each event given up on (never its body); default none. */
  onError?: ((error: unknown) => void) | undefined;
}

/** The webhook defaults: nowhere to send, every event type, six attempts over about a minute. */
export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  url: undefined,
  events: ['approval.requested', 'approval.decided', 'alert.fired', 'change.requested', 'change.confirmed'],
  attempts: 6,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  timeoutMs: 5000,
  maxQueued: 1000,
  concurrency: 2,
};

/** Delivery outcomes since the node opened. */
export interface WebhookCounts {
  /** Events the receiver took (2xx). */
  delivered: number;
  /** Attempts repeated after a network failure, 5xx or 429. */
  retried: number;
  /** Events dropped unsent: the queue was full, or the node closed. */
  dropped: number;
  /** Events given up on: a final refusal, or every attempt failed. */
  failed: number;
}

/** The node's webhook notifier. */
export interface WebhookNotifier {
  /** Queues `event` for delivery when its type is configured; returns at once, never throws. */
  send(event: WebhookEvent): void;
  /** The delivery counters. */
  counts(): WebhookCounts;
  /** Resolves when nothing is queued or in flight (tests, `legate` one-shot commands). */
  idle(): Promise<void>;
  /** Stops: nothing more is sent, pending retries end now; resolves when requests on the wire have ended. */
  close(): Promise<void>;
}

export interface WebhookNotifierDeps {
  /** The organization's DID: the `iss` of every body. */
  issuer: string;
  http: HttpClient;
  /** The organization's current signing key, looked up at each attempt (keys rotate). */
  signer: () => Promise<Signer>;
  clock: Clock;
  policy: WebhookPolicy;
}

/** Most bytes read of a receiver's answer. */
const MAX_ANSWER_BYTES = 4096;

const timerWait: WebhookWait = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** A `Retry-After` in seconds (the HTTP-date form is ignored), in ms. */
function retryAfterMs(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) * 1000 : undefined;
}

type Attempt = { outcome: 'delivered' } | { outcome: 'retry'; afterMs?: number | undefined; error: unknown } | { outcome: 'final'; error: unknown };

/**
 * Builds a node's notifier.
 *
 * @example
 * ```ts
 * const notifier = createWebhookNotifier({ issuer: org.did, http, signer: () => organizationSigner(node), clock, policy });
 * notifier.send({ type: 'change.requested', id: change.id, at: change.requestedAt, data: { kind: 'revoke' } });
 * ```
 */
export function createWebhookNotifier(deps: WebhookNotifierDeps): WebhookNotifier {
  const { policy } = deps;
  const wait = policy.wait ?? timerWait;
  const random = policy.random ?? Math.random;
  const counts: WebhookCounts = { delivered: 0, retried: 0, dropped: 0, failed: 0 };
  const queue: WebhookEvent[] = [];
  const running = new Set<Promise<void>>();
  const stop = new AbortController();
  const report = (error: unknown) => {
    try {
      policy.onError?.(error);
    } catch {
      // A listener's failure is not the notifier's.
    }
  };

  async function attempt(url: string, event: WebhookEvent): Promise<Attempt> {
    try {
      const { body, signature } = await signWebhook({ iss: deps.issuer, sentAt: deps.clock().toISOString(), ...event }, await deps.signer());
      const response = await deps.http.postJson(url, new TextDecoder().decode(body), {
        maxBytes: MAX_ANSWER_BYTES,
        timeoutMs: policy.timeoutMs,
        headers: { [WEBHOOK_SIGNATURE_HEADER.toLowerCase()]: signature },
      });
      if (response.status >= 200 && response.status < 300) return { outcome: 'delivered' };
      const error = legateError('ERR_PEER_UNREACHABLE', `the webhook answered ${response.status}`, { claim: 'webhook.url', reason: String(response.status) });
      // Too many, or a server failure: worth another try. Any other refusal will not change.
      if (response.status === 429 || response.status >= 500) return { outcome: 'retry', afterMs: retryAfterMs(response.header('retry-after')), error };
      return { outcome: 'final', error };
    } catch (error) {
      // Could not connect, or no answer in time: retried. A refused address, scheme or redirect, or no key: final.
      const transient = isLegateError(error) && (error.code === 'ERR_PEER_UNREACHABLE' || error.code === 'ERR_PEER_TIMEOUT');
      return transient ? { outcome: 'retry', error } : { outcome: 'final', error };
    }
  }

  async function deliver(url: string, event: WebhookEvent): Promise<void> {
    let last: Attempt = { outcome: 'final', error: undefined };
    for (let n = 1; n <= policy.attempts; n++) {
      if (stop.signal.aborted) {
        counts.dropped++;
        return;
      }
      last = await attempt(url, event);
      if (last.outcome !== 'retry' || n === policy.attempts) break;
      counts.retried++;
      const backoff = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** (n - 1));
      // Half fixed, half random ("equal jitter"): receivers recovering from an outage are not hit in step.
      const pause = Math.min(policy.retryMaxMs, Math.max(backoff / 2 + random() * (backoff / 2), last.afterMs ?? 0));
      await wait(pause, stop.signal);
    }
    if (last.outcome === 'delivered') counts.delivered++;
    else {
      counts.failed++;
      report(last.error);
    }
  }

  function pump(): void {
    const url = policy.url;
    while (url !== undefined && !stop.signal.aborted && running.size < policy.concurrency && queue.length > 0) {
      const event = queue.shift()!;
      const task: Promise<void> = deliver(url, event)
        .catch(report)
        .finally(() => {
          running.delete(task);
          pump();
        });
      running.add(task);
    }
  }

  return {
    send(event) {
      try {
        if (policy.url === undefined || stop.signal.aborted || !policy.events.includes(event.type)) return;
        if (queue.length >= policy.maxQueued) {
          queue.shift();
          counts.dropped++;
        }
        queue.push({ type: event.type, id: event.id, at: event.at, data: event.data });
        pump();
      } catch (error) {
        report(error);
      }
    },
    counts: () => ({ ...counts }),
    async idle() {
      while (running.size > 0 || (queue.length > 0 && !stop.signal.aborted)) await Promise.allSettled([...running]);
    },
    async close() {
      stop.abort();
      counts.dropped += queue.splice(0).length;
      await Promise.allSettled([...running]);
    },
  };
}
