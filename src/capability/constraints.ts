/**
 * @module capability/constraints
 *
 * Evaluates the constraints of DESIGN "Capabilities" (`maxAmount`, `budget`,
 * `timeWindow`, `rateLimit`, `requireApproval`, `audience`) against the
 * context of one action. Pure: spend and action counts are tracked by the
 * verifier's node and passed in, as numbers or as lookup functions. Every
 * failure is data carrying the code of the constraint that failed; a
 * constraint that cannot be evaluated (a malformed value in the credential or
 * the context, unknown usage) fails, because authorization denies by default.
 */

import type { Capability, Constraints, Money } from '../credential/types.js';
import { InputError, type ErrorCode } from '../errors/index.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { formatMoney, isDecimalAmount, isValidMoney, sumAtMost, type DecimalAmount } from './money.js';
import { timeWindowContains } from './time-window.js';

/** What a usage lookup is asked: the usage of one limit within its trailing period. */
export interface UsageQuery {
  /** The limit's ISO 8601 period. */
  period: string;
  /** Start of the trailing window, {@link periodStart} of now and `period`. */
  since: Date;
  /** For a budget: the currency the spend must be returned in. */
  currency?: string | undefined;
  /** The capability being authorized, when known. */
  capability?: Capability | undefined;
  /** The id its usage is counted under (its credential's lineage, else its id), when known. */
  credentialId?: string | undefined;
  /** The issuer of that credential, when known (ids are chosen by issuers, so a usage key needs both). */
  issuer?: string | undefined;
  /** Whether the limit is the capability's own or shared by its whole credential. */
  level?: 'capability' | 'credential' | undefined;
}

/**
 * Spend so far, in the budget's currency. The value may be a decimal string
 * (an exact sum of recorded spend, see `sumDecimals`), so no float rounding
 * enters a budget check.
 */
export interface Spend {
  value: DecimalAmount;
  currency: string;
}

/** Spend so far in the query's window, in the budget's currency; `undefined` when unknown. */
export type SpendLookup = (query: UsageQuery) => Money | Spend | undefined;
/** Actions already performed in the query's window; `undefined` when unknown. */
export type CountLookup = (query: UsageQuery) => number | undefined;

/** The facts about one action that constraints are checked against. */
export interface ConstraintContext {
  /** The instant of the action. */
  now: Date;
  /** The amount the action carries, if any. */
  amount?: Money | undefined;
  /** Spend already made in the budget's period, or a lookup for it. Unknown spend fails a budget. */
  spent?: Money | Spend | SpendLookup | undefined;
  /** Actions already performed in the rate limit's period, or a lookup. Unknown count fails a rate limit. */
  recentCount?: number | CountLookup | undefined;
  /** A human approval of this action has been verified. */
  approved?: boolean | undefined;
  /** The DID of the verifier the capability is presented to. */
  verifier?: string | undefined;
}

/** One failed constraint. */
export interface ConstraintFailure {
  code: ErrorCode;
  constraint: keyof Constraints;
  message: string;
}

/**
 * Start of the trailing window `(start, now]` over which a budget or rate
 * limit counts usage: `now` minus `period`, by the UTC calendar (`P1M` from
 * 31 March is 3 March, as `Date` rolls over). A rolling window rather than
 * calendar periods, so a limit cannot be doubled across a period boundary.
 * @throws InputError `ERR_MALFORMED` for a malformed period.
 *
 * @example
 * ```ts
 * periodStart(new Date('2026-03-02T10:00:00Z'), 'P1D') // 2026-03-01T10:00:00Z
 * ```
 */
export function periodStart(now: Date, period: string): Date {
  const d = parseDuration(period);
  return addDuration(now, {
    years: -d.years,
    months: -d.months,
    weeks: -d.weeks,
    days: -d.days,
    hours: -d.hours,
    minutes: -d.minutes,
    seconds: -d.seconds,
  });
}

type Target = Omit<UsageQuery, 'period' | 'since'>;
type Fail = (code: ErrorCode, message: string) => void;

/**
 * Checks every constraint in `constraints` and returns the failures (empty
 * when all pass). Never throws on malformed constraints or context: they
 * come back as `ERR_MALFORMED` failures. `target` is passed on to usage
 * lookups so the node can tell which limit it is asked about.
 *
 * @example
 * ```ts
 * checkConstraints({ maxAmount: { value: 100, currency: 'USD' } }, { now: new Date(), amount: { value: 150, currency: 'USD' } })
 * // [{ code: 'ERR_CONSTRAINT_AMOUNT', constraint: 'maxAmount', message: '150 USD exceeds the maximum of 100 USD' }]
 * ```
 */
export function checkConstraints(
  constraints: Constraints | undefined,
  context: ConstraintContext,
  target: Target = {},
): ConstraintFailure[] {
  if (constraints === undefined) return [];
  const failures: ConstraintFailure[] = [];
  const check = (constraint: keyof Constraints, run: (fail: Fail) => void) => {
    if (constraints[constraint] === undefined) return;
    const fail: Fail = (code, message) => failures.push({ code, constraint, message });
    try {
      run(fail);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      fail('ERR_MALFORMED', `${constraint}: ${error.message}`);
    }
  };
  check('maxAmount', (fail) => checkMaxAmount(constraints.maxAmount as Money, context, fail));
  check('budget', (fail) => checkBudget(constraints.budget as Budget, context, target, fail));
  check('timeWindow', (fail) => {
    if (!timeWindowContains(constraints.timeWindow as NonNullable<Constraints['timeWindow']>, context.now)) {
      fail('ERR_CONSTRAINT_TIME', 'outside the permitted time window');
    }
  });
  check('rateLimit', (fail) => checkRateLimit(constraints.rateLimit as RateLimit, context, target, fail));
  check('requireApproval', (fail) => {
    if (constraints.requireApproval === true && context.approved !== true) {
      fail('ERR_APPROVAL_REQUIRED', 'this action needs a human approval');
    }
  });
  check('audience', (fail) => {
    const audience: unknown = constraints.audience;
    if (!Array.isArray(audience)) fail('ERR_MALFORMED', 'audience must be a list of DIDs');
    else if (context.verifier === undefined || !audience.includes(context.verifier)) {
      fail('ERR_AUDIENCE', 'the verifier is not in the capability audience');
    }
  });
  return failures;
}

type Budget = NonNullable<Constraints['budget']>;
type RateLimit = NonNullable<Constraints['rateLimit']>;

function checkMaxAmount(max: Money, context: ConstraintContext, fail: Fail): void {
  const { amount } = context;
  if (!isValidMoney(max)) return fail('ERR_MALFORMED', 'maxAmount is not a valid amount');
  if (amount === undefined) return fail('ERR_CONSTRAINT_AMOUNT', `the amount is limited to ${formatMoney(max)}; state one`);
  if (!isValidMoney(amount)) return fail('ERR_MALFORMED', 'the request amount is not a valid amount');
  if (amount.currency !== max.currency) {
    return fail('ERR_CONSTRAINT_AMOUNT', `the amount must be in ${max.currency}, not ${amount.currency}`);
  }
  if (amount.value > max.value) {
    fail('ERR_CONSTRAINT_AMOUNT', `${formatMoney(amount)} exceeds the maximum of ${formatMoney(max)}`);
  }
}

function checkBudget(budget: Budget, context: ConstraintContext, target: Target, fail: Fail): void {
  const { amount } = context;
  if (!isValidMoney(budget)) return fail('ERR_MALFORMED', 'budget is not a valid amount');
  const since = periodStart(context.now, budget.period);
  if (amount === undefined) return fail('ERR_BUDGET_EXCEEDED', `a budget of ${formatMoney(budget)} applies; state an amount`);
  if (!isValidMoney(amount)) return fail('ERR_MALFORMED', 'the request amount is not a valid amount');
  if (amount.currency !== budget.currency) {
    return fail('ERR_BUDGET_EXCEEDED', `the budget is in ${budget.currency}, not ${amount.currency}`);
  }
  const spent =
    typeof context.spent === 'function' ? context.spent({ ...target, period: budget.period, since, currency: budget.currency }) : context.spent;
  if (spent === undefined) return fail('ERR_BUDGET_EXCEEDED', 'spend in the budget period is unknown');
  if (typeof spent !== 'object' || spent === null || !isDecimalAmount(spent.value) || spent.currency !== budget.currency) {
    return fail('ERR_MALFORMED', `spend so far must be a valid amount in ${budget.currency}`);
  }
  if (!sumAtMost(spent.value, amount.value, budget.value)) {
    fail(
      'ERR_BUDGET_EXCEEDED',
      `${formatMoney(amount)} on top of ${String(spent.value)} ${spent.currency} exceeds the budget of ${formatMoney(budget)} per ${budget.period}`,
    );
  }
}

function checkRateLimit(limit: RateLimit, context: ConstraintContext, target: Target, fail: Fail): void {
  if (!Number.isSafeInteger(limit.count) || limit.count < 1) return fail('ERR_MALFORMED', 'rateLimit count must be a positive integer');
  const since = periodStart(context.now, limit.period);
  const { recentCount } = context;
  const count = typeof recentCount === 'function' ? recentCount({ ...target, period: limit.period, since }) : recentCount;
  if (count === undefined) return fail('ERR_RATE_LIMITED', 'actions in the rate-limit period are unknown');
  if (!Number.isSafeInteger(count) || count < 0) return fail('ERR_MALFORMED', 'recent count must be a non-negative integer');
  if (count + 1 > limit.count) {
    fail('ERR_RATE_LIMITED', `at most ${limit.count} actions per ${limit.period}; ${count} already performed`);
  }
}
