/**
 * @module status/max-age
 *
 * The verifier's own bound on how old a status list may be (#13 item 4).
 * An issuer's `ttl` says how long its list may be cached; a verifier caps it
 * with its own `maxStatusAge` (default five minutes), so a list published
 * with a one-year `ttl` is still fetched again within minutes. High-risk
 * capabilities can demand fresher status, from two places: the credential
 * itself (`maxStatusAge` in a capability's constraints, or in the
 * credential's shared constraints) and the verifier's policy (rules by
 * capability pattern). The strictest applicable age wins.
 *
 * Ages are written as durations (ISO 8601 `PT30S`, or the short form `30s`,
 * as `budget` and `rateLimit` periods are); the verifier's options also take
 * a number of seconds.
 */

import { actionWithin, resourceWithin } from '../capability/attenuate.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { isRecord } from '../lib/assert.js';

/** The verifier's default maximum status age: five minutes, the Bitstring Status List's default `ttl`. */
export const DEFAULT_MAX_STATUS_AGE_SECONDS = 300;

/** A verifier's rule: status for capabilities matching the pattern must be at most `maxStatusAge` old. */
export interface StatusAgeRule {
  /** An action name or `*`. */
  action: string;
  /** A resource pattern (a final `*` segment matches any suffix). */
  resource: string;
  /** Seconds, or a duration (`PT30S`, `30s`). */
  maxStatusAge: number | string;
}

/**
 * An age in ms: a number of seconds, or a duration (years and months counted
 * from the epoch, as the UTC calendar adds them).
 * @throws InputError `ERR_MALFORMED` for a malformed duration; RangeError for a negative or non-finite number.
 */
export function statusAgeMs(age: number | string): number {
  if (typeof age === 'number') {
    if (!Number.isFinite(age) || age < 0) throw new RangeError('maxStatusAge must be a non-negative number of seconds');
    return age * 1000;
  }
  return addDuration(new Date(0), parseDuration(age)).getTime();
}

/** `maxStatusAge` of a constraints object, in ms; undefined when absent or unreadable (the schema reports it). */
function constraintAge(constraints: unknown): number | undefined {
  if (!isRecord(constraints) || constraints.maxStatusAge === undefined) return undefined;
  const age = constraints.maxStatusAge;
  try {
    return typeof age === 'string' ? statusAgeMs(age) : undefined;
  } catch {
    return undefined;
  }
}

/** True when a rule's pattern and a capability share any request: either lies within the other. */
function overlaps(rule: StatusAgeRule, capability: { action: string; resource: string }): boolean {
  const within = (a: { action: string; resource: string }, b: { action: string; resource: string }) =>
    actionWithin(a.action, b.action) && resourceWithin(a.resource, b.resource);
  return within(capability, rule) || within(rule, capability);
}

/**
 * The largest status age, in ms, acceptable for `credential`: the smallest
 * of `defaultMs`, the credential's own `maxStatusAge` constraints (shared
 * or on any capability), and every rule whose pattern overlaps one of its
 * capabilities.
 */
export function maxStatusAgeOf(credential: unknown, rules: readonly StatusAgeRule[], defaultMs: number): number {
  let age = defaultMs;
  const subject = isRecord(credential) ? credential.credentialSubject : undefined;
  if (!isRecord(subject)) return age;
  const consider = (ms: number | undefined) => {
    if (ms !== undefined && ms < age) age = ms;
  };
  consider(constraintAge(subject.constraints));
  const capabilities = Array.isArray(subject.capabilities) ? subject.capabilities : [];
  for (const capability of capabilities) {
    if (!isRecord(capability) || typeof capability.action !== 'string' || typeof capability.resource !== 'string') continue;
    consider(constraintAge(capability.constraints));
    const pattern = { action: capability.action, resource: capability.resource };
    for (const rule of rules) if (overlaps(rule, pattern)) consider(statusAgeMs(rule.maxStatusAge));
  }
  return age;
}
