/**
 * @module node/overview/spend
 *
 * Spend against budget per capability, for the console's second chart:
 * for each active capability credential this node holds that carries a
 * `budget` (on a capability, or shared by the credential), the usage this
 * node recorded as a verifier in the budget's current period
 * (`capability/usage` keys and sums it exactly) against the budget. Usage
 * is kept where actions are decided: a credential used only at other
 * organizations' verifiers shows nothing spent here. Bounded: at most
 * {@link MAX_SPEND_CREDENTIALS} credentials read and {@link MAX_SPEND_ROWS}
 * rows shown.
 */

import { periodStart } from '../../capability/constraints.js';
import { capabilityUsageKey, credentialUsageKey, spendOf } from '../../capability/usage.js';
import { CAPABILITY_CREDENTIAL_TYPE, issuerId, usageIdOf, type AgentCapabilityCredential, type Constraints } from '../../credential/types.js';
import { readUnverified } from '../../credential/verify-secured.js';
import { isRecord } from '../../lib/assert.js';
import type { NodeContext } from '../context.js';
import { newViewCache, viewCredential } from '../credential-view.js';

export const MAX_SPEND_CREDENTIALS = 500;
export const MAX_SPEND_ROWS = 50;

export interface SpendRow {
  credential: string;
  /** The holder's name, when it is an agent of this node. */
  agent?: string;
  /** `<action> <resource>` of the capability, or `all capabilities` for a shared budget. */
  capability: string;
  period: string;
  currency: string;
  /** The budget, and what was spent in the current period, as exact decimal strings. */
  budget: string;
  spent: string;
}

export interface SpendOverview {
  rows: SpendRow[];
  truncated: boolean;
}

type Budget = NonNullable<Constraints['budget']>;

/** Each active budgeted credential's spend in its current period. */
export async function spendAgainstBudget(ctx: NodeContext): Promise<SpendOverview> {
  const now = ctx.clock();
  const records = await ctx.store.pageCredentials({ type: CAPABILITY_CREDENTIAL_TYPE, limit: MAX_SPEND_CREDENTIALS + 1 });
  const cache = newViewCache();
  const rows: SpendRow[] = [];
  const seen = new Set<string>();
  let truncated = records.length > MAX_SPEND_CREDENTIALS;
  const add = async (key: string, budget: Budget, row: Omit<SpendRow, 'period' | 'currency' | 'budget' | 'spent'>) => {
    if (seen.has(key)) return;
    seen.add(key);
    let since: Date;
    try {
      since = periodStart(now, budget.period);
    } catch {
      return;
    }
    const usage = await ctx.store.listUsage(key, since.toISOString());
    rows.push({ ...row, period: budget.period, currency: budget.currency, budget: String(budget.value), spent: String(spendOf(usage, budget.currency).value) });
  };
  for (const record of records.slice(0, MAX_SPEND_CREDENTIALS)) {
    if (rows.length >= MAX_SPEND_ROWS) {
      truncated = true;
      break;
    }
    const stated = readUnverified(record.token);
    if (stated === undefined || !isRecord(stated.credentialSubject)) continue;
    const view = await viewCredential(ctx, record, cache);
    if (view.state !== 'active') continue;
    const credential = stated as unknown as AgentCapabilityCredential;
    const issuer = issuerId(credential) ?? record.issuer;
    const usageId = usageIdOf(credential);
    const base = { credential: record.id, ...(view.agent === undefined ? {} : { agent: view.agent }) };
    const shared = view.constraints?.budget;
    if (shared !== undefined) await add(credentialUsageKey(issuer, usageId), shared, { ...base, capability: 'all capabilities' });
    for (const c of view.capabilities) {
      const budget = c.constraints?.budget;
      if (budget !== undefined) await add(capabilityUsageKey(issuer, usageId, c), budget, { ...base, capability: `${c.action} ${c.resource}${c.scope === undefined ? '' : ` (${c.scope})`}` });
    }
  }
  return { rows: rows.slice(0, MAX_SPEND_ROWS), truncated };
}
