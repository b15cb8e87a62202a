// Invariant: attenuation never widens. For any parent and child that the
// narrowing rules accept (acme -> alice -> sub-agent), whatever the child
// may do, the parent may do too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilityNarrows, subjectNarrows } from '../../src/capability/attenuate.js';
import { authorize, type Decision } from '../../src/capability/authorize.js';
import { checkConstraints, type ConstraintContext, type UsageQuery } from '../../src/capability/constraints.js';
import { capabilityCovers, type CapabilityRequest } from '../../src/capability/match.js';
import type { Capability, Constraints, Money } from '../../src/credential/types.js';
import { alice, bob, mallory } from '../fixtures.js';
import { ALL_DAYS } from './fixtures.js';

const RUNS = { numRuns: 400 };

/** Drops undefined fields, as exactOptionalPropertyTypes wants. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

// --- capabilities and requests, over small alphabets so that they overlap often

const segment = fc.constantFrom('a', 'b', 'c');
const patternAction = fc.constantFrom('read', 'write', '*');
const requestAction = fc.constantFrom('read', 'write', 'call');
const scope = optional(fc.constantFrom('s1', 's2'));
const resourcePattern = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([segments, wild]) => (wild ? [...segments, '*'] : segments).join(':')),
  },
  { weight: 1, arbitrary: fc.constantFrom('', 'a:', 'a::b', 'a:*:b', '*:a') }, // malformed
);
const shape = fc
  .record({ action: patternAction, resource: resourcePattern, scope })
  .map((c) => defined(c) as Capability);

/** A capability derived from `parent` the way a careful delegator would, sometimes overshooting. */
const derivedShape = (parent: Capability) =>
  fc
    .record({
      action: parent.action === '*' ? patternAction : fc.constantFrom(parent.action, parent.action, '*'),
      resource: fc.oneof(
        fc.constant(parent.resource),
        fc.array(segment, { minLength: 1, maxLength: 2 }).map((extra) => {
          const base = parent.resource.endsWith('*') ? parent.resource.slice(0, -1) : `${parent.resource}:`;
          return `${base}${extra.join(':')}`;
        }),
        resourcePattern,
      ),
      scope: parent.scope === undefined ? scope : fc.constantFrom(parent.scope, parent.scope, 's2'),
    })
    .map((c) => defined(c) as Capability);

const concreteResource = (maxLength: number) =>
  fc.array(segment, { minLength: 1, maxLength }).map((segments) => segments.join(':'));
const request = fc
  .record({ action: requestAction, resource: concreteResource(4), scope })
  .map((r) => defined(r) as CapabilityRequest);

/** A request that `capability` covers whenever its pattern is well formed. */
const coveredBy = (capability: Capability) =>
  fc
    .record({
      action: capability.action === '*' ? requestAction : fc.constant(capability.action),
      resource:
        capability.resource === '*'
          ? concreteResource(3)
          : capability.resource.endsWith(':*')
            ? concreteResource(2).map((suffix) => `${capability.resource.slice(0, -1)}${suffix}`)
            : fc.constant(capability.resource),
      scope: capability.scope === undefined ? scope : fc.constant(capability.scope),
    })
    .map((r) => defined(r) as CapabilityRequest);

// --- constraints and contexts

const currency = fc.constantFrom('USD', 'EUR');
const cents = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((n) => n / 100);
const money = (max: number): fc.Arbitrary<Money> => fc.record({ value: cents(max), currency });
const dids = [alice.did, bob.did, mallory.did];
const timeWindow = fc.record({
  days: fc.subarray(ALL_DAYS, { minLength: 1 }),
  start: fc.constantFrom('00:00', '06:00', '09:00', '17:00', '22:00'),
  end: fc.constantFrom('00:00', '06:00', '09:00', '17:00', '24:00'),
  timeZone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
});
const constraintsArbitraries = {
  maxAmount: money(200),
  budget: fc.record({ value: cents(200), currency, period: fc.constantFrom('P1D', 'PT24H', 'P7D') }),
  timeWindow,
  rateLimit: fc.record({ count: fc.integer({ min: 1, max: 10 }), period: fc.constantFrom('PT1H', 'PT60M', 'P1D') }),
  requireApproval: fc.boolean(),
  audience: fc.subarray(dids, { minLength: 1 }),
};
/** Constraint sets where each kind is present with odds `present : absent`. */
const constraintSets = (present: number, absent: number): fc.Arbitrary<Constraints> =>
  fc
    .record(
      Object.fromEntries(
        Object.entries(constraintsArbitraries).map(([k, a]) => [
          k,
          fc.oneof(
            { weight: present, arbitrary: a as fc.Arbitrary<unknown> },
            { weight: absent, arbitrary: fc.constant(undefined) },
          ),
        ]),
      ),
    )
    .map((c) => defined(c) as Constraints);
const constraints = constraintSets(1, 1);
/** Mostly empty sets, so that whole-subject decisions are not nearly always deny. */
const sparseConstraints = constraintSets(1, 8);

// maxStatusAge bounds status freshness, not a decision: its narrowing is tested in test/status/max-age.test.ts.
type Kind = Exclude<keyof Constraints, 'maxStatusAge'>;
const KINDS: Kind[] = ['maxAmount', 'budget', 'timeWindow', 'rateLimit', 'requireApproval', 'audience'];

/** Variations of one parent constraint: small steps either way, other currencies, periods, days, zones. */
type Variants = { [K in Kind]-?: (parent: NonNullable<Constraints[K]>) => fc.Arbitrary<NonNullable<Constraints[K]>> };
const near = (value: number) => fc.constantFrom(0, value, value + 0.01, Math.max(0, value - 0.01), value * 2);
const variants: Variants = {
  maxAmount: (p) => fc.record({ value: near(p.value), currency: fc.constantFrom(p.currency, p.currency, 'EUR') }),
  budget: (p) =>
    fc.record({
      value: near(p.value),
      currency: fc.constantFrom(p.currency, p.currency, 'EUR'),
      period: fc.constantFrom(p.period, p.period, 'P1D', 'PT24H', 'P7D'),
    }),
  // One field at a time, so that a widening of that field is not hidden by another rule.
  timeWindow: (p) =>
    fc.oneof(
      fc.subarray(p.days, { minLength: 1 }).map((days) => ({ ...p, days })),
      fc.subarray(ALL_DAYS, { minLength: 1 }).map((days) => ({ ...p, days })),
      fc.constantFrom('00:00', '08:00', '10:00', '23:00').map((start) => ({ ...p, start })),
      fc.constantFrom('05:00', '16:00', '18:00', '24:00').map((end) => ({ ...p, end })),
      fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York').map((timeZone) => ({ ...p, timeZone })),
    ),
  rateLimit: (p) =>
    fc.record({
      count: fc.constantFrom(1, p.count, p.count + 1, Math.max(1, p.count - 1)),
      period: fc.constantFrom(p.period, p.period, 'PT60M', 'P1D'),
    }),
  requireApproval: () => fc.boolean(),
  audience: (p) => fc.oneof(fc.subarray(p, { minLength: 1 }), fc.subarray(dids, { minLength: 1 })),
};

/** Constraints derived from `parent`: each kept, varied, replaced or dropped; extra ones sometimes added. */
const derivedConstraints = (parent: Constraints | undefined, mild = false): fc.Arbitrary<Constraints> => {
  // Mild derivations mostly keep the parent's constraints and rarely add new ones.
  const [keepWeight, skipWeight] = mild ? [40, 6] : [3, 1];
  const p = parent ?? {};
  const fields = KINDS.map((kind) => {
    const value = p[kind];
    const vary = variants[kind] as (v: unknown) => fc.Arbitrary<unknown>;
    const fresh = constraintsArbitraries[kind] as fc.Arbitrary<unknown>;
    return value === undefined
      ? fc.oneof(fresh, { weight: skipWeight, arbitrary: fc.constant(undefined) })
      : fc.oneof(
          { weight: keepWeight, arbitrary: fc.constant(value) },
          { weight: 4, arbitrary: vary(value) },
          fresh,
          fc.constant(undefined),
        );
  });
  return fc
    .tuple(...fields)
    .map((values) => defined(Object.fromEntries(KINDS.map((k, i) => [k, values[i]]))) as Constraints);
};

/** Past actions, as a node's ledger would hold them: how long ago, and for how much. */
const history = fc.array(fc.record({ ago: fc.integer({ min: 0, max: 8 * 86_400_000 }), amount: money(60) }), {
  maxLength: 8,
});

/** Lookups over a ledger, so that limits over longer periods see more usage, as they would for real. */
function ledger(now: Date, events: { ago: number; amount: Money }[]) {
  const since = (query: UsageQuery) => events.filter((e) => now.getTime() - e.ago > query.since.getTime());
  return {
    spent: (query: UsageQuery): Money => {
      const currency = query.currency ?? 'USD';
      const value = since(query).reduce((sum, e) => (e.amount.currency === currency ? sum + e.amount.value : sum), 0);
      return { value, currency };
    },
    recentCount: (query: UsageQuery) => since(query).length,
  };
}

/** Contexts likely to sit on the edges of the given constraints: amounts at and around their limits. */
const contextFor = (...sets: (Constraints | undefined)[]): fc.Arbitrary<ConstraintContext> => {
  const limits = sets.flatMap((c) => [c?.maxAmount, c?.budget]).filter((m): m is Money => m !== undefined);
  const edges = limits.flatMap((m) => [m.value, m.value + 0.01, Math.max(0, m.value - 0.01)]);
  const amount: fc.Arbitrary<Money> =
    edges.length === 0 ? money(300) : fc.oneof(money(300), fc.record({ value: fc.constantFrom(...edges), currency }));
  return fc
    .record({
      now: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T23:59:59Z'), noInvalidDate: true }),
      amount: fc.option(amount, { nil: undefined, freq: 6 }),
      spent: fc.option(fc.oneof(fc.constant({ value: 0, currency: 'USD' }), money(100)), { nil: undefined, freq: 6 }),
      recentCount: fc.option(fc.integer({ min: 0, max: 11 }), { nil: undefined, freq: 6 }),
      history: fc.option(history, { nil: undefined }),
      approved: fc.boolean(),
      verifier: fc.option(fc.constantFrom(...dids), { nil: undefined, freq: 6 }),
    })
    .map(({ history: events, ...c }) => {
      const usage = events === undefined ? {} : ledger(c.now, events); // lookups replace the plain numbers
      return defined({ ...c, ...usage });
    });
};

const keep = (set: Constraints, kind: Kind): Constraints => (set[kind] === undefined ? {} : { [kind]: set[kind] });

const passes = (context: ConstraintContext, ...sets: (Constraints | undefined)[]) =>
  sets.every((set) => checkConstraints(set, context).length === 0);

// --- the properties

describe('attenuation never widens (property)', () => {
  it('a child capability that narrows its parent covers no request the parent does not', () => {
    let accepted = 0;
    const pair = shape.chain((parent) => fc.tuple(fc.constant(parent), fc.oneof(shape, derivedShape(parent))));
    const cases = pair.chain(([parent, child]) =>
      fc.tuple(
        fc.constant(parent),
        fc.constant(child),
        fc.array(fc.oneof(request, coveredBy(child)), { maxLength: 12 }),
      ),
    );
    fc.assert(
      fc.property(cases, ([parent, child, requests]) => {
        if (!capabilityNarrows(parent, child).ok) return;
        accepted++;
        for (const r of requests) if (capabilityCovers(child, r)) expect(capabilityCovers(parent, r)).toBe(true);
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 10); // not vacuous
  });

  /** Cases for constraint properties: parent sets (own and shared), derived child sets, edge contexts. */
  const constraintCases = (
    parents: fc.Arbitrary<[Constraints, Constraints]>,
    options: { mild?: boolean; only?: Kind } = {},
  ) =>
    parents.chain(([parent, parentShared]) =>
      fc
        .tuple(derivedConstraints(parent, options.mild), derivedConstraints(parentShared, options.mild))
        // When testing one kind, keep only that kind, so that no other limit masks a widening.
        .map(([c, cs]): [Constraints, Constraints] => (options.only === undefined ? [c, cs] : [keep(c, options.only), keep(cs, options.only)]))
        .chain(([child, childShared]) =>
          fc.tuple(
            fc.constant({ parent, parentShared, child, childShared }),
            fc.array(contextFor(parent, parentShared, child, childShared), { minLength: 1, maxLength: 12 }),
          ),
        ),
    );

  /** Checks the invariant for one case; true when the narrowing was accepted. */
  const neverLooser = (
    { parent, parentShared, child, childShared }: Record<'parent' | 'parentShared' | 'child' | 'childShared', Constraints>,
    contexts: ConstraintContext[],
  ): boolean => {
    const p = { action: 'call', resource: 'billing:refund', constraints: parent };
    const c = { action: 'call', resource: 'billing:refund', constraints: child };
    if (!capabilityNarrows(p, c, parentShared, childShared).ok) return false;
    for (const ctx of contexts) {
      if (passes(ctx, child, childShared)) expect(passes(ctx, parent, parentShared)).toBe(true);
    }
    return true;
  };

  it.each(KINDS)('any context a narrowing child %s allows, the parent allows', (kind) => {
    let accepted = 0;
    const only = (k: Kind) =>
      optional(constraintsArbitraries[k] as fc.Arbitrary<unknown>).map((v) => defined({ [k]: v }) as Constraints);
    fc.assert(
      fc.property(constraintCases(fc.tuple(only(kind), only(kind)), { only: kind }), ([sets, contexts]) => {
        if (neverLooser(sets, contexts)) accepted++;
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 10); // not vacuous
  });

  it('any context that passes a narrowing child constraint set passes the parent set', () => {
    let accepted = 0;
    fc.assert(
      fc.property(constraintCases(fc.tuple(constraints, constraints), { mild: true }), ([sets, contexts]) => {
        if (neverLooser(sets, contexts)) accepted++;
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 10);
  });

  it('authorize never ranks a narrowing child subject above its parent', () => {
    const rank = (d: Decision) => ({ deny: 0, approval_required: 1, allow: 2 })[d.decision];
    const capability = fc.tuple(shape, sparseConstraints).map(([s, c]) => ({ ...s, constraints: c }));
    const childOf = (parent: Capability) =>
      fc
        .tuple(derivedShape(parent), derivedConstraints(parent.constraints, true))
        .map(([s, c]) => ({ ...s, constraints: c }));
    const subjects = fc
      .record({ capabilities: fc.array(capability, { minLength: 1, maxLength: 3 }), constraints: sparseConstraints })
      .chain((parent) =>
        fc.tuple(
          fc.constant(parent),
          fc.record({
            capabilities: fc.array(fc.oneof(...parent.capabilities.map(childOf)), { minLength: 1, maxLength: 3 }),
            constraints: derivedConstraints(parent.constraints, true),
          }),
        ),
      );
    const cases = subjects.chain(([parent, child]) =>
      fc.tuple(
        fc.constant(parent),
        fc.constant(child),
        fc.array(
          fc.tuple(
            fc.oneof(request, ...child.capabilities.map(coveredBy), ...child.capabilities.map(coveredBy)),
            contextFor(...parent.capabilities.map((c) => c.constraints), parent.constraints),
          ),
          { maxLength: 10 },
        ),
      ),
    );
    const holder = { id: alice.did, owner: alice.owner };
    let accepted = 0;
    let childAllowed = 0;
    fc.assert(
      fc.property(cases, ([parent, child, attempts]) => {
        if (!subjectNarrows(parent, child).ok) return;
        accepted++;
        for (const [r, ctx] of attempts) {
          const asked = { ...r, ...(ctx.amount === undefined ? {} : { amount: ctx.amount }) };
          const options = { ...ctx, clock: () => ctx.now };
          const childDecision = authorize(asked, [{ ...holder, ...child }], options);
          const parentDecision = authorize(asked, [{ ...holder, ...parent }], options);
          expect(rank(childDecision)).toBeLessThanOrEqual(rank(parentDecision));
          if (childDecision.decision !== 'deny') childAllowed++;
        }
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 10);
    expect(childAllowed).toBeGreaterThan(0);
  });
});
