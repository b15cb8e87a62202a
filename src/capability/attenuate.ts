/**
 * @module capability/attenuate
 *
 * Narrowing rules for delegation (DESIGN "Delegation and attenuation"): a
 * child capability must be covered by its parent: same or narrower action,
 * resource within the parent's pattern, same scope, every parent constraint
 * present in the child and no looser. The effective constraints of a
 * capability are its own plus its credential's shared ones; all of them
 * apply, so a parent limit is honoured when any one child limit of the same
 * kind is at least as tight. The rules are deliberately conservative where
 * "no looser" is hard to decide (periods must be equal, midnight-crossing
 * windows must be identical): a refused delegation can be reissued narrower,
 * a widened one cannot be taken back. The delegation module reports a
 * failure as `ERR_CAPABILITY_WIDENED`.
 */

import type { Capability, CapabilitySubject, Constraints, Money } from '../credential/types.js';
import { InputError } from '../errors/index.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { formatMoney } from './money.js';
import { parseTimeWindow, type TimeWindow } from './time-window.js';

/** The outcome of a narrowing check; each reason names the field it is about. */
export type NarrowingResult = { ok: true } | { ok: false; reasons: string[] };

const WILDCARD = '*';

/**
 * True when every action the `child` pattern covers, the `parent` pattern
 * covers too: `*` covers any action, a child `*` only sits under a parent `*`.
 *
 * @example
 * ```ts
 * actionWithin('read', '*') // true
 * actionWithin('*', 'read') // false
 * ```
 */
export function actionWithin(child: string, parent: string): boolean {
  if (child.length === 0) return false;
  return parent === WILDCARD || child === parent;
}

/** A resource pattern as the schema allows it: `*`, or non-empty segments with `*` only last. */
function isResourcePattern(pattern: string): boolean {
  if (pattern === WILDCARD) return true;
  const segments = pattern.split(':');
  return segments.every((s, i) => s.length > 0 && (s !== WILDCARD || i === segments.length - 1));
}

/**
 * True when every resource the `child` pattern matches, the `parent` pattern
 * matches too. A malformed child pattern is never within anything.
 *
 * @example
 * ```ts
 * resourceWithin('crm:tickets:*', 'crm:*') // true
 * resourceWithin('crm:*', 'crm:tickets')   // false
 * ```
 */
export function resourceWithin(child: string, parent: string): boolean {
  if (!isResourcePattern(child)) return false;
  if (parent === WILDCARD) return true;
  if (child === WILDCARD) return false;
  const want = parent.split(':');
  const have = child.split(':');
  const last = want.length - 1;
  if (want[last] === WILDCARD) {
    // The child keeps the parent's prefix and at least one segment (concrete or `*`) beyond it.
    return have.length > last && want.slice(0, last).every((segment, i) => segment === have[i]);
  }
  return child === parent;
}

/** The pattern-level reasons a child capability is not within its parent. */
function shapeReasons(parent: Capability, child: Capability): string[] {
  const reasons: string[] = [];
  if (!actionWithin(child.action, parent.action)) {
    reasons.push(`action: '${child.action}' is not within '${parent.action}'`);
  }
  if (!resourceWithin(child.resource, parent.resource)) {
    reasons.push(`resource: '${child.resource}' is not within '${parent.resource}'`);
  }
  if (parent.scope !== undefined && child.scope !== parent.scope) {
    reasons.push(`scope: must be '${parent.scope}', as the parent's, not ${child.scope === undefined ? 'absent' : `'${child.scope}'`}`);
  }
  return reasons;
}

type Kind = keyof Constraints;
type Value<K extends Kind> = NonNullable<Constraints[K]>;
/** Undefined when `child` is at least as tight as `parent`, else why not. */
type Tighter<K extends Kind> = (child: Value<K>, parent: Value<K>) => string | undefined;

function samePeriod(a: string, b: string): boolean {
  try {
    const [x, y] = [parseDuration(a), parseDuration(b)];
    // Equal when they add the same calendar months and the same fixed seconds (as addDuration applies them).
    const months = (d: typeof x) => d.years * 12 + d.months;
    const seconds = (d: typeof x) => (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
    return months(x) === months(y) && seconds(x) === seconds(y);
  } catch {
    return false;
  }
}

/** A duration's length in ms (calendar units counted from the epoch); NaN when malformed, so it never passes as tighter. */
function durationMs(text: string): number {
  try {
    return addDuration(new Date(0), parseDuration(text)).getTime();
  } catch {
    return Number.NaN;
  }
}

const money = (kind: string, child: Money, parent: Money): string | undefined => {
  if (child.currency !== parent.currency) return `${kind}: currency ${child.currency} differs from the parent's ${parent.currency}`;
  if (!(child.value <= parent.value)) return `${kind}: ${formatMoney(child)} is looser than the parent's ${formatMoney(parent)}`;
  return undefined;
};

const tighter: { [K in Kind]: Tighter<K> } = {
  maxAmount: (c, p) => money('maxAmount', c, p),
  budget: (c, p) =>
    samePeriod(c.period, p.period)
      ? money('budget', c, p)
      : `budget: period ${c.period} differs from the parent's ${p.period}`,
  rateLimit: (c, p) => {
    if (!samePeriod(c.period, p.period)) return `rateLimit: period ${c.period} differs from the parent's ${p.period}`;
    return c.count <= p.count ? undefined : `rateLimit: ${c.count} per ${c.period} is looser than the parent's ${p.count}`;
  },
  timeWindow: (c, p) => windowWithin(c, p),
  requireApproval: (c) => (c === true ? undefined : 'requireApproval: the parent requires approval'),
  maxStatusAge: (c, p) => (durationMs(c) <= durationMs(p) ? undefined : `maxStatusAge: ${c} is looser than the parent's ${p}`),
  audience: (c, p) => {
    if (!Array.isArray(p)) return 'audience: the parent audience is malformed';
    if (!Array.isArray(c) || c.length === 0) return 'audience: the child must name a non-empty audience';
    const extra = c.filter((did) => !p.includes(did));
    return extra.length === 0 ? undefined : `audience: ${extra.join(', ')} not in the parent's audience`;
  },
};

function windowWithin(child: TimeWindow, parent: TimeWindow): string | undefined {
  let c, p;
  try {
    [c, p] = [parseTimeWindow(child), parseTimeWindow(parent)];
  } catch (error) {
    if (error instanceof InputError) return `timeWindow: ${error.message}`;
    throw error;
  }
  if (c.timeZone !== p.timeZone) return `timeWindow: time zone ${c.timeZone} differs from the parent's ${p.timeZone}`;
  const extraDays = [...c.days].filter((d) => !p.days.has(d));
  if (extraDays.length > 0) return `timeWindow: ${extraDays.join(', ')} not among the parent's days`;
  if (c.crossesMidnight || p.crossesMidnight) {
    // Containment of wrapping intervals across day boundaries is easy to get wrong; demand the same hours.
    if (c.start !== p.start || c.end !== p.end) {
      return 'timeWindow: a window crossing midnight must keep exactly the parent hours';
    }
  } else if (c.start < p.start || c.end > p.end) {
    return `timeWindow: ${child.start}-${child.end} is not within the parent's ${parent.start}-${parent.end}`;
  }
  return undefined;
}

/** Every instance of one constraint kind among several constraint sets (a capability's own, then shared). */
function instances<K extends Kind>(kind: K, sets: readonly (Constraints | undefined)[]): Value<K>[] {
  const out: Value<K>[] = [];
  for (const set of sets) {
    const value = set?.[kind];
    // requireApproval: false imposes nothing, so it is no instance.
    if (value !== undefined && value !== false) out.push(value);
  }
  return out;
}

function constraintReasons(parentSets: readonly (Constraints | undefined)[], childSets: readonly (Constraints | undefined)[]): string[] {
  const reasons: string[] = [];
  const check = <K extends Kind>(kind: K) => {
    const children = instances(kind, childSets);
    for (const parent of instances(kind, parentSets)) {
      if (children.length === 0) {
        reasons.push(`${kind}: the parent's ${kind} is missing`);
        continue;
      }
      const misses = children.map((child) => tighter[kind](child, parent));
      if (misses.some((m) => m === undefined)) continue;
      reasons.push(...new Set(misses as string[]));
    }
  };
  (Object.keys(tighter) as Kind[]).forEach(check);
  return reasons;
}

/**
 * Checks that `child` is a narrowing of `parent`, taking each side's shared
 * credential constraints into account.
 *
 * @example
 * ```ts
 * const parent = { action: 'call', resource: 'billing:*', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
 * capabilityNarrows(parent, { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 50, currency: 'USD' } } })
 * // { ok: true }
 * capabilityNarrows(parent, { action: 'call', resource: 'billing:refund' })
 * // { ok: false, reasons: ["maxAmount: the parent's maxAmount is missing"] }
 * ```
 */
export function capabilityNarrows(
  parent: Capability,
  child: Capability,
  parentShared?: Constraints,
  childShared?: Constraints,
): NarrowingResult {
  const reasons = [
    ...shapeReasons(parent, child),
    ...constraintReasons([parent.constraints, parentShared], [child.constraints, childShared]),
  ];
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/**
 * Checks that every capability of `child` narrows some capability of
 * `parent`. Reasons name the child capability by index, and, when some
 * parent capabilities cover its action and resource, why each is looser.
 *
 * @example
 * ```ts
 * const result = subjectNarrows(parentCredential.credentialSubject, childSubject);
 * if (!result.ok) throw legateError('ERR_CAPABILITY_WIDENED', result.reasons.join('; '));
 * ```
 */
export function subjectNarrows(
  parent: Pick<CapabilitySubject, 'capabilities' | 'constraints'>,
  child: Pick<CapabilitySubject, 'capabilities' | 'constraints'>,
): NarrowingResult {
  const reasons: string[] = [];
  child.capabilities.forEach((capability, i) => {
    const label = `capabilities[${i}] (${capability.action} ${capability.resource})`;
    const candidates = parent.capabilities
      .map((p, j) => ({ j, shape: shapeReasons(p, capability), p }))
      .filter((candidate) => candidate.shape.length === 0);
    if (candidates.length === 0) {
      // When only the scope stands in the way, say so: it is the one thing the delegator can fix.
      const scoped = parent.capabilities.map((p) => shapeReasons(p, capability)).filter((why) => why.every((w) => w.startsWith('scope:')));
      reasons.push(`${label}: no parent capability covers this action, resource and scope${scoped.length === 0 ? '' : ` (${scoped.flat().join('; ')})`}`);
      return;
    }
    const misses = candidates.map(({ j, p }) => ({
      j,
      why: constraintReasons([p.constraints, parent.constraints], [capability.constraints, child.constraints]),
    }));
    if (misses.some((m) => m.why.length === 0)) return;
    for (const { j, why } of misses) reasons.push(...why.map((w) => `${label} vs parent capabilities[${j}]: ${w}`));
  });
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}
