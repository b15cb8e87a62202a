/**
 * @module node/renew
 *
 * The renewal job (#17 item 3): short-lived credentials are the safe
 * default only if they renew themselves. Under the node's `renewal` policy
 * (`lib/renewal`), a credential this organization issued to one of
 * its active agents is reissued `renewBefore` its expiry, for `lifetime`:
 * the same capabilities, constraints, owner, delegation depth and securing
 * form, with new status entries, continuing its predecessor's lineage so
 * budgets and rate limits carry over at every verifier
 * (`CapabilitySubject.lineage`).
 *
 * The predecessor is NOT revoked: revoking a parent revokes its children,
 * and actions re-check the chain, so that would cut every delegated child
 * and every live session. It expires on its own. Delegated children are not
 * renewed by the organization: they expire with their parent (a child never
 * outlives it), and their holders delegate again from the renewed credential.
 *
 * A credential revoked or suspended, or held by a retired agent, is never
 * renewed: renewal must not undo a revocation. In a fleet one instance runs
 * the job at a time, under the store's `credential-renewal` lease.
 */

import { startLeasedSchedule } from '../lib/leased-schedule.js';
import { randomUUID } from 'node:crypto';
import { isVc1Jwt } from '../credential/jwt-vc1.js';
import { renewalDue, renewalRuleFor } from '../lib/renewal.js';
import { CAPABILITY_CREDENTIAL_TYPE, usageIdOf, type AgentCapabilityCredential } from '../credential/types.js';
import { readUnverifiedForm } from '../credential/verify-secured.js';
import { isLegateError, type ErrorCode } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { AgentRecord, CredentialRecord } from '../store/types.js';
import { getAgent } from './agents.js';
import type { NodeContext } from './context.js';
import { issueToAgent, type IssueToAgentOptions } from './issue.js';
import { credentialStatus } from './status.js';

/** The lease the job takes in the store. */
export const RENEWAL_LEASE = 'credential-renewal';
/** How often `serve` runs the job by default. */
export const DEFAULT_RENEWAL_INTERVAL_MS = 5 * 60_000;
/** How long one run holds the lease by default (`serve` holds it for two of its intervals). */
export const DEFAULT_RENEWAL_LEASE_MS = 60_000;
/** Most credentials one run renews; the rest are renewed by the next run. */
export const MAX_RENEWALS_PER_RUN = 500;

export interface RenewalOptions {
  /** Only this agent's credentials (by name); default every active agent's. */
  agent?: string;
  /** Say what is due without issuing anything (and without taking the lease). */
  dryRun?: boolean;
  /** Who runs the job (default a random id per call): a holder renews its own lease. */
  holder?: string;
  /** How long the lease is held from now, in ms; default {@link DEFAULT_RENEWAL_LEASE_MS}. */
  leaseMs?: number;
}

/** One credential renewed (or, on a dry run, due). */
export interface Renewal {
  agent: string;
  /** The credential renewed. */
  from: string;
  /** Its successor; absent on a dry run. */
  to?: string;
  /** The lineage both share (usage is counted under it). */
  lineage: string;
  /** When the predecessor expires. */
  expires: string;
}

export interface RenewalResult {
  /** False when another instance holds the lease: this run did nothing. */
  ran: boolean;
  renewed: Renewal[];
  /** Credentials due but not renewed, with why. */
  failed: { id: string; code: ErrorCode }[];
  /** True when more were due than one run renews ({@link MAX_RENEWALS_PER_RUN}). */
  more: boolean;
}

/** A stored credential of this organization, read back (its signature was made here). */
interface Held {
  record: CredentialRecord;
  credential: AgentCapabilityCredential;
  format: NonNullable<IssueToAgentOptions['format']>;
}

function held(record: CredentialRecord): Held | undefined {
  const { stated, decoded } = readUnverifiedForm(record.token);
  if (stated === undefined || !isRecord(stated.credentialSubject) || typeof stated.id !== 'string') return undefined;
  const format = record.format === 'vc+ld+json' ? 'di' : decoded !== undefined && isVc1Jwt(decoded) ? 'jwt-vc1' : 'jwt';
  return { record, credential: stated as unknown as AgentCapabilityCredential, format };
}

/**
 * The credentials of `agent` due for renewal: of each lineage, the newest
 * (the one that expires last) when it expires within the rule's margin. An
 * older one of the same lineage has been renewed already.
 */
async function dueOf(ctx: NodeContext, agent: AgentRecord, now: Date): Promise<Held[]> {
  const rule = renewalRuleFor(ctx.renewal, agent.name);
  if (rule === undefined || agent.status !== 'active') return [];
  const records = await ctx.store.listCredentials({ subject: agent.did, issuer: ctx.organization.did, type: CAPABILITY_CREDENTIAL_TYPE });
  const newest = new Map<string, Held>();
  for (const record of records) {
    const found = held(record);
    // The organization's own credentials are roots; a delegated one is its holder's to renew.
    if (found === undefined || found.credential.credentialSubject.delegation?.parent !== undefined) continue;
    const lineage = usageIdOf(found.credential);
    const other = newest.get(lineage);
    const end = (h: Held) => (h.record.validUntil === undefined ? Number.POSITIVE_INFINITY : Date.parse(h.record.validUntil));
    if (other === undefined || end(found) > end(other)) newest.set(lineage, found);
  }
  return [...newest.values()].filter((h) => renewalDue(h.record.validUntil, now, rule));
}

/** Reissues `due` to `agent` for the rule's lifetime, continuing its lineage; undefined when it is revoked or suspended. */
async function renewOne(ctx: NodeContext, agent: AgentRecord, due: Held, lifetime: string): Promise<string | undefined> {
  const status = await credentialStatus(ctx, due.record.id);
  if (status.revoked || status.suspended) return undefined;
  const subject = due.credential.credentialSubject;
  const issued = await issueToAgent(ctx, {
    agent: agent.name,
    capabilities: subject.capabilities,
    ...(subject.constraints === undefined ? {} : { constraints: subject.constraints }),
    ...(subject.agent?.version === undefined ? {} : { agentVersion: subject.agent.version }),
    ...(subject.delegation === undefined ? {} : { delegation: subject.delegation }),
    owner: subject.owner,
    lineage: usageIdOf(due.credential),
    validFor: lifetime,
    format: due.format,
  });
  return issued.id;
}

/**
 * Runs the renewal job once: takes the lease, then renews every credential
 * due at the node's clock (at most {@link MAX_RENEWALS_PER_RUN}).
 * @throws LegateError `ERR_NOT_FOUND` when `options.agent` names no agent.
 *
 * @example
 * ```ts
 * const { renewed } = await renewCredentials(node);
 * ```
 */
export async function renewCredentials(ctx: NodeContext, options: RenewalOptions = {}): Promise<RenewalResult> {
  const now = ctx.clock();
  const agents = options.agent === undefined ? await ctx.store.listAgents() : [await getAgent(ctx, options.agent)];
  const result: RenewalResult = { ran: true, renewed: [], failed: [], more: false };
  // With no policy nothing is ever due: no lease to take.
  if (ctx.renewal.length === 0) return result;
  if (options.dryRun !== true) {
    const until = new Date(now.getTime() + (options.leaseMs ?? DEFAULT_RENEWAL_LEASE_MS));
    if (!(await ctx.store.acquireLease(RENEWAL_LEASE, options.holder ?? randomUUID(), until.toISOString(), now.toISOString()))) {
      return { ...result, ran: false };
    }
  }
  for (const agent of agents) {
    const rule = renewalRuleFor(ctx.renewal, agent.name);
    if (rule === undefined) continue;
    for (const due of await dueOf(ctx, agent, now)) {
      if (result.renewed.length + result.failed.length >= MAX_RENEWALS_PER_RUN) {
        result.more = true;
        return result;
      }
      const renewal = { agent: agent.name, from: due.record.id, lineage: usageIdOf(due.credential), expires: due.record.validUntil! };
      if (options.dryRun === true) {
        result.renewed.push(renewal);
        continue;
      }
      try {
        const to = await renewOne(ctx, agent, due, rule.lifetime);
        if (to !== undefined) result.renewed.push({ ...renewal, to });
      } catch (error) {
        if (!isLegateError(error)) throw error;
        result.failed.push({ id: due.record.id, code: error.code });
      }
    }
  }
  return result;
}

/** A running schedule of the job. */
export interface RenewalSchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs {@link renewCredentials} now and then every `intervalMs` (default
 * {@link DEFAULT_RENEWAL_INTERVAL_MS}) as one holder, which keeps the lease
 * for two intervals. A run's error goes to `onError` (default: a process
 * warning) and the schedule goes on. A node with no renewal policy runs nothing.
 */
export function startRenewal(
  ctx: NodeContext,
  options: { intervalMs?: number | undefined; onError?: ((error: unknown) => void) | undefined } = {},
): RenewalSchedule {
  if (ctx.renewal.length === 0) return { stop: () => Promise.resolve() };
  return startLeasedSchedule('credential renewal', options.intervalMs ?? DEFAULT_RENEWAL_INTERVAL_MS, (lease) => renewCredentials(ctx, lease), options.onError);
}
