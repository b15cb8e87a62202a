/**
 * @module capability/usage
 *
 * How a verifier keys and sums the usage that budgets and rate limits read
 * (issue #13 item 1): usage belongs to a credential, named by its issuer and
 * id (or the lineage it continues, see `CapabilitySubject.lineage`), never to the agent holding it, so every holder of a credential and
 * every descendant of it count against the same rows, and a delegation tree
 * never spends more than its root allows. Spend is kept as decimal strings
 * and summed exactly (`money`), so `0.1 + 0.2` spent meets a `0.3` budget.
 * Pure: the node reads and writes the rows; this module names and sums them.
 */

import { issuerId, usageIdOf, type Capability, type Constraints, type Money } from '../credential/types.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { Charge, CredentialChain } from './authorize-chain.js';
import type { AuthorizationRequest } from './authorize.js';
import { periodStart, type Spend, type UsageQuery } from './constraints.js';
import { capabilityCovers } from './match.js';
import { sumDecimals } from './money.js';

/** One recorded use, as a usage row holds it: when, and what it spent (a decimal string). */
export interface UsageEntry {
  at: string;
  amount?: string | undefined;
  currency?: string | undefined;
}

/**
 * The key of one capability's usage under one credential. JSON keeps the
 * parts unambiguous whatever characters an id holds.
 */
export function capabilityUsageKey(issuer: string, credentialId: string, c: Pick<Capability, 'action' | 'resource' | 'scope'>): string {
  return JSON.stringify(['usage', issuer, credentialId, c.action, c.resource, c.scope ?? null]);
}

/** The key of a credential's shared usage (its shared constraints). */
export function credentialUsageKey(issuer: string, credentialId: string): string {
  return JSON.stringify(['usage', issuer, credentialId, '*']);
}

/** The periods of the budget and rate limit in `constraints`. */
export function limitPeriods(constraints: Constraints | undefined): string[] {
  return [constraints?.budget?.period, constraints?.rateLimit?.period].filter((p): p is string => p !== undefined);
}

/** The usage keys a chain decision may ask for, each with the periods of the limits that read it. */
export function usageKeysFor(chains: readonly CredentialChain[], request: AuthorizationRequest): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const add = (key: string, limits: Constraints | undefined) => {
    const found = limitPeriods(limits);
    if (found.length > 0) keys.set(key, [...(keys.get(key) ?? []), ...found]);
  };
  for (const credential of new Set(chains.flat())) {
    const issuer = issuerId(credential) ?? '';
    const usageId = usageIdOf(credential);
    add(credentialUsageKey(issuer, usageId), credential.credentialSubject.constraints);
    for (const c of credential.credentialSubject.capabilities) {
      if (capabilityCovers(c, request)) add(capabilityUsageKey(issuer, usageId, c), c.constraints);
    }
  }
  return keys;
}

/** How far back to read a key's rows: the start of its longest period; undefined for a malformed period (the constraint check reports it). */
export function usageSince(periods: readonly string[], now: Date): Date | undefined {
  try {
    return new Date(Math.min(...periods.map((p) => periodStart(now, p).getTime())));
  } catch {
    return undefined;
  }
}

/** The usage key a constraint check asks about, or undefined when the query names no credential. */
export function usageKeyOf(query: UsageQuery): string | undefined {
  if (query.credentialId === undefined || query.issuer === undefined) return undefined;
  if (query.level === 'credential') return credentialUsageKey(query.issuer, query.credentialId);
  return query.capability === undefined ? undefined : capabilityUsageKey(query.issuer, query.credentialId, query.capability);
}

/** The exact spend of `entries` in `currency`. */
export function spendOf(entries: readonly UsageEntry[], currency: string): Spend {
  return { value: sumDecimals(entries.filter((u) => u.currency === currency).map((u) => u.amount ?? '0')), currency };
}

/** What one allowed action records as its spend: the amount as a decimal string, exactly as given. */
export function spendRecordOf(amount: Money | undefined): { amount?: string; currency?: string } {
  return amount === undefined ? {} : { amount: String(amount.value), currency: amount.currency };
}

/** The usage keys one allowed action is recorded under, each with the limits that read it: per charge, its capability's and its credential's. */
export function chargedKeys(charges: readonly Charge[], chains: readonly CredentialChain[]): { key: string; limits: Constraints | undefined }[] {
  const byId = new Map(chains.flat().map((c) => [JSON.stringify([issuerId(c) ?? '', c.id]), c]));
  const keys: { key: string; limits: Constraints | undefined }[] = [];
  for (const charge of charges) {
    const own = charge.capability.constraints;
    const shared = byId.get(JSON.stringify([charge.issuer, charge.credentialId]))?.credentialSubject.constraints;
    if (limitPeriods(own).length > 0) keys.push({ key: capabilityUsageKey(charge.issuer, charge.usageId, charge.capability), limits: own });
    if (limitPeriods(shared).length > 0) keys.push({ key: credentialUsageKey(charge.issuer, charge.usageId), limits: shared });
  }
  return keys;
}

/**
 * The amount an action's `params` carry, if any.
 * @throws InputError `ERR_MALFORMED` when `params.amount` is not `{ value, currency }`.
 */
export function amountOf(params: unknown): Money | undefined {
  if (!isRecord(params) || params.amount === undefined) return undefined;
  const amount = params.amount;
  if (!isRecord(amount) || typeof amount.value !== 'number' || typeof amount.currency !== 'string') {
    throw legateError('ERR_MALFORMED', 'params.amount must be { value, currency }', { claim: 'params.amount' });
  }
  return { value: amount.value, currency: amount.currency };
}
