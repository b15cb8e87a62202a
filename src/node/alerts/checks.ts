/**
 * @module node/alerts/checks
 *
 * The periodic alert checks `legate serve` runs every `alertCheckInterval`
 * (#18 item 3): credentials this node holds that expire within
 * `alerts.expiryWarning`, and current keys (the organization's, each did:web
 * agent's) within that span of their rotation age (`rotation.*`, else
 * `alerts.keyAge`), each alerted once (rule `expiry`); then the sweep of
 * acknowledged alerts older than `alerts.retention`. In a fleet one instance
 * does it: each run first takes the store's `alert-checks` lease.
 */

import { startLeasedSchedule } from '../../lib/leased-schedule.js';
import { randomUUID } from 'node:crypto';
import { readSharedConfig } from '../../config/shared.js';
import type { NodeContext } from '../context.js';
import { listCredentials, MAX_CREDENTIAL_PAGE } from '../list-credentials.js';

/** The lease the job takes in the store. */
export const ALERT_CHECKS_LEASE = 'alert-checks';
/** How often `serve` runs the checks by default. */
export const DEFAULT_ALERT_CHECK_INTERVAL_MS = 15 * 60_000;
/** Most credentials one run looks at: pages of the expiring ones, bounded. */
const MAX_PAGES = 20;

export interface AlertCheckRun {
  /** False when another instance holds the lease: this run did nothing. */
  ran: boolean;
  /** Ids of the alerts this run stored. */
  fired: string[];
  /** Acknowledged alerts deleted. */
  swept: number;
}

/** Alerts for keys within `warningMs` of their rotation age. */
async function keyChecks(ctx: NodeContext, warningMs: number, now: Date, fired: string[]): Promise<void> {
  const shared = await readSharedConfig(ctx.store);
  const fallback = ctx.services.alerts.policy.keyAgeSeconds;
  const ageOf = (name: string) => ((shared[name]?.value as number) > 0 ? (shared[name]!.value as number) : fallback);
  const controllers = [{ did: ctx.organization.did, age: ageOf('rotation.organizationKey') }];
  for (const agent of await ctx.store.listAgents()) {
    if (agent.method === 'web' && agent.status === 'active') controllers.push({ did: agent.did, age: ageOf('rotation.agentKeys') });
  }
  for (const { did, age } of controllers) {
    if (age <= 0) continue;
    const current = (await ctx.store.listKeys(did)).filter((k) => k.status === 'active').at(-1);
    if (current === undefined) continue;
    const due = Date.parse(current.createdAt) + age * 1000;
    if (due - warningMs > now.getTime()) continue;
    const alert = await ctx.services.alerts.fire({
      rule: 'expiry',
      severity: due <= now.getTime() ? 'critical' : 'warning',
      subject: current.kid,
      message: `the key ${current.kid} ${due <= now.getTime() ? 'is past' : 'reaches'} its rotation age on ${new Date(due).toISOString()}: rotate it (\`legate key rotate\`)`,
      details: { controller: did, kid: current.kid, createdAt: current.createdAt, rotationDue: new Date(due).toISOString() },
      window: 'rotation',
    });
    if (alert !== undefined) fired.push(alert.id);
  }
}

/** Alerts for credentials this node holds that expire within `warningMs`. */
async function credentialChecks(ctx: NodeContext, warningMs: number, fired: string[]): Promise<void> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const found = await listCredentials(ctx, { status: 'active', expiringWithin: warningMs, limit: MAX_CREDENTIAL_PAGE, cursor });
    for (const credential of found.credentials) {
      const alert = await ctx.services.alerts.fire({
        rule: 'expiry',
        severity: 'warning',
        subject: credential.id,
        message: `the credential ${credential.id}${credential.agent === undefined ? '' : ` of ${credential.agent}`} expires at ${credential.validUntil ?? '?'}: renew or reissue it`,
        details: { credential: credential.id, holder: credential.subject, ...(credential.agent === undefined ? {} : { agent: credential.agent }), validUntil: credential.validUntil },
        window: credential.validUntil ?? '',
      });
      if (alert !== undefined) fired.push(alert.id);
    }
    if (found.cursor === undefined) return;
    cursor = found.cursor;
  }
}

/**
 * Runs the checks once: takes the lease, alerts on what is near expiry or
 * rotation age, sweeps old acknowledged alerts.
 *
 * @example
 * ```ts
 * const { fired, swept } = await runAlertChecks(node);
 * ```
 */
export async function runAlertChecks(ctx: NodeContext, options: { holder?: string; leaseMs?: number } = {}): Promise<AlertCheckRun> {
  const now = ctx.clock();
  const until = new Date(now.getTime() + (options.leaseMs ?? 60_000));
  if (!(await ctx.store.acquireLease(ALERT_CHECKS_LEASE, options.holder ?? randomUUID(), until.toISOString(), now.toISOString()))) {
    return { ran: false, fired: [], swept: 0 };
  }
  const { policy } = ctx.services.alerts;
  const fired: string[] = [];
  const warningMs = policy.expiryWarningSeconds * 1000;
  if (warningMs > 0) {
    await credentialChecks(ctx, warningMs, fired);
    await keyChecks(ctx, warningMs, now, fired);
  }
  const swept = await ctx.store.sweepAlerts(new Date(now.getTime() - policy.retentionSeconds * 1000).toISOString());
  return { ran: true, fired, swept };
}

/** A running schedule of the checks. */
export interface AlertCheckSchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs {@link runAlertChecks} now and every `intervalMs` as one holder; a run's error goes to `onError` (default a process warning). */
export function startAlertChecks(ctx: NodeContext, options: { intervalMs?: number | undefined; onError?: ((error: unknown) => void) | undefined } = {}): AlertCheckSchedule {
  return startLeasedSchedule('alert checks', options.intervalMs ?? DEFAULT_ALERT_CHECK_INTERVAL_MS, (lease) => runAlertChecks(ctx, lease), options.onError);
}
