/**
 * @module capability/authorize
 *
 * The authorization decision of DESIGN "Capabilities": default deny; an action
 * is allowed only if one capability covers it and every constraint of that
 * capability, and every shared constraint of its credential, passes. Pure:
 * credentials come in already verified (signature, status, chain), usage
 * counters come in through the context, and time through an injected clock.
 * The decision is data that names the capability used or the reason codes.
 */

import { issuerId, usageIdOf, type AgentCapabilityCredential, type Capability, type Constraints, type Money } from '../credential/types.js';
import type { ErrorCode } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { checkConstraints, type ConstraintContext, type CountLookup, type Spend, type SpendLookup } from './constraints.js';
import { capabilityCovers, isConcreteAction, isConcreteResource } from './match.js';
import { isValidMoney } from './money.js';

/** An action to authorize: what, on which resource, in which scope, for how much. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  scope?: string | undefined;
  amount?: Money | undefined;
}

/** What the verifier knows beyond the request. Unknown usage fails budgets and rate limits. */
export interface AuthorizationContext {
  /** Defaults to the system clock. */
  clock?: Clock | undefined;
  /** The DID of the verifier, checked against `audience` constraints. */
  verifier?: string | undefined;
  /** Spend so far in a budget's period, or a lookup keyed by capability and credential. */
  spent?: Money | Spend | SpendLookup | undefined;
  /** Actions already performed in a rate limit's period, or a lookup. */
  recentCount?: number | CountLookup | undefined;
  /** A human approval of this very action has been verified. */
  approved?: boolean | undefined;
}

/**
 * What {@link authorize} reads of a grant of capabilities: the capabilities
 * and their shared constraints, and, when they come from a credential, its
 * id, issuer and validity window. A credential's subject fits as it is (no
 * credential, no window); {@link capabilityGrantOf} makes one of a verified
 * credential. Nothing else is read, so nothing needs faking.
 */
export interface CapabilityGrant {
  capabilities: readonly Capability[];
  /** Shared by every capability of the grant. */
  constraints?: Constraints | undefined;
  /** The credential's id, named in the decision. */
  credentialId?: string | undefined;
  /** The id usage queries name: the credential's lineage, else its id (see `CapabilitySubject.lineage`). */
  usageId?: string | undefined;
  /** The credential's issuer (usage queries name it with the id). */
  issuer?: string | undefined;
  /** Start of the validity window (ISO 8601), when it has one. */
  validFrom?: string | undefined;
  /** End of the validity window (ISO 8601, inclusive), when it has one. */
  validUntil?: string | undefined;
}

/** A verified credential, or a plain {@link CapabilityGrant} (a credential subject is one). */
export type CapabilitySource = AgentCapabilityCredential | CapabilityGrant;

/**
 * The grant a verified credential makes: its subject's capabilities and
 * constraints, its id, issuer and validity window.
 *
 * @example
 * ```ts
 * authorize(request, [capabilityGrantOf(result.credential)], { verifier: bank.did });
 * ```
 */
export function capabilityGrantOf(credential: AgentCapabilityCredential): CapabilityGrant {
  const { capabilities, constraints } = credential.credentialSubject;
  return {
    capabilities,
    constraints,
    credentialId: credential.id,
    usageId: usageIdOf(credential),
    issuer: issuerId(credential),
    validFrom: credential.validFrom,
    validUntil: credential.validUntil,
  };
}

export interface DecisionReason {
  code: ErrorCode;
  message: string;
}

export interface Decision {
  decision: 'allow' | 'deny' | 'approval_required';
  /** The capability that allows the action, or that needs approval. */
  capability?: Capability;
  /** The id of that capability's credential, when it came from a credential. */
  credentialId?: string;
  /** Empty on allow; otherwise the reasons, one per distinct code. */
  reasons: DecisionReason[];
}

interface Candidate {
  capability: Capability;
  grant: CapabilityGrant;
}

/**
 * Orders capabilities most specific first, for choosing among several that
 * cover one request (DESIGN "Capabilities"; issue #13 item 14): a scoped
 * capability before an unscoped one, a named action before `*`, a concrete
 * resource before a pattern, and a pattern with more fixed segments before
 * one with fewer. Negative when `a` is the more specific. Equal
 * capabilities compare 0, so a stable sort keeps the caller's order.
 *
 * @example
 * ```ts
 * [{ action: '*', resource: 'billing:*' }, { action: 'call', resource: 'billing:refund' }].sort(bySpecificity)
 * // call billing:refund first
 * ```
 */
export function bySpecificity(a: Pick<Capability, 'action' | 'resource' | 'scope'>, b: Pick<Capability, 'action' | 'resource' | 'scope'>): number {
  const rank = (c: Pick<Capability, 'action' | 'resource' | 'scope'>): number[] => {
    const segments = c.resource.split(':');
    const wildcard = segments.at(-1) === '*';
    return [c.scope === undefined ? 1 : 0, c.action === '*' ? 1 : 0, wildcard ? 1 : 0, -(wildcard ? segments.length - 1 : segments.length)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i += 1) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return 0;
}

/**
 * Decides whether `request` is allowed by any of `credentials`.
 *
 * - `allow` when a covering capability passes all its constraints and its
 *   credential's shared ones. When several cover the request, they are tried
 *   most specific first ({@link bySpecificity}), then in the order given,
 *   and the first that passes is the one named (and the one a verifier
 *   charges): a narrow capability that refuses, say, a 30 USD refund for its
 *   20 USD limit does not hide a broader one that allows it;
 * - otherwise `approval_required` when one fails only for want of a human
 *   approval (reason `ERR_APPROVAL_REQUIRED`);
 * - otherwise `deny`, with `ERR_NOT_AUTHORIZED` when nothing covers the
 *   request, else the distinct codes of the failed constraints, plus
 *   `ERR_EXPIRED` / `ERR_NOT_YET_VALID` for covering credentials outside their
 *   validity window at the clock's time (those are skipped), and
 *   `ERR_MALFORMED` for a malformed request.
 *
 * @throws TypeError when an argument has the wrong type.
 *
 * @example
 * ```ts
 * const decision = authorize(
 *   { action: 'call', resource: 'billing:refund', amount: { value: 80, currency: 'USD' } },
 *   [credential],
 *   { verifier: 'did:web:shop.example' },
 * );
 * if (decision.decision !== 'allow') console.log(decision.reasons.map((r) => r.code));
 * ```
 */
export function authorize(
  request: AuthorizationRequest,
  credentials: readonly CapabilitySource[],
  context: AuthorizationContext = {},
): Decision {
  assertArguments(request, credentials, context);
  const malformed = requestProblem(request);
  if (malformed !== undefined) return deny([{ code: 'ERR_MALFORMED', message: malformed }]);

  const now = (context.clock ?? systemClock)();
  const constraintContext: ConstraintContext = {
    now,
    amount: request.amount,
    spent: context.spent,
    recentCount: context.recentCount,
    approved: context.approved,
    verifier: context.verifier,
  };
  const reasons: DecisionReason[] = [];
  const candidates: Candidate[] = [];
  for (const grant of credentials.map(grantOf)) {
    const covering = grant.capabilities.filter((capability) => capabilityCovers(capability, request));
    if (covering.length === 0) continue;
    const invalid = validityProblem(grant, now);
    if (invalid !== undefined) reasons.push(invalid);
    else candidates.push(...covering.map((capability) => ({ capability, grant })));
  }
  // Array.prototype.sort is stable: equally specific capabilities keep the order given.
  candidates.sort((a, b) => bySpecificity(a.capability, b.capability));

  let needsApproval: Candidate | undefined;
  for (const candidate of candidates) {
    const { capability, grant } = candidate;
    const target = { capability, credentialId: grant.usageId ?? grant.credentialId, issuer: grant.issuer };
    const failures = [
      ...checkConstraints(capability.constraints, constraintContext, { ...target, level: 'capability' }),
      ...checkConstraints(grant.constraints, constraintContext, { ...target, level: 'credential' }),
    ];
    if (failures.length === 0) return { decision: 'allow', ...named(candidate), reasons: [] };
    if (failures.every((f) => f.code === 'ERR_APPROVAL_REQUIRED')) needsApproval ??= candidate;
    const label = `${capability.action} ${capability.resource}`;
    reasons.push(...failures.map((f) => ({ code: f.code, message: `${label}: ${f.message}` })));
  }

  if (needsApproval !== undefined) {
    return {
      decision: 'approval_required',
      ...named(needsApproval),
      reasons: [{ code: 'ERR_APPROVAL_REQUIRED', message: 'a human approval of this action is required' }],
    };
  }
  if (candidates.length === 0 && reasons.length === 0) {
    reasons.push({ code: 'ERR_NOT_AUTHORIZED', message: 'no capability covers this action' });
  }
  return deny(reasons);
}

function deny(reasons: DecisionReason[]): Decision {
  const seen = new Set<ErrorCode>();
  return { decision: 'deny', reasons: reasons.filter((r) => !seen.has(r.code) && seen.add(r.code)) };
}

function named(candidate: Candidate): { capability: Capability; credentialId?: string } {
  const { capability, grant } = candidate;
  return grant.credentialId === undefined ? { capability } : { capability, credentialId: grant.credentialId };
}

function grantOf(source: CapabilitySource): CapabilityGrant {
  return 'credentialSubject' in source ? capabilityGrantOf(source) : source;
}

function validityProblem(grant: CapabilityGrant, now: Date): DecisionReason | undefined {
  const { validFrom, validUntil } = grant;
  if (validFrom === undefined && validUntil === undefined) return undefined;
  const name = `credential ${grant.credentialId ?? '(unnamed)'}`;
  const from = validFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(validFrom);
  const until = validUntil === undefined ? Number.POSITIVE_INFINITY : Date.parse(validUntil);
  if (Number.isNaN(from) || Number.isNaN(until)) return { code: 'ERR_MALFORMED', message: `${name} has a malformed validity window` };
  // Same boundaries as credential verification: valid from validFrom through validUntil inclusive.
  if (now.getTime() < from) return { code: 'ERR_NOT_YET_VALID', message: `${name} is not valid before ${String(validFrom)}` };
  if (now.getTime() > until) return { code: 'ERR_EXPIRED', message: `${name} expired at ${String(validUntil)}` };
  return undefined;
}

function requestProblem(request: AuthorizationRequest): string | undefined {
  if (!isConcreteAction(request.action)) return 'the request action must be a non-empty name other than *';
  if (!isConcreteResource(request.resource)) {
    return 'the request resource must be one or more non-empty segments, without wildcards';
  }
  if (request.scope !== undefined && (typeof request.scope !== 'string' || request.scope.length === 0)) {
    return 'the request scope must be a non-empty string';
  }
  if (request.amount !== undefined && !isValidMoney(request.amount)) {
    return 'the request amount must be a finite, non-negative value with a currency';
  }
  return undefined;
}

function assertArguments(request: unknown, credentials: unknown, context: unknown): void {
  if (!isRecord(request) || typeof request.action !== 'string' || typeof request.resource !== 'string') {
    throw new TypeError('request must be an object with string action and resource');
  }
  if (!Array.isArray(credentials)) throw new TypeError('credentials must be an array');
  for (const [i, source] of credentials.entries()) {
    const subject: unknown = isRecord(source) && 'credentialSubject' in source ? source.credentialSubject : source;
    if (!isRecord(subject) || !Array.isArray(subject.capabilities)) {
      throw new TypeError(`credentials[${i}] must be a credential or a grant with a capabilities array`);
    }
  }
  if (!isRecord(context)) throw new TypeError('context must be an object');
  if (context.clock !== undefined && typeof context.clock !== 'function') {
    throw new TypeError('context.clock must be a function');
  }
}
