/**
 * @module lib/renewal
 *
 * When a node renews its agents' credentials (#17 item 3): a per-agent
 * policy of how long a renewed credential lasts (`lifetime`) and how long
 * before its predecessor expires it is issued (`renewBefore`). Pure: the
 * node (`node/renew`) reads its credentials and issues; this module says
 * which rule applies and whether a credential is due.
 */

import { legateError } from '../errors/index.js';
import { addDuration, parseDuration } from './duration.js';

/** One agent's renewal policy; `agent: '*'` applies to every agent no rule names. */
export interface RenewalRule {
  /** An agent's name in its node, or `*`. */
  agent: string;
  /** Validity of each renewed credential: an ISO 8601 (`P1D`) or short (`1d`) duration. */
  lifetime: string;
  /** How long before its predecessor's `validUntil` a credential is renewed; shorter than `lifetime`. */
  renewBefore: string;
}

/** Most rules a renewal policy may hold. */
export const MAX_RENEWAL_RULES = 256;

/**
 * Why `rule` is not a valid renewal rule, or undefined when it is: exactly
 * `agent`, `lifetime` and `renewBefore`, durations that parse, and
 * `renewBefore` shorter than `lifetime` (else every renewal is due at once).
 */
export function renewalRuleError(rule: unknown): string | undefined {
  const fields = typeof rule === 'object' && rule !== null && !Array.isArray(rule) ? (rule as Record<string, unknown>) : undefined;
  if (fields === undefined || Object.keys(fields).sort().join() !== 'agent,lifetime,renewBefore') return 'must have exactly agent, lifetime and renewBefore';
  const { agent, lifetime, renewBefore } = fields;
  if (typeof agent !== 'string' || agent.length === 0 || agent.length > 128) return 'agent must be an agent name or *';
  if (typeof lifetime !== 'string' || typeof renewBefore !== 'string') return 'lifetime and renewBefore must be durations such as P1D or PT6H';
  let life: number;
  let before: number;
  try {
    const epoch = new Date(0);
    life = addDuration(epoch, parseDuration(lifetime)).getTime();
    before = addDuration(epoch, parseDuration(renewBefore)).getTime();
  } catch {
    return 'lifetime and renewBefore must be durations such as P1D or PT6H';
  }
  return before >= life ? 'renewBefore must be shorter than lifetime' : undefined;
}

/** The rule for agent `name`: the one naming it, else the `*` rule, else none (its credentials are not renewed). */
export function renewalRuleFor(rules: readonly RenewalRule[], name: string): RenewalRule | undefined {
  return rules.find((r) => r.agent === name) ?? rules.find((r) => r.agent === '*');
}

/**
 * Whether a credential valid until `validUntil` is due for renewal at `now`
 * under `rule`: it has not expired, and expires within `renewBefore`. A
 * credential with no `validUntil` never is.
 * @throws InputError `ERR_MALFORMED` for a rule whose durations do not parse (checked when set: {@link renewalRuleError}).
 */
export function renewalDue(validUntil: string | undefined, now: Date, rule: Pick<RenewalRule, 'renewBefore'>): boolean {
  if (validUntil === undefined) return false;
  const end = Date.parse(validUntil);
  if (!Number.isFinite(end) || end <= now.getTime()) return false;
  return addDuration(now, parseDuration(rule.renewBefore)).getTime() >= end;
}

/** Checks a whole policy, for code that takes one directly (`openNode({ renewal })`). */
export function checkRenewalRules(rules: readonly RenewalRule[]): readonly RenewalRule[] {
  const given: unknown = rules;
  if (!Array.isArray(given) || given.length > MAX_RENEWAL_RULES) {
    throw legateError('ERR_INVALID_ARGUMENT', `a renewal policy holds at most ${MAX_RENEWAL_RULES} rules`, { claim: 'renewal' });
  }
  rules.forEach((rule, i) => {
    const why = renewalRuleError(rule);
    if (why !== undefined) throw legateError('ERR_INVALID_ARGUMENT', `renewal rule ${i} ${why}`, { claim: 'renewal' });
  });
  return rules;
}
