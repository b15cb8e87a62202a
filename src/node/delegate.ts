/**
 * @module node/delegate
 *
 * One of this node's agents delegates part of a credential it holds to
 * another agent (often a did:key sub-agent). Convenience over
 * {@link delegateCapability}: the child starts from the parent capability
 * that covers it, constraints and all, and the caller only tightens; the
 * narrowing rules are still enforced by the library.
 */

import { InputError, StoreError, VerificationError } from '../errors/index.js';
import { actionWithin, resourceWithin } from '../capability/attenuate.js';
import { delegateCapability } from '../delegation/delegate.js';
import type { IssuedCredential } from '../credential/issue.js';
import { CAPABILITY_CREDENTIAL_TYPE, type AgentCapabilityCredential, type Capability, type Constraints } from '../credential/types.js';
import { verifyCapabilityCredential } from '../credential/verify.js';
import type { NodeContext } from './context.js';
import { getAgent } from './agents.js';

export interface DelegateFromAgentOptions {
  /** The delegating agent's name in this node. */
  from: string;
  /** The parent credential: its id in this node's store, or its JWT. */
  credential: string;
  /** The receiving agent's DID. */
  to: string;
  /** The child capability's action, resource and scope; its constraints tighten the parent's. */
  capability: Capability;
  maxDepth?: number;
  validFor?: string;
}

/** The parent credential as a verified object, from the store or from a JWT. */
async function loadParent(ctx: NodeContext, credential: string): Promise<{ jwt: string; credential: AgentCapabilityCredential }> {
  const jwt = credential.includes('.') ? credential.trim() : (await ctx.store.getCredential(credential))?.token;
  if (jwt === undefined) throw new StoreError('ERR_NOT_FOUND', `no credential ${credential} in this node`, { claim: 'credential' });
  const result = await verifyCapabilityCredential(jwt, { resolver: ctx.resolver, clock: ctx.clock });
  if (!result.verified || result.credential === undefined) {
    const first = result.errors[0];
    throw new VerificationError(first?.code ?? 'ERR_SIGNATURE_INVALID', `the parent credential does not verify: ${result.errors.map((e) => e.code).join(', ')}`, {
      claim: 'credential',
    });
  }
  return { jwt, credential: result.credential };
}

function coveringCapability(parent: AgentCapabilityCredential, child: Capability): Capability | undefined {
  return parent.credentialSubject.capabilities.find(
    (p) => actionWithin(child.action, p.action) && resourceWithin(child.resource, p.resource) && (p.scope === undefined || p.scope === child.scope),
  );
}

/**
 * Delegates from an agent of this node and records the child credential.
 * @throws VerificationError `ERR_CAPABILITY_WIDENED` when no parent capability
 * covers the child or a flag loosens a limit; `ERR_DELEGATION_DEPTH`.
 *
 * @example
 * ```ts
 * // acme -> alice -> refund-helper
 * await delegateFromAgent(node, { from: 'alice', credential: id, to: helper.did,
 *   capability: { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 20, currency: 'USD' } } } });
 * ```
 */
export async function delegateFromAgent(ctx: NodeContext, options: DelegateFromAgentOptions): Promise<IssuedCredential> {
  const agent = await getAgent(ctx, options.from);
  const parent = await loadParent(ctx, options.credential);
  if (parent.credential.credentialSubject.id !== agent.did) {
    throw new InputError('ERR_INVALID_ARGUMENT', `the credential was not issued to ${agent.name}`, { claim: 'credential' });
  }
  const base = coveringCapability(parent.credential, options.capability);
  if (base === undefined) {
    throw new VerificationError('ERR_CAPABILITY_WIDENED', 'no capability of the parent covers this action and resource', { claim: 'capabilities' });
  }
  const constraints: Constraints = { ...base.constraints, ...options.capability.constraints };
  const capability: Capability = {
    ...options.capability,
    ...(base.scope === undefined || options.capability.scope !== undefined ? {} : { scope: base.scope }),
    ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
  };
  const shared = parent.credential.credentialSubject.constraints;
  const issued = await delegateCapability({
    parent: parent.credential,
    signer: await ctx.keys.signer(agent.kid),
    to: options.to,
    capabilities: [capability],
    ...(shared === undefined ? {} : { constraints: shared }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.validFor === undefined ? {} : { validFor: options.validFor }),
    clock: ctx.clock,
  });
  await ctx.store.putCredential({
    id: issued.id,
    type: CAPABILITY_CREDENTIAL_TYPE,
    issuer: agent.did,
    subject: options.to,
    format: 'vc+jwt',
    token: issued.jwt,
    issuedAt: issued.credential.validFrom,
    ...(issued.credential.validUntil === undefined ? {} : { validUntil: issued.credential.validUntil }),
  });
  return issued;
}
