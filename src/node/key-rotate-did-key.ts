/**
 * @module node/key-rotate-did-key
 *
 * Rotating a did:key agent: its DID is its key, so a new key is a new DID,
 * and so a new agent. `legate key rotate --agent <name> --as <new-name>`
 * registers the successor (did:key, same owner) and reissues to it every
 * live capability credential the organization issued to the old agent (same
 * capabilities, constraints, delegation allowance, agent version, form and
 * `validUntil`; one with no `validUntil` is reissued for the default 30
 * days). Nothing of the old agent is revoked: its sessions in flight stay on
 * the old key until they expire, and its credentials until theirs do;
 * retire it (`legate agent retire <name>`) when it is no longer used.
 * Credentials delegated to it by another agent cannot be reissued by the
 * organization: they are reported, for their delegator to reissue.
 * A `key-rotate` audit entry names the old and the new DID.
 */

import { readUnverifiedForm } from '../credential/verify-secured.js';
import { isVc1Jwt } from '../credential/jwt-vc1.js';
import type { Capability, Constraints, Delegation } from '../credential/types.js';
import { legateError } from '../errors/index.js';
import { createAgent, getAgent } from './agents.js';
import { audit } from './audit.js';
import type { NodeContext } from './context.js';
import { issueToAgent, type IssueToAgentOptions } from './issue.js';
import type { KeyRotation } from './key-rotate.js';
import { credentialStatus } from './status.js';

/** What rotating a did:key agent did. */
export interface DidKeyRotation extends KeyRotation {
  /** The successor agent's name. */
  successor: string;
  oldDid: string;
  newDid: string;
  /** Each credential reissued: the old id and the new one. */
  reissued: { from: string; to: string }[];
  /** Live credentials of the old agent not reissued (delegated to it by another agent): their delegator reissues them. */
  notReissued: string[];
}

/** The issue options that reproduce a stored credential for another agent, or undefined when it is not a root credential of the organization. */
function reissueOptions(token: string, format: string): Omit<IssueToAgentOptions, 'agent'> | undefined {
  const { stated, decoded } = readUnverifiedForm(token);
  const subject = stated?.credentialSubject as
    | { capabilities?: Capability[]; constraints?: Constraints; delegation?: Delegation; agent?: { version?: string }; owner?: string; lineage?: string }
    | undefined;
  if (subject?.capabilities === undefined || subject.delegation?.parent !== undefined || typeof stated?.id !== 'string') return undefined;
  return {
    capabilities: subject.capabilities,
    ...(subject.constraints === undefined ? {} : { constraints: subject.constraints }),
    ...(subject.delegation === undefined ? {} : { delegation: subject.delegation }),
    ...(subject.agent?.version === undefined ? {} : { agentVersion: subject.agent.version }),
    ...(typeof subject.owner === 'string' ? { owner: subject.owner } : {}),
    // The same expiry (none stays none: never stranded), and its lineage, so budgets carry over to the new DID.
    validUntil: typeof stated.validUntil === 'string' ? stated.validUntil : null,
    lineage: typeof subject.lineage === 'string' ? subject.lineage : stated.id,
    format: format === 'vc+ld+json' ? 'di' : decoded !== undefined && isVc1Jwt(decoded) ? 'jwt-vc1' : 'jwt',
  };
}

/**
 * Rotates a did:key agent into a new agent `successor` and reissues its
 * organization-issued credentials to it.
 * @throws LegateError `ERR_NOT_FOUND` for an unknown agent, `ERR_CONFLICT`
 * for a retired one or a successor name taken; InputError
 * `ERR_INVALID_ARGUMENT` for a did:web agent (rotate it in place) or a bad name.
 *
 * @example
 * ```ts
 * const { newDid, reissued } = await rotateDidKeyAgent(node, 'helper', 'helper-2');
 * ```
 */
export async function rotateDidKeyAgent(ctx: NodeContext, name: string, successorName: string): Promise<DidKeyRotation> {
  const agent = await getAgent(ctx, name);
  if (agent.status === 'retired') throw legateError('ERR_CONFLICT', `agent ${name} is retired`, { claim: 'agent', reason: 'retired' });
  if (agent.method !== 'key') throw legateError('ERR_INVALID_ARGUMENT', `agent ${name} is a did:web agent: its key rotates in place (no successor)`, { claim: 'successor' });
  const now = ctx.clock();
  const live = [];
  for (const record of await ctx.store.listCredentials({ subject: agent.did })) {
    if (record.validUntil !== undefined && Date.parse(record.validUntil) <= now.getTime()) continue;
    if ((await ctx.store.getStatusAllocations(record.id)).length > 0 && (await credentialStatus(ctx, record.id)).revoked) continue;
    live.push(record);
  }
  const successor = await createAgent(ctx, { name: successorName, owner: agent.owner, method: 'key' });
  const reissued: { from: string; to: string }[] = [];
  const notReissued: string[] = [];
  for (const record of live) {
    const options = record.issuer === ctx.organization.did ? reissueOptions(record.token, record.format) : undefined;
    if (options === undefined) {
      notReissued.push(record.id);
      continue;
    }
    const issued = await issueToAgent(ctx, { ...options, agent: successor.name });
    reissued.push({ from: record.id, to: issued.id });
  }
  await audit(ctx, {
    type: 'key',
    decision: 'allow',
    action: 'key-rotate',
    resource: successor.kid,
    agent: agent.did,
    owner: agent.owner,
    credentials: reissued.map((r) => r.to).slice(0, 32),
    details: { controller: agent.did, oldKid: agent.kid, newKid: successor.kid, successor: successor.name, reissued: reissued.length },
  });
  return {
    controller: agent.did,
    agent: agent.name,
    oldKid: agent.kid,
    newKid: successor.kid,
    statusLists: [],
    trustList: false,
    successor: successor.name,
    oldDid: agent.did,
    newDid: successor.did,
    reissued,
    notReissued,
  };
}
