/**
 * @module delegation/act
 *
 * Who stands behind a token, in the one reading Legate uses for access
 * tokens and session tokens alike (RFC 8693 §4.1, as
 * draft-oauth-ai-agents-on-behalf-of-user reads it): `sub` is the
 * accountable human owner, the principal the token is about; the outermost
 * `act` is the current actor (the agent that holds the token); each nested
 * `act` is the actor before it, up the delegation chain. The issuing
 * organization is not an actor: each capability's credential names it.
 *
 * It lives here, below the protocol layer, because both `session/` and
 * `oauth/` write it from a verified chain's attribution, and `oauth/` already
 * depends on `handshake/`, which depends on `session/`: a `session/` →
 * `oauth/` import would close a cycle. `oauth/act` re-exports it.
 */

import type { AttributionEntry } from './verify-chain.js';
import { legateError } from '../errors/index.js';

/** An RFC 8693 actor claim: the outermost is the current actor, nested ones are prior actors. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

/** Deepest `act` nesting read or written: a root agent plus eight delegations, with room. */
export const MAX_ACT_DEPTH = 16;

/**
 * `sub` and `act` of a delegation chain as `verifyChain` attributes it
 * (issuer, owner, agent, sub-agents…): the owner as `sub`, the last party
 * (the current actor) as the outermost `act`, earlier agents nested inside.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a chain with no owner or no agent.
 *
 * @example
 * ```ts
 * principalAndActors(chain.attribution)
 * // { sub: 'mailto:carol@acme.example', act: { sub: subAgentDid, act: { sub: aliceDid } } }
 * ```
 */
export function principalAndActors(attribution: readonly AttributionEntry[]): { sub: string; act: ActClaim } {
  const owner = attribution.find((entry) => entry.role === 'owner')?.id;
  const agents = attribution.filter((entry) => entry.role === 'agent' || entry.role === 'sub-agent').map((entry) => entry.id);
  if (owner === undefined || agents.length === 0) {
    throw legateError('ERR_INVALID_ARGUMENT', 'an attribution chain needs an owner and at least one agent', { claim: 'attribution' });
  }
  // Earliest agent innermost: fold from the first agent outwards.
  const act = agents.slice(1).reduce<ActClaim>((inner, sub) => ({ sub, act: inner }), { sub: agents[0]! });
  return { sub: owner, act };
}

/** The actors of an `act` claim, current actor first, at most {@link MAX_ACT_DEPTH}. */
export function actorsOfAct(act: ActClaim | undefined): string[] {
  const actors: string[] = [];
  for (let a = act; a !== undefined && actors.length < MAX_ACT_DEPTH; a = a.act) actors.push(a.sub);
  return actors;
}

/** Who acted, for whom: the current actor, earlier actors, then the owner (`sub`): the attribution order of audit entries. */
export function attributionOf(claims: { sub: string; act?: ActClaim | undefined }): string[] {
  return [...actorsOfAct(claims.act), claims.sub];
}
