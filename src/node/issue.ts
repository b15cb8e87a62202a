/**
 * @module node/issue
 *
 * The organization issues a capability credential to one of its agents,
 * signed with its current key, and records it in the store.
 */

import { StoreError } from '../errors/index.js';
import { issueCapabilityCredential, type IssuedCredential } from '../credential/issue.js';
import { CAPABILITY_CREDENTIAL_TYPE, type Capability, type Constraints, type Delegation } from '../credential/types.js';
import type { Signer } from '../keys/signer.js';
import type { NodeContext } from './context.js';
import { getAgent } from './agents.js';

export interface IssueToAgentOptions {
  /** The agent's name in this node. */
  agent: string;
  capabilities: Capability[];
  constraints?: Constraints;
  /** Agent software version recorded in the credential. */
  agentVersion?: string;
  delegation?: Delegation;
  /** ISO 8601 (`P30D`) or short (`30d`) duration; default 30 days. */
  validFor?: string;
}

/** The organization's newest active key, as a Signer. */
export async function organizationSigner(ctx: NodeContext): Promise<Signer> {
  const keys = (await ctx.keys.list(ctx.organization.did)).filter((k) => k.status === 'active');
  const newest = keys.at(-1);
  if (newest === undefined) throw new StoreError('ERR_KEY_UNAVAILABLE', 'the organization has no active key');
  return ctx.keys.signer(newest.kid);
}

/**
 * Issues and records a capability credential for an active agent.
 * @throws StoreError `ERR_NOT_FOUND` (unknown agent), `ERR_CONFLICT` (retired
 * agent); InputError `ERR_SCHEMA` for capabilities that do not match the schema.
 *
 * @example
 * ```ts
 * const { id, jwt } = await issueToAgent(node, {
 *   agent: 'alice',
 *   capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
 * });
 * ```
 */
export async function issueToAgent(ctx: NodeContext, options: IssueToAgentOptions): Promise<IssuedCredential> {
  const agent = await getAgent(ctx, options.agent);
  if (agent.status !== 'active') {
    throw new StoreError('ERR_CONFLICT', `agent ${agent.name} is retired`, { claim: 'agent', reason: 'retired' });
  }
  const issued = await issueCapabilityCredential({
    issuer: ctx.organization.did,
    signer: await organizationSigner(ctx),
    subject: {
      id: agent.did,
      owner: agent.owner,
      agent: { name: agent.name, ...(options.agentVersion === undefined ? {} : { version: options.agentVersion }) },
      capabilities: options.capabilities,
      ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
      ...(options.delegation === undefined ? {} : { delegation: options.delegation }),
    },
    validFor: options.validFor ?? 'P30D',
    clock: ctx.clock,
  });
  await ctx.store.putCredential({
    id: issued.id,
    type: CAPABILITY_CREDENTIAL_TYPE,
    issuer: ctx.organization.did,
    subject: agent.did,
    format: 'vc+jwt',
    token: issued.jwt,
    issuedAt: issued.credential.validFrom,
    ...(issued.credential.validUntil === undefined ? {} : { validUntil: issued.credential.validUntil }),
  });
  return issued;
}
