/**
 * @module node/oauth/token-grant
 *
 * What a token grants, once the presented authority is verified: for each
 * capability asked for, the first chain that covers it and is usable here
 * (lives past now, names this organization or the exact resource in any
 * `audience` constraint, and is not widened by the constraints asked for),
 * as an RFC 9396 detail carrying the credential's constraints. One token
 * speaks for one line of actors (owner → agent → sub-agent), as one ACE
 * session does (handshake/advertise): capabilities granted through another
 * line are refused, each refused item keeping its reason code.
 */

import { hash } from 'node:crypto';
import type { AgentCapabilityCredential, Capability, Constraints } from '../../credential/types.js';
import type { ChainVerification } from '../../delegation/verify-chain.js';
import { isLegateError } from '../../errors/index.js';
import { grantedDetail } from '../../oauth/authorization-details.js';
import type { LegateAuthorizationDetail } from '../../oauth/types.js';
import type { RequestedCapability } from './token-request.js';

/** A chain that covers one requested capability, by the capability of its leaf that contains it. */
export interface GrantCandidate {
  capability: Capability;
  leaf: AgentCapabilityCredential;
  chain: ChainVerification;
}

/** A requested capability refused, with its reason code (the OAuth error's `rejected[]`). */
export interface Refusal {
  action: string;
  resource: string;
  scope?: string;
  code: string;
  reason?: string;
}

/** What one token grants: its details, the chains behind them (as stored for introspection), and when it must end. */
export interface Grant {
  details: LegateAuthorizationDetail[];
  /** Chain tokens (root first) by leaf credential id, as node/ace stores a session's. */
  chains: Record<string, string[]>;
  /** The chain of the token's line of actors: its attribution is the token's `sub` and `act`. */
  line?: ChainVerification;
  /** The earliest end of validity of any granting chain, in ms (Infinity when none ends). */
  end: number;
  rejected: Refusal[];
}

/**
 * Where the chains behind a token are kept (its `legate_chains`, the id of
 * their session row): a hash of them, so every token granted on the same
 * chains shares one row.
 */
export function chainsId(chains: Grant['chains']): string {
  return `chains:${hash('sha256', JSON.stringify(chains), 'base64url')}`;
}

/** What the checks need: the time, this organization's DID and the token's audience. */
export interface GrantContext {
  now: number;
  organization: string;
  target: string;
}

/** The earliest `validUntil` of a chain's links, in ms: a token never outlives its credentials. */
export function chainEnd(chain: ChainVerification): number {
  const ends = chain.links.map((l) => (l.credential.validUntil === undefined ? Number.NaN : Date.parse(l.credential.validUntil)));
  return Math.min(...ends.filter((t) => !Number.isNaN(t)));
}

/** The parties of a chain below the issuer (owner, agent, sub-agents): one token speaks for one such line. */
export function actorLine(chain: ChainVerification): string {
  return JSON.stringify(chain.attribution.filter((a) => a.role !== 'issuer').map((a) => a.id));
}

function withScope<T extends object>(target: T, scope: string | undefined): T & { scope?: string } {
  return scope === undefined ? target : { ...target, scope };
}

/** An `audience` constraint is met when it names this organization or the exact resource the token is for. */
function audienceMet(sets: readonly (Constraints | undefined)[], context: GrantContext): boolean {
  return sets.every((set) => {
    const audience = set?.audience;
    return audience === undefined || (Array.isArray(audience) && (audience.includes(context.organization) || audience.includes(context.target)));
  });
}

/** The candidate's granted detail, or why it cannot be granted here. */
function tryCandidate(intent: RequestedCapability, c: GrantCandidate, context: GrantContext): { detail: LegateAuthorizationDetail } | { code: string; reason: string } {
  if (!(chainEnd(c.chain) > context.now + 1000)) return { code: 'ERR_EXPIRED', reason: 'the granting credential expires before a token could be used' };
  const shared = c.leaf.credentialSubject.constraints;
  if (!audienceMet([c.capability.constraints, shared], context)) {
    return { code: 'ERR_AUDIENCE', reason: 'the capability’s audience names neither this organization nor the resource' };
  }
  try {
    return { detail: grantedDetail(c.capability, { id: c.leaf.id, ...(shared === undefined ? {} : { constraints: shared }) }, intent) };
  } catch (error) {
    if (!isLegateError(error)) throw error;
    return { code: error.code, reason: error.message.slice(0, 256) };
  }
}

/**
 * Decides each requested capability from its candidate chains (in order: the
 * first usable one wins), then keeps one line of actors: the first granted
 * capability's.
 *
 * @example
 * ```ts
 * const grant = grantOf(requested.map((r) => candidatesFor(r)), rejectedSoFar, { now, organization, target });
 * ```
 */
export function grantOf(perRequest: readonly (readonly [RequestedCapability, readonly GrantCandidate[]])[], rejected: readonly Refusal[], context: GrantContext): Grant {
  const refused: Refusal[] = [...rejected];
  const usable: { detail: LegateAuthorizationDetail; candidate: GrantCandidate }[] = [];
  for (const [intent, candidates] of perRequest) {
    let first: { code: string; reason: string } | undefined;
    const found = candidates.some((candidate) => {
      const outcome = tryCandidate(intent, candidate, context);
      if ('detail' in outcome) usable.push({ detail: outcome.detail, candidate });
      else first ??= outcome;
      return 'detail' in outcome;
    });
    if (!found) refused.push({ ...withScope({ action: intent.action, resource: intent.resource }, intent.scope), ...(first ?? { code: 'ERR_NOT_AUTHORIZED', reason: 'no presented capability covers this request' }) });
  }
  const line = usable[0] === undefined ? undefined : actorLine(usable[0].candidate.chain);
  const granted = usable.filter((u) => actorLine(u.candidate.chain) === line);
  for (const u of usable.filter((x) => actorLine(x.candidate.chain) !== line)) {
    refused.push({
      ...withScope({ action: u.detail.action, resource: u.detail.resource }, u.detail.scope),
      code: 'ERR_CHAIN_INVALID',
      reason: 'granted through another delegation line than the token’s; ask for it in a separate request',
    });
  }
  return {
    details: granted.map((g) => g.detail),
    chains: Object.fromEntries(granted.map((g) => [g.candidate.leaf.id, g.candidate.chain.links.map((l) => l.token)])),
    ...(granted[0] === undefined ? {} : { line: granted[0].candidate.chain }),
    end: Math.min(...granted.map((g) => chainEnd(g.candidate.chain))),
    rejected: refused,
  };
}
