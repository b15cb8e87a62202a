/**
 * @module capability
 *
 * The capability model as pure functions: whether a capability covers a
 * request (`capabilityCovers`), whether constraints pass for an action
 * (`checkConstraints`), the default-deny decision over a set of verified
 * credentials (`authorize`) and over delegation chains, where every
 * ancestor's budget binds its whole subtree (`authorizeChains`), exact
 * decimal sums (`sumDecimals`), and the narrowing rules delegation relies on
 * (`capabilityNarrows`, `subjectNarrows`). No I/O: time, spend and counts
 * are inputs.
 *
 * @example
 * ```ts
 * import { authorize } from 'legate/capability';
 * const { decision, reasons } = authorize({ action: 'read', resource: 'crm:tickets' }, [credential]);
 * ```
 */

export { actionMatches, capabilityCovers, isConcreteAction, isConcreteResource, resourceMatches } from './match.js';
export type { CapabilityRequest } from './match.js';
export { checkConstraints, periodStart } from './constraints.js';
export type { ConstraintContext, ConstraintFailure, CountLookup, Spend, SpendLookup, UsageQuery } from './constraints.js';
export { localTime, timeWindowContains, WEEKDAYS } from './time-window.js';
export type { TimeWindow } from './time-window.js';
export { authorize, bySpecificity, capabilityGrantOf } from './authorize.js';
export { authorizeChains } from './authorize-chain.js';
export type { ChainDecision, Charge, CredentialChain } from './authorize-chain.js';
export { sumDecimals } from './money.js';
export type { DecimalAmount } from './money.js';
export type { AuthorizationContext, AuthorizationRequest, CapabilityGrant, CapabilitySource, Decision, DecisionReason } from './authorize.js';
export { actionWithin, capabilityNarrows, resourceWithin, subjectNarrows } from './attenuate.js';
export type { NarrowingResult } from './attenuate.js';
