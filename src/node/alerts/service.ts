/**
 * @module node/alerts/service
 *
 * The alert evaluator of one node (#18 item 3), built per node in
 * `node/create`: decisions and failed authentications are fed to
 * {@link AlertService.observe} as they happen, and the rules run over them
 * in memory: failed authentications beyond `alerts.failedAuthPerMinute` per
 * agent or per peer, denials spiking above the trailing hour's baseline, and
 * the first use of a capability by an agent (remembered in the store, so it
 * fires once across restarts and across the instances of a fleet). The
 * periodic checks (`node/alerts/checks`) fire through the same
 * {@link AlertService.fire}.
 *
 * A fired alert is stored once per dedupe key (rule + subject + window):
 * two instances that see the same burst record one alert. Only the instance
 * that stored it tells its listeners (metrics) and the `onAlert` callback
 * (the webhook seam). Nothing here blocks or fails a decision: `observe`
 * returns at once, store work runs behind it, and its failures go to
 * `onError`.
 *
 * A peer past the failed-authentication limit is refused by
 * {@link AlertService.admit} until its window ends (`ERR_PEER_THROTTLED`),
 * before anything about its request is verified. A peer is a DID whose
 * signature verified, or `ip:<address>` for a client nothing has verified
 * yet; unverified DIDs never count, so a fresh DID per request does not
 * escape the address's count. Throttle state is per instance.
 */

import { randomUUID } from 'node:crypto';
import type { AlertPolicy } from '../../config/node-options.js';
import { legateError } from '../../errors/index.js';
import { epochMsOf, type Clock } from '../../lib/clock.js';
import type { AlertRecord, AlertRepository, AlertSeverity } from '../../store/ports/alerts.js';
import { DenialHistory, MINUTE_MS, MinuteCounts } from './windows.js';

/** What happened, as the alert rules see it. */
export interface AlertEvent {
  kind: 'allow' | 'deny' | 'approval_required' | 'auth_failed';
  /** The agent concerned: the acting agent of a decision, or this node's agent a failed authentication was addressed to. */
  agent?: string | undefined;
  /** Who sent it: a DID whose signature verified, or `ip:<address>`. */
  peer: string;
  capability?: { action: string; resource: string; scope?: string | undefined } | undefined;
  /** Default: the node's clock. */
  at?: Date | undefined;
}

/** An alert to fire. */
export interface AlertDraft {
  rule: AlertRule;
  severity: AlertSeverity;
  subject: string;
  message: string;
  details?: Record<string, unknown>;
  /** What, with rule and subject, makes it one alert (a window, an expiry date); empty for once per rule and subject. */
  window: string;
}

/** The rules. */
export type AlertRule = 'failed-auth' | 'denial-spike' | 'first-use' | 'expiry' | 'refresh-failed';

export interface AlertService {
  /** Feeds one event to the rules; never throws, never waits. */
  observe(event: AlertEvent): void;
  /**
   * Refuses a peer past the failed-authentication limit until its window ends.
   * @throws LegateError `ERR_PEER_THROTTLED` (reason: the wait, an ISO 8601 duration).
   */
  admit(peer: string): void;
  /** Stores an alert unless its dedupe key is taken; the stored alert, or undefined. */
  fire(draft: AlertDraft): Promise<AlertRecord | undefined>;
  /** Hears every alert this instance stores (metrics); returns a function that stops it. */
  listen(listener: (alert: AlertRecord) => void): () => void;
  /** Resolves once the work `observe` started has ended. */
  settled(): Promise<void>;
  readonly policy: AlertPolicy;
}

export interface AlertServiceDeps {
  store: Pick<AlertRepository, 'putAlert' | 'recordCapabilityUse'>;
  clock: Clock;
  policy: AlertPolicy;
  /** The node's DID: the subject of node-wide alerts (a denial spike). */
  self: string;
  /** Told of every alert this instance stores (the webhook seam); must not throw, is not awaited. */
  onAlert?: ((alert: AlertRecord) => unknown) | undefined;
  /** Background failures (a store write); default a process warning. */
  onError?: ((error: unknown) => void) | undefined;
}

/** Most subjects (peers, agents) whose windows are kept; the least recently seen go first. */
export const MAX_TRACKED_SUBJECTS = 10_000;
/** Most agent-capability pairs remembered in memory (the store remembers them all, within {@link MAX_REMEMBERED_USES}). */
const MAX_SEEN_IN_MEMORY = 10_000;
/** Most agent-capability pairs the store remembers; past it, first uses are no longer alerted. */
export const MAX_REMEMBERED_USES = 100_000;
/** Most alerts one instance tries to store per minute: a flood of subjects cannot flood the table. */
export const MAX_ALERTS_PER_MINUTE = 120;
/** Largest `details` kept, in characters of JSON. */
const MAX_DETAILS_CHARS = 4096;
/** Characters of a subject or message kept. */
const MAX_TEXT = 512;

const capabilityKey = (c: NonNullable<AlertEvent['capability']>) => `${c.action} ${c.resource}${c.scope === undefined ? '' : ` #${c.scope}`}`;

function boundedDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (details === undefined) return {};
  const text = JSON.stringify(details);
  return text.length <= MAX_DETAILS_CHARS ? details : { truncated: true, preview: text.slice(0, MAX_DETAILS_CHARS / 2) };
}

/** Builds the alert service of one node; all its windows are its own. */
export function createAlertService(deps: AlertServiceDeps): AlertService {
  const now = epochMsOf(deps.clock);
  const { policy } = deps;
  const failures = new MinuteCounts(MAX_TRACKED_SUBJECTS);
  const denials = new DenialHistory();
  let spikeMinute = -1;
  const seen = new Set<string>();
  const listeners = new Set<(alert: AlertRecord) => void>();
  const pending = new Set<Promise<unknown>>();
  const onError = deps.onError ?? ((error: unknown) => process.emitWarning(`alert evaluation failed: ${error instanceof Error ? error.message : String(error)}`));
  let budget = { minute: -1, left: MAX_ALERTS_PER_MINUTE };

  const track = (work: Promise<unknown>) => {
    const p = work.catch(onError).finally(() => pending.delete(p));
    pending.add(p);
  };

  async function fire(draft: AlertDraft): Promise<AlertRecord | undefined> {
    const at = now();
    const minute = Math.floor(at / MINUTE_MS);
    if (budget.minute !== minute) budget = { minute, left: MAX_ALERTS_PER_MINUTE };
    if (budget.left <= 0) return undefined;
    budget.left--;
    const alert: AlertRecord = {
      id: `urn:uuid:${randomUUID()}`,
      rule: draft.rule,
      severity: draft.severity,
      subject: draft.subject.slice(0, MAX_TEXT),
      message: draft.message.slice(0, MAX_TEXT),
      details: boundedDetails(draft.details),
      firedAt: new Date(at).toISOString(),
    };
    if (!(await deps.store.putAlert(alert, `${draft.rule}|${alert.subject}|${draft.window}`))) return undefined;
    for (const listener of listeners) listener(alert);
    if (deps.onAlert !== undefined) {
      try {
        // Not awaited: a slow or failing webhook never holds up the rules, let alone a decision.
        void Promise.resolve(deps.onAlert(alert)).catch(onError);
      } catch (error) {
        onError(error);
      }
    }
    return alert;
  }

  function failed(subject: string, kind: 'agent' | 'peer', at: number): void {
    const window = failures.add(`${kind} ${subject}`, at);
    // Exactly once per window: the failure that crosses the limit.
    if (window.count !== policy.failedAuthPerMinute + 1) return;
    track(
      fire({
        rule: 'failed-auth',
        severity: 'warning',
        subject,
        message: `more than ${policy.failedAuthPerMinute} failed authentications in a minute ${kind === 'peer' ? 'from' : 'against'} ${subject}`,
        details: { [kind]: subject, count: window.count, since: new Date(window.start).toISOString() },
        window: new Date(window.start).toISOString(),
      }),
    );
  }

  function denied(at: number): void {
    const count = denials.add(at);
    const minute = Math.floor(at / MINUTE_MS);
    if (count < policy.denialSpikeMinimum || spikeMinute === minute) return;
    const baseline = denials.baseline(at);
    if (count <= policy.denialSpikeFactor * baseline) return;
    spikeMinute = minute;
    const from = new Date(minute * MINUTE_MS).toISOString();
    track(
      fire({
        rule: 'denial-spike',
        severity: 'warning',
        subject: deps.self,
        message: `${count} denials in the minute from ${from}, above ${policy.denialSpikeFactor}× the trailing hour's per-minute median (${baseline})`,
        details: { count, baseline, factor: policy.denialSpikeFactor, minute: from },
        window: from,
      }),
    );
  }

  function used(agent: string, capability: NonNullable<AlertEvent['capability']>, at: number): void {
    const key = `${agent}\n${capabilityKey(capability)}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (seen.size > MAX_SEEN_IN_MEMORY) seen.delete(seen.values().next().value!);
    const cap = capabilityKey(capability);
    track(
      (async () => {
        const first = await deps.store.recordCapabilityUse(agent, cap, new Date(at).toISOString(), MAX_REMEMBERED_USES).catch((error: unknown) => {
          // Asked again next time, rather than never.
          seen.delete(key);
          throw error;
        });
        if (!first) return;
        await fire({
          rule: 'first-use',
          severity: 'info',
          subject: agent,
          message: `${agent} used ${cap} for the first time: verify it is authorized`,
          details: { agent, ...capability },
          window: cap,
        });
      })(),
    );
  }

  return {
    policy,
    observe(event) {
      try {
        const at = event.at?.getTime() ?? now();
        switch (event.kind) {
          case 'auth_failed':
            failed(event.peer, 'peer', at);
            if (event.agent !== undefined) failed(event.agent, 'agent', at);
            return;
          case 'deny':
            denied(at);
            return;
          case 'allow':
            if (event.agent !== undefined && event.capability !== undefined) used(event.agent, event.capability, at);
            return;
          default:
            return;
        }
      } catch (error) {
        onError(error);
      }
    },
    admit(peer) {
      const at = now();
      const window = failures.current(`peer ${peer}`, at);
      if (window === undefined || window.count <= policy.failedAuthPerMinute) return;
      const wait = Math.max(1, Math.ceil((window.start + MINUTE_MS - at) / 1000));
      throw legateError('ERR_PEER_THROTTLED', `too many failed authentications from this peer; try again in ${wait} s`, { reason: `PT${wait}S` });
    },
    fire,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
